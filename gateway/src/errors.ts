/**
 * The one catalogue of coded errors the gateway answers with. A code is stable API: dialers and
 * integrators branch on it, so codes are only ever added, never renamed.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the schema' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  EVIDENCE_TOO_LARGE: { status: 413, message: 'The evidence is larger than the gateway stores' },
  INVALID_NUMBER: { status: 400, message: 'The phone number is not a valid E.164 number' },
  INVALID_LOCATION: { status: 400, message: "The callee's location is not a known subdivision, IANA time zone or postal code" },
  INVALID_USCC: { status: 400, message: 'The unified social credit code (统一社会信用代码) is invalid' },
  CONSENT_NOT_SPECIFIC: { status: 422, message: 'Bundled, pre-ticked or blanket consent is not consent' },
  CONSENT_INVALID_PERIOD: { status: 422, message: 'The consent expires before it was obtained' },
  COMPLAINT_ROWS_INVALID: { status: 400, message: 'Some complaints are invalid; none was recorded' },
  SUSPENSION_NOT_FOUND: { status: 404, message: 'No such abuse suspension' },
  SUSPENSION_ALREADY_LIFTED: { status: 409, message: 'The abuse suspension was already lifted' },
  CONSENT_NOT_FOUND: { status: 404, message: 'No such consent' },
  TENANT_NOT_FOUND: { status: 404, message: 'No such tenant' },
  BRAND_NOT_FOUND: { status: 404, message: 'No such brand' },
  CAMPAIGN_NOT_FOUND: { status: 404, message: 'No such campaign' },
  CALLER_NUMBER_NOT_FOUND: { status: 404, message: 'No such caller number' },
  DECISION_NOT_FOUND: { status: 404, message: 'No such decision' },
  EXPORT_NOT_FOUND: { status: 404, message: 'No such audit export' },
  CHECKPOINT_NOT_FOUND: { status: 404, message: 'No such audit checkpoint' },
  RECORD_NOT_FOUND: { status: 404, message: 'No such trail record' },
  PROOF_UNAVAILABLE: { status: 409, message: 'The proof cannot be computed for this tree' },
  COSIGNATURE_INVALID: { status: 422, message: 'The cosignature is not by a configured witness or does not verify' },
  POLICY_PACK_NOT_FOUND: { status: 422, message: 'No such policy pack' },
  CALLER_NUMBER_TAKEN: { status: 409, message: 'This number is already registered to a tenant' },
  TENANT_EXISTS: { status: 409, message: 'A tenant with this unified social credit code exists' },
  OUTCOME_ALREADY_RECORDED: { status: 409, message: 'An outcome is already recorded for this call' },
  OUTCOME_FOR_DENIED_CALL: { status: 409, message: 'A denied call was never placed and has no outcome' },
  INVALID_SOURCE_ADDRESS: { status: 400, message: 'The source is not an IP address or network (CIDR)' },
  SIP_DIALER_EXISTS: { status: 409, message: 'This source address is already assigned to a dialer' },
  SIP_DIALER_NOT_FOUND: { status: 404, message: 'No such SIP dialer' },
  SIP_ACCOUNT_EXISTS: { status: 409, message: 'A SIP account with this user name or certificate exists' },
  SIP_ACCOUNT_NOT_FOUND: { status: 404, message: 'No such SIP account, or it was revoked' },
  INVALID_SIP_ACCOUNT: { status: 400, message: 'The SIP account is not valid' },
  AUTH_REQUIRED: { status: 401, message: 'A bearer token is required' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired' },
  TOKEN_INVALID: { status: 401, message: 'The token is not valid' },
  TOKEN_REVOKED: { status: 401, message: 'The token was revoked' },
  TOKEN_ISSUED_IN_FUTURE: { status: 401, message: 'The token claims to be issued later than now' },
  TOKEN_LIFETIME_TOO_LONG: { status: 401, message: 'The token lives longer than its role allows' },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many requests; wait and try again' },
  FORBIDDEN_ROLE: { status: 403, message: 'Your role may not do this' },
  FORBIDDEN_TENANT: { status: 403, message: 'This belongs to another tenant' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong user name or password' },
  TOO_MANY_SIGN_INS: { status: 429, message: 'Too many failed sign-ins for this user; wait and try again' },
  USER_EXISTS: { status: 409, message: 'A user with this name exists' },
  USER_NOT_FOUND: { status: 404, message: 'No such user' },
  POLICY_INVALID: { status: 422, message: 'The policy change is not valid' },
  POLICY_CHANGE_NOT_FOUND: { status: 404, message: 'No such policy change' },
  POLICY_CHANGE_CLOSED: { status: 409, message: 'The policy change was already approved, rejected or superseded' },
  POLICY_CHANGE_STALE: { status: 409, message: 'Another change was published since this one was drafted' },
  FOUR_EYES: { status: 403, message: 'A change must be approved by a second compliance officer, not its author' },
  BAN_NOT_FOUND: { status: 404, message: 'No such calling ban' },
  TENANT_GROUP_NOT_FOUND: { status: 404, message: 'No such tenant group' },
  TENANT_IN_GROUP: { status: 409, message: 'The tenant already belongs to a group of affiliates' },
  REGISTRY_IMPORT_CONFLICT: { status: 409, message: 'Another import of this registry finished first' },
  REASSIGNED_FILE_INVALID: { status: 400, message: 'A line of the reassigned-numbers file is not number,disconnect_date; nothing was imported' },
  REGISTRY_FILE_EMPTY: { status: 422, message: 'The registry file holds no number; the current list is kept' },
  GATEWAY_UNAVAILABLE: { status: 503, message: 'The gateway cannot reach its database' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message);
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
