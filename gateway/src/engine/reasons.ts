/**
 * The stable vocabulary of decision reasons. Dialers branch on these codes; codes are only ever added.
 * `timeBased` reasons clear by themselves with time, so a decision blocked only by them carries
 * `nextAllowedAt`.
 */
export const REASONS = {
  TENANT_NOT_VERIFIED: { timeBased: false, summary: 'The calling enterprise has not passed real-name verification' },
  CAMPAIGN_INACTIVE: { timeBased: false, summary: 'The campaign is paused or closed' },
  NO_POLICY_FOR_DESTINATION: { timeBased: false, summary: "The campaign's policy pack does not cover the callee's country" },
  CALLER_ID_MISSING: { timeBased: false, summary: 'No display number was presented' },
  CALLER_ID_INVALID: { timeBased: false, summary: 'The display number is not a valid, dialable number' },
  CALLER_ID_NOT_OWNED: { timeBased: false, summary: 'The display number is not registered to the calling tenant' },
  CALLER_ID_UNVERIFIED: { timeBased: false, summary: "The tenant's right to use the display number is not verified" },
  CALLER_ID_SUSPENDED: { timeBased: false, summary: 'The display number is suspended' },
  CALLER_ID_SUSPENDED_ABUSE: { timeBased: false, summary: 'The display number is suspended for abuse (complaints or behaviour crossed a threshold) until an operator lifts it' },
  TENANT_SUSPENDED_ABUSE: { timeBased: false, summary: 'The calling tenant is suspended for abuse (complaints or behaviour crossed a threshold) until an operator lifts it' },
  CALLER_ID_VIRTUAL_OPERATOR: { timeBased: false, summary: 'A virtual-operator (小号) number without real-name proof' },
  CALLER_ID_ROTATION: { timeBased: true, summary: 'Too many different display numbers toward this callee (rotation to dodge blocking)' },
  CALLER_ID_LOCAL_PRESENCE: { timeBased: false, summary: "A display number matching the callee's region that is not registered to the campaign" },
  CALLER_ID_SERVICE_NUMBER_MARKETING: { timeBased: false, summary: 'A call-centre service number (95/96, 400, 10xxx) shown on a call whose purpose is marketing' },
  NO_CONSENT: { timeBased: false, summary: 'No consent from the callee for this tenant' },
  CONSENT_REVOKED: { timeBased: false, summary: 'The callee withdrew the consent' },
  CONSENT_EXPIRED: { timeBased: false, summary: 'The consent has expired' },
  CONSENT_SCOPE_MISMATCH: { timeBased: false, summary: "The consent does not cover this brand or purpose" },
  CONSENT_MODE_NOT_COVERED: { timeBased: false, summary: 'The consent does not name this dialing mode (prerecorded or AI voice)' },
  CONSENT_NUMBER_REASSIGNED: { timeBased: false, summary: "The consent predates the number's most recent permanent disconnection: it came from a previous holder (FCC Reassigned Numbers Database)" },
  REASSIGNED_DATA_STALE: { timeBased: false, summary: 'The consent cannot be checked against the Reassigned Numbers Database: no data, data too old, or no data for its date' },
  OPTED_OUT: { timeBased: false, summary: 'The callee refused further calls' },
  REGISTRY_LISTED: { timeBased: false, summary: 'The callee is on a do-not-call registry' },
  REGISTRY_STALE: { timeBased: false, summary: 'The do-not-call registry copy is too old or was never loaded' },
  FREQUENCY_CAP_EXCEEDED: { timeBased: true, summary: 'Too many calls to this callee (or from this number) in a rolling window' },
  OUTSIDE_CALLING_HOURS: { timeBased: true, summary: "Outside the calling hours in the callee's local time" },
  HOLIDAY: { timeBased: true, summary: 'No calls on this holiday' },
  ABANDONMENT_RATE_EXCEEDED: { timeBased: false, summary: "The campaign's abandoned-call rate is above the limit: no more calls in modes that can abandon" },
  ABANDONED_CALL_REDIAL: { timeBased: true, summary: 'The callee had an abandoned call: no repeat without a guaranteed live agent until the wait is over' },
  ANSWER_MACHINE_REDIAL: { timeBased: true, summary: 'Answer-machine detection fired on a call to the callee: no repeat without a guaranteed live agent until the wait is over' },
  ABANDONED_WITHOUT_MESSAGE: { timeBased: false, summary: "The campaign's abandoned calls lacked the information message: no more calls in modes that can abandon" },
  CALLER_ID_NOT_RETURNABLE: { timeBased: false, summary: 'The display number is not recorded as taking return calls (or do-not-call requests) as the pack requires' },
  RECORDING_RETENTION_TOO_SHORT: { timeBased: false, summary: 'The campaign keeps its call recordings for less than the pack requires, or does not say' },
  SELLER_NOT_REGISTERED: { timeBased: false, summary: "The calling enterprise holds no valid registration required in the callee's state" },
  CALLER_ID_SERIES: { timeBased: false, summary: "The display number is not in the series the law gives the call's purpose (India 140/1600, Brazil 0303)" },
  REFUSAL_WAIT: { timeBased: true, summary: 'The callee refused a call from this tenant: no call until the period after the refusal is over' },
  CONSENT_PREDATES_REGISTRY: { timeBased: false, summary: "The callee's registration on an opposition register cancelled the consent obtained before it (Italy's RPO)" },
  GATEWAY_UNAVAILABLE: { timeBased: false, summary: 'The gateway could not decide (database unreachable): fail closed' },
} as const;

export type ReasonCode = keyof typeof REASONS;
