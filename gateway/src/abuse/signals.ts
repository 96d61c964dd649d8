import type { TrailEvent } from '../audit/events';
import { trailOf } from '../audit/trail';
import { isMysql, type Db } from '../storage/db';
import { parseJson } from '../storage/json';
import { isTripped, lastLiftOf, lockSubject, tripThreshold, type AbuseSuspension } from './suspensions';
import type { AbuseThreshold, AbuseThresholds } from './thresholds';
import { judgeConsents, readConsents, type ConsentFlag } from './consent-provenance';

/**
 * Behaviour signals: what a tenant's decisions and a number's outcomes look like over the last
 * minutes. A pass reads the decisions and outcomes committed since its cursor (never the whole
 * history), adds them to per-minute counts, and judges the subjects it touched against the
 * thresholds. The pass runs in one transaction holding its cursor rows, so instances take turns
 * and each decision is counted exactly once.
 */

/** Decisions commit within milliseconds of their instant; this much later, none is still on its way. */
export const SETTLE_MS = 5_000;
export const PAGE = 5_000;
export const MINUTE = 60_000;
const KEEP_MS = 25 * 3_600_000;

type Kind = 'tenant' | 'block' | 'caller_number' | 'consent_ip' | 'consent_text';
interface Key {
  kind: Kind;
  subject: string;
  metric: string;
  tenantId: string;
}

const longestWindow = (policy: AbuseThresholds) => Math.max(0, ...policy.thresholds.map((t) => (t.windowMinutes ?? 0) * MINUTE));
export const minuteOf = (at: number) => at - (at % MINUTE);
const blockOf = (callee: string, digits: number) => callee.slice(0, callee.length - digits);

export class Tally {
  readonly counts = new Map<string, { key: Key; minute: number; n: number }>();
  add(key: Key, at: number): void {
    const minute = minuteOf(at);
    const id = `${key.kind}\u0000${key.subject}\u0000${key.metric}\u0000${minute}`;
    const hit = this.counts.get(id);
    if (hit) hit.n++;
    else this.counts.set(id, { key, minute, n: 1 });
  }
}

export async function cursor(trx: Db, name: string, startAt: number): Promise<{ at: number; id: string }> {
  const query = trx('abuse_signal_cursors').where({ name });
  let row = await (isMysql(trx) ? query.forUpdate() : query).first();
  if (!row) {
    // The first pass starts one window back: older history is never rescanned.
    await trx('abuse_signal_cursors').insert({ name, position_at: startAt, position_id: '' }).onConflict('name').ignore();
    row = await (isMysql(trx) ? trx('abuse_signal_cursors').where({ name }).forUpdate() : trx('abuse_signal_cursors').where({ name })).first();
  }
  return { at: Number(row.position_at), id: String(row.position_id) };
}

export const after = (column: string, idColumn: string, c: { at: number; id: string }) => (q: any) =>
  q.where(column, '>', c.at).orWhere((q2: any) => q2.where(column, c.at).andWhere(idColumn, '>', c.id));

async function readDecisions(trx: Db, policy: AbuseThresholds, tally: Tally, until: number): Promise<number> {
  const from = await cursor(trx, 'decisions', until - longestWindow(policy));
  const rows = await trx('decisions').where(after('decided_at', 'id', from)).andWhere('decided_at', '<=', until).orderBy([{ column: 'decided_at' }, { column: 'id' }]).limit(PAGE).select('id', 'decided_at', 'tenant_id', 'callee', 'reasons');
  const blockDigits = [...new Set(policy.thresholds.filter((t) => t.signal === 'block_sweep').map((t) => t.blockDigits!))];
  for (const r of rows) {
    const at = Number(r.decided_at);
    tally.add({ kind: 'tenant', subject: r.tenant_id, metric: 'decisions', tenantId: r.tenant_id }, at);
    const codes = (parseJson(r.reasons, []) as { code: string }[]).map((x) => x.code);
    if (codes.includes('NO_CONSENT')) tally.add({ kind: 'tenant', subject: r.tenant_id, metric: 'no_consent', tenantId: r.tenant_id }, at);
    for (const digits of blockDigits) tally.add({ kind: 'block', subject: `${r.tenant_id}:${blockOf(r.callee, digits)}`, metric: `calls${digits}`, tenantId: r.tenant_id }, at);
  }
  const last = rows.at(-1);
  if (last) await trx('abuse_signal_cursors').where({ name: 'decisions' }).update({ position_at: Number(last.decided_at), position_id: last.id });
  return rows.length;
}

async function readOutcomes(trx: Db, policy: AbuseThresholds, tally: Tally, until: number): Promise<number> {
  const shorts = [...new Set(policy.thresholds.filter((t) => t.signal === 'short_answered_share').map((t) => t.shortSeconds!))];
  if (shorts.length === 0) return 0;
  const from = await cursor(trx, 'outcomes', until - longestWindow(policy));
  const rows = await trx('call_outcomes as o')
    .join('decisions as d', 'd.id', 'o.decision_id')
    .where(after('o.recorded_at', 'o.decision_id', from))
    .andWhere('o.recorded_at', '<=', until)
    .orderBy([{ column: 'o.recorded_at' }, { column: 'o.decision_id' }])
    .limit(PAGE)
    .select('o.decision_id', 'o.recorded_at', 'o.outcome', 'o.duration_seconds', 'd.tenant_id', 'd.caller');
  for (const r of rows) {
    if (r.outcome !== 'answered' || !r.caller) continue;
    const at = Number(r.recorded_at);
    tally.add({ kind: 'caller_number', subject: r.caller, metric: 'answered', tenantId: r.tenant_id }, at);
    for (const s of shorts) if (r.duration_seconds !== null && Number(r.duration_seconds) < s) tally.add({ kind: 'caller_number', subject: r.caller, metric: `short${s}`, tenantId: r.tenant_id }, at);
  }
  const last = rows.at(-1);
  if (last) await trx('abuse_signal_cursors').where({ name: 'outcomes' }).update({ position_at: Number(last.recorded_at), position_id: last.decision_id });
  return rows.length;
}

/** Adds the tally to the stored counts, a few hundred rows a statement. */
async function store(trx: Db, tally: Tally): Promise<void> {
  const rows = [...tally.counts.values()].map(({ key, minute, n }) => ({ subject_kind: key.kind, subject: key.subject, metric: key.metric, minute, tenant_id: key.tenantId, n }));
  const add = isMysql(trx) ? trx.raw('n + VALUES(n)') : trx.raw('abuse_signal_counts.n + excluded.n');
  for (let i = 0; i < rows.length; i += 200) {
    await trx('abuse_signal_counts').insert(rows.slice(i, i + 200)).onConflict(['subject_kind', 'subject', 'metric', 'minute']).merge({ n: add });
  }
}

/** Window sums of one metric for many subjects at once, so a pass judges thousands of subjects in a few statements. */
export async function windowSums(trx: Db, kind: Kind, subjects: string[], metric: string, since: number): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  for (let i = 0; i < subjects.length; i += 500) {
    const rows = await trx('abuse_signal_counts').where({ subject_kind: kind, metric }).whereIn('subject', subjects.slice(i, i + 500)).andWhere('minute', '>=', minuteOf(since)).groupBy('subject').select('subject').sum({ n: 'n' });
    for (const r of rows as { subject: string; n: unknown }[]) sums.set(r.subject, Number(r.n));
  }
  return sums;
}

/** The metric each threshold reads first: a subject below it cannot cross, so it is not judged further. */
function screeningMetric(t: AbuseThreshold): { metric: string; atLeast: number } {
  if (t.signal === 'block_sweep') return { metric: `calls${t.blockDigits}`, atLeast: t.count! };
  if (t.signal === 'no_consent_share') return { metric: 'decisions', atLeast: t.minEvents! };
  return { metric: 'answered', atLeast: t.minEvents! };
}

async function windowSum(trx: Db, kind: Kind, subject: string, metric: string, since: number): Promise<number> {
  const row = await trx('abuse_signal_counts').where({ subject_kind: kind, subject, metric }).andWhere('minute', '>=', minuteOf(since)).sum({ n: 'n' }).first();
  return Number(row?.n ?? 0);
}

interface Crossing {
  value: number;
  limit: number;
  text: string;
}

/** Whether the threshold is crossed for the subject; counts before the subject's last lift are not held against it again. */
async function crossing(trx: Db, t: AbuseThreshold, kind: Kind, subject: string, now: number, since: number): Promise<Crossing | null> {
  const minutes = t.windowMinutes!;
  if (t.signal === 'block_sweep') {
    const calls = await windowSum(trx, 'block', subject, `calls${t.blockDigits}`, since);
    const block = subject.slice(subject.indexOf(':') + 1);
    return calls >= t.count! ? { value: calls, limit: t.count!, text: `${calls} calls into the number block ${block}${'x'.repeat(t.blockDigits!)} within ${minutes} minutes reached the threshold of ${t.count}` } : null;
  }
  if (t.signal === 'no_consent_share') {
    const all = await windowSum(trx, 'tenant', subject, 'decisions', since);
    const refused = await windowSum(trx, 'tenant', subject, 'no_consent', since);
    if (all < t.minEvents! || refused / all < t.share!) return null;
    return { value: refused, limit: Math.ceil(all * t.share!), text: `${refused} of ${all} decisions within ${minutes} minutes were refused for want of consent (${pct(refused / all)}, threshold ${pct(t.share!)} of at least ${t.minEvents})` };
  }
  if (t.signal === 'short_answered_share') {
    const answered = await windowSum(trx, 'caller_number', subject, 'answered', since);
    const short = await windowSum(trx, 'caller_number', subject, `short${t.shortSeconds}`, since);
    if (answered < t.minEvents! || short / answered < t.share!) return null;
    return { value: short, limit: Math.ceil(answered * t.share!), text: `${short} of ${answered} answered calls within ${minutes} minutes lasted under ${t.shortSeconds} s (${pct(short / answered)}, threshold ${pct(t.share!)} of at least ${t.minEvents})` };
  }
  return null;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** The tenant or number a threshold suspends, from the counted subject (a block is its tenant's). */
function suspended(t: AbuseThreshold, kind: Kind, subject: string): { kind: AbuseSuspension['subjectKind']; subject: string } {
  if (kind === 'block') return { kind: 'tenant', subject: subject.slice(0, subject.indexOf(':')) };
  return { kind: kind as AbuseSuspension['subjectKind'], subject };
}

async function judge(trx: Db, policy: AbuseThresholds, tally: Tally, now: number): Promise<{ suspensions: AbuseSuspension[]; events: TrailEvent[] }> {
  const out = { suspensions: [] as AbuseSuspension[], events: [] as TrailEvent[] };
  const touched = new Map<string, Key>();
  for (const { key } of tally.counts.values()) touched.set(`${key.kind} ${key.subject}`, key);
  for (const t of policy.thresholds) {
    if (t.signal === 'complaints' || t.subject === 'consent') continue;
    const counted: Kind = t.signal === 'block_sweep' ? 'block' : (t.subject as Kind);
    const keys = [...touched.values()].filter((k) => k.kind === counted && (t.signal !== 'block_sweep' || k.metric === `calls${t.blockDigits}`));
    // Screened by the window's volume, without the lift (a lift only lowers it): most subjects stop here.
    const screen = screeningMetric(t);
    const volume = await windowSums(trx, counted, keys.map((k) => k.subject), screen.metric, now - t.windowMinutes! * MINUTE);
    for (const key of keys) {
      if ((volume.get(key.subject) ?? 0) < screen.atLeast) continue;
      const target = suspended(t, key.kind, key.subject);
      if (await isTripped(trx, target.kind, target.subject, t.id)) continue;
      const since = Math.max(now - t.windowMinutes! * MINUTE, await lastLiftOf(trx, target.kind, target.subject, t.id));
      const crossed = await crossing(trx, t, key.kind, key.subject, now, since);
      if (!crossed) continue;
      if (!(await lockSubject(trx, target.kind, target.subject))) continue;
      const tripped = await tripThreshold(trx, policy, t, target.kind, target.subject, key.tenantId, { value: crossed.value, limit: crossed.limit, windowSeconds: t.windowMinutes! * 60, text: crossed.text }, now);
      out.suspensions.push(tripped.suspension);
      out.events.push(tripped.event);
    }
  }
  return out;
}

/** One pass over what was committed since the last; returns how much it read and what it tripped. */
export interface SignalPass {
  decisions: number;
  outcomes: number;
  consents: number;
  suspensions: AbuseSuspension[];
  consentFlags: ConsentFlag[];
}

export async function runSignalPass(db: Db, policy: AbuseThresholds, now = Date.now()): Promise<SignalPass> {
  if (!policy.thresholds.some((t) => t.signal !== 'complaints')) return { decisions: 0, outcomes: 0, consents: 0, suspensions: [], consentFlags: [] };
  return trailOf(db).record(db, async (trx) => {
    const tally = new Tally();
    const until = now - SETTLE_MS;
    const decisions = await readDecisions(trx, policy, tally, until);
    const outcomes = await readOutcomes(trx, policy, tally, until);
    const consents = await readConsents(trx, policy, tally, until);
    await store(trx, tally);
    const judged = await judge(trx, policy, tally, now);
    const flags = await judgeConsents(trx, policy, tally, consents, now);
    await trx('abuse_signal_counts').where('minute', '<', now - KEEP_MS).delete();
    return { result: { decisions, outcomes, consents: consents.read, suspensions: judged.suspensions, consentFlags: flags }, events: judged.events };
  });
}
