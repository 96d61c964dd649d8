import type { TrailEvent } from '../audit/events';
import type { CallInput, Decision } from '../engine/types';
import { iso, isoOrNull } from '../iso';
import { parseJson } from '../storage/json';

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

/**
 * The call of a stored decision. A declared dialing mode lives only in the recorded input (no column
 * of its own), which the trail's hash already covers.
 */
export function callOf(row: Record<string, any>, input: { call?: CallInput } | null): CallInput {
  const call: CallInput = { tenantId: row.tenant_id, campaignId: row.campaign_id, callee: row.callee, caller: row.caller };
  const mode = input?.call?.mode;
  return mode === undefined ? call : { ...call, mode };
}

/** A stored decision read back; the inverse of toRow. */
export function fromRow(row: Record<string, any>): DecisionRecord {
  const input = parseJson<{ call?: CallInput } | null>(row.input, null);
  return {
    id: row.id,
    decidedAt: Number(row.decided_at),
    instanceId: row.instance_id,
    call: callOf(row, input),
    allow: Boolean(row.allow),
    reasons: parseJson(row.reasons, []),
    nextAllowedAt: row.next_allowed_at === null ? null : Number(row.next_allowed_at),
    policyRevision: row.policy_revision,
    ruleIds: parseJson(row.rule_ids, []),
    input,
    timing: parseJson(row.timing, { queuedUs: 0, engineUs: 0, batchSize: 0 }),
  };
}

/** What the dialer gets back. */
export function toAnswer(record: DecisionRecord) {
  return {
    id: record.id,
    allow: record.allow,
    reasons: record.reasons,
    nextAllowedAt: isoOrNull(record.nextAllowedAt),
    policyRevision: record.policyRevision,
    decidedAt: iso(record.decidedAt),
  };
}

/**
 * A decision event's payload up to its input: every field of the answer, in the bytes the event
 * holds, so that a stored row can be checked against its event without parsing the event.
 */
export function decisionPayloadHead(row: Pick<DecisionRow, 'id' | 'decided_at' | 'instance_id' | 'tenant_id' | 'campaign_id' | 'callee' | 'caller' | 'allow' | 'reasons' | 'next_allowed_at' | 'policy_revision' | 'rule_ids'>): string {
  return (
    `{"decision":{"id":${JSON.stringify(row.id)},"decidedAt":${row.decided_at},"instanceId":${JSON.stringify(row.instance_id)},` +
    `"call":${JSON.stringify({ tenantId: row.tenant_id, campaignId: row.campaign_id, callee: row.callee, caller: row.caller })},` +
    `"allow":${Boolean(row.allow)},"reasons":${row.reasons},"nextAllowedAt":${row.next_allowed_at ?? null},` +
    `"policyRevision":${JSON.stringify(row.policy_revision)},"ruleIds":${row.rule_ids},"input":`
  );
}

/**
 * The trail event of a decision: the whole record, inputs, reasons, policy revision and timing.
 * Its JSON is assembled from the row's JSON columns, so a decision's inputs are serialised once.
 */
export function decisionEvent(row: DecisionRow): TrailEvent {
  const payloadJson = `${decisionPayloadHead(row)}${row.input},"timing":${row.timing}}}`;
  return {
    type: 'decision',
    at: row.decided_at,
    tenantId: row.tenant_id,
    campaignId: row.campaign_id,
    callee: row.callee,
    subjectId: row.id,
    payload: null,
    payloadJson,
  };
}
