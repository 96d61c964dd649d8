/** Every kind of event the trail records. A type is stable: exports and auditors filter on it. */
export const EVENT_TYPES = [
  'consent.given',
  'consent.revoked',
  'relationship.recorded',
  'callee_location.recorded',
  'opt_out.received',
  'registry.loaded',
  'policy.recorded',
  'policy.published',
  'tenant.created',
  'tenant.verification',
  'tenant_group.created',
  'tenant_group.member_added',
  'number.registered',
  'number.verification',
  'number.status',
  'number.callbacks',
  'decision',
  'call.outcome',
  'call.attested',
  'call.imported',
  'call_history.imported',
  'decision.superseded',
  'admin.action',
  'audit.export',
  'audit.purge',
  'complaint.received',
  'abuse.suspended',
  'abuse.lifted',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** One event to append: what happened, to whom, and the full record of it as JSON. */
export interface TrailEvent {
  type: EventType;
  /** When it happened (epoch ms); now when absent. */
  at?: number;
  tenantId: string | null;
  campaignId?: string | null;
  callee?: string | null;
  /** The id of the thing recorded (decision, consent, opt-out, …). */
  subjectId?: string | null;
  payload: unknown;
  /** The payload already as JSON text, when the caller has it: it is stored and hashed as given. */
  payloadJson?: string;
}
