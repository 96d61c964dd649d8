import { trailOf } from '../audit/trail';
import type { TrailEvent } from '../audit/events';
import type { AttemptFacts, CampaignOutcomeFacts } from '../engine/types';
import { isMysql, type Db } from './db';

type Row = Record<string, any>;

export const OUTCOMES = ['answered', 'no_answer', 'busy', 'failed', 'abandoned', 'voicemail'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface CallOutcome {
  decisionId: string;
  tenantId: string;
  outcome: Outcome;
  endedAt: number;
  durationSeconds: number | null;
  refused: boolean;
  optOutId: string | null;
  recordedBy: string;
  /** Whether answer-machine detection judged a machine; null or absent: not reported. */
  answerMachineDetected?: boolean | null;
  /** Whether the information message played (an abandoned call must play it); null or absent: not reported. */
  infoMessagePlayed?: boolean | null;
}

const toRow = (o: CallOutcome) => ({
  decision_id: o.decisionId,
  tenant_id: o.tenantId,
  outcome: o.outcome,
  ended_at: o.endedAt,
  duration_seconds: o.durationSeconds,
  refused: o.refused,
  opt_out_id: o.optOutId,
  answer_machine: o.answerMachineDetected ?? null,
  info_message: o.infoMessagePlayed ?? null,
  recorded_by: o.recordedBy,
  recorded_at: Date.now(),
});

/**
 * How calls ended, attached to their decisions: from the dialer's REST report or from SIP
 * signalling. One outcome per decision; a second report for the same call is ignored when
 * `ignoreDuplicates` (signalling and the dialer may both report), refused otherwise.
 */
export async function recordCallOutcomes(db: Db, outcomes: CallOutcome[], options: { ignoreDuplicates: boolean }): Promise<void> {
  if (outcomes.length === 0) return;
  await trailOf(db).record(db, async (trx) => ({ result: undefined, events: await insertCallOutcomes(trx, outcomes, options) }));
}

/** Inserts outcomes inside the caller's transaction and returns their trail events (one query for their calls). */
export async function insertCallOutcomes(trx: Db, outcomes: CallOutcome[], options: { ignoreDuplicates: boolean }): Promise<TrailEvent[]> {
  const ids = outcomes.map((o) => o.decisionId);
  const fresh = options.ignoreDuplicates ? await withoutRecorded(trx, outcomes) : outcomes;
  if (fresh.length === 0) return [];
  const rows = fresh.map(toRow);
  const insert = trx('call_outcomes').insert(rows);
  await (options.ignoreDuplicates ? insert.onConflict('decision_id').ignore() : insert);
  const calls = new Map((await trx('decisions').whereIn('id', ids).select('id', 'callee', 'campaign_id')).map((d: Row) => [d.id as string, d]));
  for (const call of calls.values()) forgetCampaignOutcomes(call.campaign_id);
  return rows.map((outcome) => {
    const call = calls.get(outcome.decision_id);
    return { type: 'call.outcome', at: outcome.recorded_at, tenantId: outcome.tenant_id, campaignId: call?.campaign_id ?? null, callee: call?.callee, subjectId: outcome.decision_id, payload: { outcome } };
  });
}

/** Who records outcomes from signalling; the dialer may complete such a row once. */
export const SIGNALLED_BY = 'sip';

/**
 * Completes an outcome signalling recorded with the dialer's report: only the dialer knows the
 * callee refused (the opt-out must not be lost) or that the call was abandoned (no agent came), so
 * those override what signalling saw. The row is claimed once: a second report by the dialer, or a
 * row the dialer wrote itself, returns null and the caller refuses it.
 */
export async function completeSignalledOutcome(trx: Db, report: CallOutcome): Promise<{ outcome: Outcome; events: TrailEvent[] } | null> {
  // A locking read on MariaDB sees a row signalling committed after this transaction's snapshot.
  const query = trx('call_outcomes').where({ decision_id: report.decisionId, recorded_by: SIGNALLED_BY });
  const signalled: Row | undefined = await (isMysql(trx) ? query.forUpdate() : query).first();
  if (!signalled) return null;
  const answerMachine = report.answerMachineDetected ?? nullableBool(signalled.answer_machine);
  const outcome = completedOutcome(report.outcome, signalled.outcome, answerMachine);
  const changes = {
    outcome,
    refused: Boolean(signalled.refused) || report.refused,
    opt_out_id: report.optOutId ?? signalled.opt_out_id,
    // What the dialer says of the machine and the message stands; signalling's word fills the gaps.
    answer_machine: answerMachine,
    info_message: report.infoMessagePlayed ?? nullableBool(signalled.info_message),
    recorded_by: `${SIGNALLED_BY}+${report.recordedBy}`.slice(0, 100),
  };
  const claimed = await trx('call_outcomes').where({ decision_id: report.decisionId, recorded_by: SIGNALLED_BY }).update(changes);
  if (claimed !== 1) return null;
  const call: Row | undefined = await trx('decisions').where({ id: report.decisionId }).first('callee', 'campaign_id');
  if (call) forgetCampaignOutcomes(call.campaign_id);
  const at = Date.now();
  const dialerReport = toRow(report);
  const events: TrailEvent[] = [{
    type: 'call.outcome', at, tenantId: report.tenantId, campaignId: call?.campaign_id ?? null, callee: call?.callee, subjectId: report.decisionId,
    payload: { outcome: { ...signalled, ...changes, refused: Boolean(changes.refused) }, completes: SIGNALLED_BY, dialerReport },
  }];
  return { outcome, events };
}

/** Signalling saw an answer; the dialer knows whether a person (or no agent) was there. */
function completedOutcome(reported: Outcome, signalled: Outcome, answerMachine: boolean | null): Outcome {
  if (reported === 'abandoned') return 'abandoned';
  // A machine that answered is no live call, whatever the 200 looked like.
  if (answerMachine && signalled === 'answered') return 'voicemail';
  return signalled;
}

const nullableBool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(Number(v)));

/** Outcomes not yet recorded, once each: signalling and the dialer may both report a call. */
async function withoutRecorded(trx: Db, outcomes: CallOutcome[]): Promise<CallOutcome[]> {
  const rows: Row[] = await trx('call_outcomes').whereIn('decision_id', outcomes.map((o) => o.decisionId)).select('decision_id');
  const recorded = new Set(rows.map((r) => r.decision_id as string));
  const fresh: CallOutcome[] = [];
  for (const o of outcomes) {
    if (recorded.has(o.decisionId)) continue;
    recorded.add(o.decisionId);
    fresh.push(o);
  }
  return fresh;
}

/**
 * A campaign's rate over 30 days moves slowly and counting it means reading every call of the
 * window, so each instance keeps the counts for a short while; the instance that records an outcome
 * forgets its campaign's counts at once, the others within CACHE_MS.
 */
const CACHE_MS = 30_000;
const cache = new Map<string, { at: number; stats: CampaignOutcomeFacts[] }>();

export function forgetCampaignOutcomes(campaignId: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${campaignId}|`)) cache.delete(key);
}

/**
 * How a call ended: as reported for a call callgate decided, or as imported with a call placed
 * before callgate (those have no decision). Both count alike in every rate and wait.
 */
const OUTCOME_OF = 'COALESCE(o.outcome, a.outcome)';
const INFO_MESSAGE_OF = 'COALESCE(o.info_message, a.info_message)';
const ANSWER_MACHINE_OF = 'COALESCE(o.answer_machine, a.answer_machine)';

/** Live-answered and abandoned calls per campaign and window: at most one query per batch. */
export async function campaignOutcomes(q: Db, campaignIds: string[], windows: number[], now: number): Promise<Map<string, CampaignOutcomeFacts[]>> {
  const result = new Map<string, CampaignOutcomeFacts[]>();
  if (windows.length === 0 || campaignIds.length === 0) return result;
  const key = (id: string) => `${id}|${windows.join(',')}`;
  const stale: string[] = [];
  for (const id of campaignIds) {
    const hit = cache.get(key(id));
    if (hit && now - hit.at < CACHE_MS) result.set(id, hit.stats);
    else stale.push(id);
  }
  if (stale.length === 0) return result;
  const longest = Math.max(...windows);
  const columns = windows.flatMap((w, i) => [
    q.raw(`SUM(CASE WHEN a.attempted_at > ? AND ${OUTCOME_OF} = 'abandoned' THEN 1 ELSE 0 END) AS ab${i}`, [now - w * 1000]),
    q.raw(`SUM(CASE WHEN a.attempted_at > ? AND ${OUTCOME_OF} IN ('answered', 'abandoned') THEN 1 ELSE 0 END) AS live${i}`, [now - w * 1000]),
    q.raw(`SUM(CASE WHEN a.attempted_at > ? AND ${OUTCOME_OF} = 'abandoned' AND ${INFO_MESSAGE_OF} = 0 THEN 1 ELSE 0 END) AS nomsg${i}`, [now - w * 1000]),
    q.raw(`SUM(CASE WHEN a.attempted_at > ? AND ${OUTCOME_OF} = 'abandoned' AND ${INFO_MESSAGE_OF} IS NULL THEN 1 ELSE 0 END) AS unrep${i}`, [now - w * 1000]),
  ]);
  const rows: Row[] = await q('call_attempts as a')
    .leftJoin('call_outcomes as o', 'o.decision_id', 'a.decision_id')
    .whereIn('a.campaign_id', stale)
    .andWhere('a.attempted_at', '>', now - longest * 1000)
    .groupBy('a.campaign_id')
    .select('a.campaign_id', ...columns);
  const byId = new Map(rows.map((r) => [r.campaign_id as string, r]));
  for (const id of stale) {
    const row = byId.get(id);
    const stats = windows.map((w, i) => ({
      windowSeconds: w,
      live: Number(row?.[`live${i}`] ?? 0),
      abandoned: Number(row?.[`ab${i}`] ?? 0),
      abandonedWithoutMessage: Number(row?.[`nomsg${i}`] ?? 0),
      abandonedUnreported: Number(row?.[`unrep${i}`] ?? 0),
    }));
    if (cache.size > 10_000) cache.clear();
    cache.set(key(id), { at: now, stats });
    result.set(id, stats);
  }
  return result;
}

/** Abandoned calls to the batch's callees since `since`, newest first: one query per batch. */
export function abandonedCallsTo(q: Db, callees: string[], since: number): Promise<Map<string, AttemptFacts[]>> {
  return callsTo(q, callees, since, `${OUTCOME_OF} = 'abandoned'`);
}

/** Calls to the batch's callees since `since` on which answer-machine detection fired, newest first. */
export function machineCallsTo(q: Db, callees: string[], since: number): Promise<Map<string, AttemptFacts[]>> {
  return callsTo(q, callees, since, `${ANSWER_MACHINE_OF} = 1`);
}

/** Calls to the batch's callees since `since` that the callee refused, newest first. */
export function refusedCallsTo(q: Db, callees: string[], since: number): Promise<Map<string, AttemptFacts[]>> {
  return callsTo(q, callees, since, 'o.refused = 1');
}

async function callsTo(q: Db, callees: string[], since: number, condition: string): Promise<Map<string, AttemptFacts[]>> {
  const rows: Row[] = await q('call_attempts as a')
    .leftJoin('call_outcomes as o', 'o.decision_id', 'a.decision_id')
    .whereIn('a.callee', callees)
    .andWhere('a.attempted_at', '>', since)
    .andWhereRaw(condition)
    .orderBy('a.attempted_at', 'desc')
    .select('a.callee', 'a.tenant_id', 'a.caller', 'a.attempted_at');
  const byCallee = new Map<string, AttemptFacts[]>();
  for (const r of rows) {
    const list = byCallee.get(r.callee) ?? [];
    list.push({ at: Number(r.attempted_at), tenantId: r.tenant_id, caller: r.caller });
    byCallee.set(r.callee, list);
  }
  return byCallee;
}
