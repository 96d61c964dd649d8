import type { CallInput, Decision } from '../engine/types';

/** A decision as stored and as answered: the engine's verdict plus what it was made from. */
export interface DecisionRecord extends Decision {
  id: string;
  decidedAt: number;
  instanceId: string;
  call: CallInput;
  /** The facts the engine saw, so that the decision can be replayed and explained later. */
  input: unknown;
  timing: { queuedUs: number; engineUs: number; batchSize: number };
}

export function toRow(record: DecisionRecord) {
  return {
    id: record.id,
    decided_at: record.decidedAt,
    instance_id: record.instanceId,
    tenant_id: record.call.tenantId,
    campaign_id: record.call.campaignId,
    callee: record.call.callee,
    caller: record.call.caller,
    allow: record.allow,
    reasons: JSON.stringify(record.reasons),
    next_allowed_at: record.nextAllowedAt,
    policy_revision: record.policyRevision,
    rule_ids: JSON.stringify(record.ruleIds),
    input: JSON.stringify(record.input),
    timing: JSON.stringify(record.timing),
  };
}

export type DecisionRow = ReturnType<typeof toRow>;

/** What the dialer gets back. */
export function toAnswer(record: DecisionRecord) {
  return {
    id: record.id,
    allow: record.allow,
    reasons: record.reasons,
    nextAllowedAt: record.nextAllowedAt === null ? null : new Date(record.nextAllowedAt).toISOString(),
    policyRevision: record.policyRevision,
    decidedAt: new Date(record.decidedAt).toISOString(),
  };
}
