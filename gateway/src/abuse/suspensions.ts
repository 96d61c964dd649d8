import type { TrailEvent } from '../audit/events';
import { trailOf } from '../audit/trail';
import { AppError } from '../errors';
import { iso } from '../iso';
import { isMysql, type Db } from '../storage/db';
import { newId } from '../storage/ids';
import { raiseAlert } from './alerts';
import type { AbuseThreshold, AbuseThresholds } from './thresholds';

/**
 * A display number or a tenant stopped because a signal crossed its threshold. It holds until an
 * operator who is not the tenant reviews the evidence and lifts it with a reason; both are on the trail.
 */
export interface AbuseSuspension {
  id: string;
  tenantId: string;
  subjectKind: 'caller_number' | 'tenant';
  /** The display number (E.164) or the tenant id. */
  subject: string;
  signal: string;
  action: 'suspend' | 'observe';
  observed: number;
  threshold: number;
  windowSeconds: number;
  message: string;
  since: number;
  liftedAt: number | null;
  liftedBy: string | null;
  liftReason: string | null;
}

/** What the number or tenant row carries while the suspension is active; a decision reads it with its facts. */
export interface ActiveSuspension {
  id: string;
  signal: string;
  message: string;
  since: number;
}

type Row = Record<string, any>;

const DAY_MS = 86_400_000;

const toSuspension = (r: Row): AbuseSuspension => ({
  id: r.id,
  tenantId: r.tenant_id,
  subjectKind: r.subject_kind,
  subject: r.subject,
  signal: r.signal,
  action: r.action,
  observed: Number(r.observed),
  threshold: Number(r.threshold),
  windowSeconds: Number(r.window_seconds),
  message: r.message,
  since: Number(r.since),
  liftedAt: r.lifted_at === null ? null : Number(r.lifted_at),
  liftedBy: r.lifted_by,
  liftReason: r.lift_reason,
});

/** The row column, parsed; anything unreadable is treated as suspended, never as clear. */
export function parseActiveSuspension(value: unknown): ActiveSuspension | null {
  if (value === null || value === undefined || value === '') return null;
  try {
    const parsed = JSON.parse(String(value));
    if (parsed && typeof parsed.id === 'string') return parsed as ActiveSuspension;
  } catch {
    // fall through: an edited or truncated column must not clear a suspension
  }
  return { id: 'unreadable', signal: 'unknown', message: 'the suspension record on this row is unreadable', since: 0 };
}

/** The count at which an alert warns that a threshold is near: four fifths of it, when that is below it. */
export function nearingAt(count: number): number | null {
  const at = Math.ceil(count * 0.8);
  return at < count ? at : null;
}

const subjectTable = (kind: AbuseSuspension['subjectKind']) => (kind === 'tenant' ? { table: 'tenants', key: 'id' } : { table: 'caller_numbers', key: 'e164' });

/** Locks the number's or tenant's row, so two instances counting the same complaints suspend it once. */
export async function lockSubject(trx: Db, kind: AbuseSuspension['subjectKind'], subject: string): Promise<Row | undefined> {
  const { table, key } = subjectTable(kind);
  const query = trx(table).where({ [key]: subject });
  return (isMysql(trx) ? query.forUpdate() : query).first();
}

async function lastLift(trx: Db, kind: string, subject: string, thresholdId: string): Promise<number> {
  const row = await trx('abuse_suspensions').where({ subject_kind: kind, subject, signal: thresholdId }).whereNotNull('lifted_at').max({ at: 'lifted_at' }).first();
  return row?.at ? Number(row.at) : 0;
}

async function countComplaints(trx: Db, kind: AbuseSuspension['subjectKind'], subject: string, tenantId: string, windowStart: number, liftedAt: number): Promise<number> {
  const query = trx('complaints').where({ tenant_id: tenantId }).andWhere('complained_at', '>', windowStart).andWhere('received_at', '>', liftedAt);
  if (kind === 'caller_number') query.andWhere({ display_number: subject });
  const [row] = await query.count({ n: '*' });
  return Number(row.n);
}

function describe(threshold: AbuseThreshold, kind: AbuseSuspension['subjectKind'], subject: string, observed: string): string {
  const who = kind === 'tenant' ? `tenant ${subject}` : `display number ${subject}`;
  const verb = threshold.action === 'suspend' ? 'suspended' : 'under observation';
  return `${who} ${verb}: ${observed} (${threshold.id}, ${threshold.status})`;
}

/** Whether a suspension (or observation) of this threshold is active on the subject. */
export async function isTripped(trx: Db, kind: AbuseSuspension['subjectKind'], subject: string, thresholdId: string): Promise<boolean> {
  return Boolean(await trx('abuse_suspensions').where({ subject_kind: kind, subject, signal: thresholdId }).whereNull('lifted_at').first());
}

export { lastLift as lastLiftOf };

/**
 * Suspends (or flags) the subject for a crossed threshold: the suspension row, the mark on the
 * number's or tenant's row that decisions read, the alert and the trail event, in the caller's transaction.
 */
export async function tripThreshold(
  trx: Db,
  policy: AbuseThresholds,
  threshold: AbuseThreshold,
  kind: AbuseSuspension['subjectKind'],
  subject: string,
  tenantId: string,
  observed: { value: number; limit: number; windowSeconds: number; text: string },
  now: number,
): Promise<{ suspension: AbuseSuspension; event: TrailEvent }> {
  const suspension: AbuseSuspension = {
    id: newId('abs'),
    tenantId,
    subjectKind: kind,
    subject,
    signal: threshold.id,
    action: threshold.action,
    observed: observed.value,
    threshold: observed.limit,
    windowSeconds: observed.windowSeconds,
    message: describe(threshold, kind, subject, observed.text),
    since: now,
    liftedAt: null,
    liftedBy: null,
    liftReason: null,
  };
  await trx('abuse_suspensions').insert(toRow(suspension));
  if (suspension.action === 'suspend') await markRow(trx, suspension);
  await raiseAlert(trx, suspension.action === 'suspend' ? 'abuse.suspended' : 'abuse.observed', tenantId, { suspension }, now);
  return { suspension, event: { type: 'abuse.suspended', at: now, tenantId, subjectId: suspension.id, payload: { suspension, thresholdsRevision: policy.revision } } };
}

/**
 * Counts the subject's complaints against every threshold for it and, where one is crossed and no
 * suspension of that threshold is active, suspends (or flags) it. Runs in the transaction that
 * stored the complaints; returns the new suspensions and the trail events to append with them.
 */
export async function applyComplaintThresholds(
  trx: Db,
  policy: AbuseThresholds,
  kind: AbuseSuspension['subjectKind'],
  subject: string,
  tenantId: string,
  now: number,
): Promise<{ suspensions: AbuseSuspension[]; events: TrailEvent[] }> {
  const out = { suspensions: [] as AbuseSuspension[], events: [] as TrailEvent[] };
  const thresholds = policy.thresholds.filter((t) => t.subject === kind && t.signal === 'complaints');
  if (thresholds.length === 0) return out;
  const row = await lockSubject(trx, kind, subject);
  if (!row) return out;
  for (const threshold of thresholds) {
    if (await isTripped(trx, kind, subject, threshold.id)) continue;
    const [count, days] = [threshold.count!, threshold.windowDays!];
    const observed = await countComplaints(trx, kind, subject, tenantId, now - days * DAY_MS, await lastLift(trx, kind, subject, threshold.id));
    if (observed < count) {
      // Warned once, when the count first reaches the warning level.
      if (observed === nearingAt(count)) await raiseAlert(trx, 'abuse.nearing', tenantId, { threshold: threshold.id, subjectKind: kind, subject, observed, count, windowDays: days }, now);
      continue;
    }
    const text = `${observed} complaints within ${days} days reached the threshold of ${count}`;
    const tripped = await tripThreshold(trx, policy, threshold, kind, subject, tenantId, { value: observed, limit: count, windowSeconds: days * 86_400, text }, now);
    out.suspensions.push(tripped.suspension);
    out.events.push(tripped.event);
  }
  return out;
}

const toRow = (s: AbuseSuspension): Row => ({
  id: s.id,
  tenant_id: s.tenantId,
  subject_kind: s.subjectKind,
  subject: s.subject,
  signal: s.signal,
  action: s.action,
  observed: s.observed,
  threshold: s.threshold,
  window_seconds: s.windowSeconds,
  message: s.message,
  since: s.since,
  lifted_at: s.liftedAt,
  lifted_by: s.liftedBy,
  lift_reason: s.liftReason,
});

/** The row carries the newest active suspension; the first one tripped stays named until it is lifted. */
async function markRow(trx: Db, s: AbuseSuspension): Promise<void> {
  const { table, key } = subjectTable(s.subjectKind);
  const active: ActiveSuspension = { id: s.id, signal: s.signal, message: s.message, since: s.since };
  await trx(table).where({ [key]: s.subject }).whereNull('abuse_suspension').update({ abuse_suspension: JSON.stringify(active) });
}

/** After a lift, the row names another active suspension of the subject, or none. */
async function refreshRow(trx: Db, kind: AbuseSuspension['subjectKind'], subject: string): Promise<void> {
  const { table, key } = subjectTable(kind);
  const next = await trx('abuse_suspensions').where({ subject_kind: kind, subject, action: 'suspend' }).whereNull('lifted_at').orderBy('since').first();
  const value = next ? JSON.stringify({ id: next.id, signal: next.signal, message: next.message, since: Number(next.since) } satisfies ActiveSuspension) : null;
  await trx(table).where({ [key]: subject }).update({ abuse_suspension: value });
}

export const MIN_LIFT_REASON = 10;

/**
 * Lifts a suspension. Only the gateway's operator may: a tenant lifting its own suspension would
 * make it worthless, so the route refuses tenant-bound principals before this runs.
 */
export async function liftSuspension(db: Db, id: string, reason: string, by: string, now = Date.now()): Promise<AbuseSuspension> {
  if (reason.trim().length < MIN_LIFT_REASON) throw new AppError('VALIDATION_FAILED', `Say why the suspension is lifted (at least ${MIN_LIFT_REASON} characters): the reason is kept on the trail`);
  return trailOf(db).record(db, async (trx) => {
    const row = await trx('abuse_suspensions').where({ id }).first();
    if (!row) throw new AppError('SUSPENSION_NOT_FOUND', `No abuse suspension ${id}`);
    if (row.lifted_at !== null) throw new AppError('SUSPENSION_ALREADY_LIFTED', `Suspension ${id} was lifted at ${iso(Number(row.lifted_at))} by ${row.lifted_by}`);
    await trx('abuse_suspensions').where({ id }).update({ lifted_at: now, lifted_by: by, lift_reason: reason });
    await refreshRow(trx, row.subject_kind, row.subject);
    const lifted = toSuspension({ ...row, lifted_at: now, lifted_by: by, lift_reason: reason });
    await raiseAlert(trx, 'abuse.lifted', lifted.tenantId, { suspension: lifted }, now);
    return { result: lifted, events: [{ type: 'abuse.lifted', at: now, tenantId: lifted.tenantId, subjectId: id, payload: { suspension: lifted } }] };
  });
}

export async function listSuspensions(db: Db, filter: { tenantId?: string | null; active?: boolean }): Promise<AbuseSuspension[]> {
  const query = db('abuse_suspensions').orderBy('since', 'desc').limit(1000);
  if (filter.tenantId) query.where({ tenant_id: filter.tenantId });
  if (filter.active === true) query.whereNull('lifted_at');
  if (filter.active === false) query.whereNotNull('lifted_at');
  return (await query).map(toSuspension);
}

export async function getSuspension(db: Db, id: string): Promise<AbuseSuspension> {
  const row = await db('abuse_suspensions').where({ id }).first();
  if (!row) throw new AppError('SUSPENSION_NOT_FOUND', `No abuse suspension ${id}`);
  return toSuspension(row);
}
