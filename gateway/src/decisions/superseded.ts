import { trailOf } from '../audit/trail';
import type { Db } from '../storage/db';
import { insertCallOutcomes } from '../storage/outcomes';

export interface Superseded {
  decisionId: string;
  tenantId: string;
  /** Why the allowed call was not placed after all. */
  reason: string;
  recordedBy: string;
}

/**
 * An allowed call that was refused after its decision was recorded (the answer came too late) never
 * rang: its attempt leaves the frequency counters, it gets the outcome 'failed', and the trail says
 * that the allow was superseded and why, all in one transaction. A decision that was not an allow,
 * or that already has an outcome, is left as it is.
 */
export async function recordSuperseded(db: Db, s: Superseded): Promise<boolean> {
  return trailOf(db).record(db, async (trx) => {
    const decision = await trx('decisions').where({ id: s.decisionId, tenant_id: s.tenantId }).first('campaign_id', 'callee', 'allow');
    if (!decision || !decision.allow) return { result: false, events: [] };
    const now = Date.now();
    const outcome = { decisionId: s.decisionId, tenantId: s.tenantId, outcome: 'failed' as const, endedAt: now, durationSeconds: null, refused: false, optOutId: null, recordedBy: s.recordedBy };
    const outcomeEvents = await insertCallOutcomes(trx, [outcome], { ignoreDuplicates: true });
    if (outcomeEvents.length === 0) return { result: false, events: [] };
    const attemptsRemoved = await trx('call_attempts').where({ decision_id: s.decisionId }).delete();
    const event = {
      type: 'decision.superseded' as const,
      at: now,
      tenantId: s.tenantId,
      campaignId: decision.campaign_id,
      callee: decision.callee,
      subjectId: s.decisionId,
      payload: { superseded: { decisionId: s.decisionId, placed: false, reason: s.reason, attemptsRemoved, recordedBy: s.recordedBy, at: now } },
    };
    return { result: true, events: [event, ...outcomeEvents] };
  });
}
