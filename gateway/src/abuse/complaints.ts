import type { TrailEvent } from '../audit/events';
import { trailOf } from '../audit/trail';
import { AppError } from '../errors';
import { numberInfo } from '../numbers/phone';
import type { Db } from '../storage/db';
import { newId } from '../storage/ids';
import { insertOptOut, optOutEvent, type OptOutReceipt } from '../storage/opt-outs';
import { applyComplaintThresholds, type AbuseSuspension } from './suspensions';
import type { AbuseThresholds } from './thresholds';

export const COMPLAINT_SOURCES = ['callee', 'agent', '12321', 'ftc', 'fcc', 'tps', 'carrier', 'regulator', 'other'] as const;
export type ComplaintSource = (typeof COMPLAINT_SOURCES)[number];

/** One complaint as it arrives: E.164 numbers, an instant, where it came from. */
export interface ComplaintInput {
  /** Who complained; null when the feed does not say (FTC data names only the area code). */
  callee: string | null;
  /** The number the call showed; null when the complainant did not see one. */
  displayNumber: string | null;
  at: number;
  source: ComplaintSource;
  reference: string | null;
  note: string | null;
}

export interface StoredComplaint extends ComplaintInput {
  id: string;
  tenantId: string;
  optOutId: string | null;
  receivedAt: number;
  recordedBy: string;
}

export interface ComplaintIntake {
  received: number;
  duplicates: number;
  complaints: StoredComplaint[];
  optOuts: OptOutReceipt[];
  suspensions: AbuseSuspension[];
}

export interface RowError {
  row: number;
  message: string;
}

/** A complaint may be dated a little ahead of this clock (the feed's clock), not more. */
const CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_COMPLAINTS_PER_REQUEST = 10_000;

const importKey = (c: ComplaintInput) => (c.reference ? `${c.source}:ref:${c.reference}` : `${c.source}:${c.callee ?? '-'}|${c.displayNumber ?? '-'}|${c.at}`).slice(0, 255);

function rowProblems(c: ComplaintInput, now: number): string[] {
  const problems: string[] = [];
  if (c.callee !== null && !numberInfo(c.callee)?.valid) problems.push(`the callee ${c.callee} is not a valid number`);
  if (c.displayNumber !== null && !numberInfo(c.displayNumber)?.valid) problems.push(`the display number ${c.displayNumber} is not a valid number`);
  if (!(COMPLAINT_SOURCES as readonly string[]).includes(c.source)) problems.push(`the source "${c.source}" is not one of ${COMPLAINT_SOURCES.join(', ')}`);
  if (c.callee === null && c.displayNumber === null) problems.push('a complaint names the callee, the display number, or both');
  if (!Number.isFinite(c.at)) problems.push('the instant is not a date and time');
  else if (c.at > now + CLOCK_SKEW_MS) problems.push('the complaint is dated in the future');
  return problems;
}

/**
 * Which tenant a complaint counts against. A tenant's own officer reports complaints about its own
 * calls only: a display number registered to another tenant is refused, or one tenant could suspend
 * a competitor's numbers. The operator may import a whole feed and let each number name its tenant.
 */
async function tenantsOf(db: Db, rows: ComplaintInput[], bound: string | null): Promise<{ tenants: (string | null)[]; owner: Map<string, string> }> {
  const numbers = [...new Set(rows.map((r) => r.displayNumber).filter((n): n is string => n !== null))];
  const owner = new Map<string, string>();
  for (let i = 0; i < numbers.length; i += 500) {
    for (const r of await db('caller_numbers').whereIn('e164', numbers.slice(i, i + 500)).select('e164', 'tenant_id')) owner.set(r.e164, r.tenant_id);
  }
  const tenants = rows.map((r) => {
    const held = r.displayNumber ? owner.get(r.displayNumber) ?? null : null;
    if (bound) return held === null || held === bound ? bound : null;
    return held;
  });
  return { tenants, owner };
}

function unresolved(row: ComplaintInput, bound: string | null): string {
  if (bound) return `the display number ${row.displayNumber} is registered to another tenant`;
  return row.displayNumber ? `the display number ${row.displayNumber} is not registered to any tenant: name the tenant` : 'without a display number, name the tenant the complaint is about';
}

/**
 * Stores complaints all at once or not at all. Each new one puts an opt-out for its callee at the
 * tenant's scope (the complaint is a refusal), goes on the trail, and counts against its number
 * and tenant; a threshold crossed suspends them in the same transaction. A re-imported complaint
 * (same source reference, or same callee, number and instant) is counted as a duplicate and adds nothing.
 */
export async function intakeComplaints(
  db: Db,
  policy: AbuseThresholds,
  rows: ComplaintInput[],
  by: { tenantId: string | null; recordedBy: string },
  now = Date.now(),
  maxRows = MAX_COMPLAINTS_PER_REQUEST,
): Promise<ComplaintIntake> {
  if (rows.length === 0) throw new AppError('VALIDATION_FAILED', 'No complaints to record');
  if (rows.length > maxRows) throw new AppError('VALIDATION_FAILED', `At most ${maxRows} complaints at once; send the rest in another`);
  if (by.tenantId && !(await db('tenants').where({ id: by.tenantId }).first())) throw new AppError('TENANT_NOT_FOUND', `No tenant ${by.tenantId}`);
  const errors: RowError[] = rows.flatMap((row, i) => rowProblems(row, now).map((message) => ({ row: i + 1, message })));
  const { tenants } = await tenantsOf(db, rows, by.tenantId);
  tenants.forEach((t, i) => {
    if (t === null && !errors.some((e) => e.row === i + 1)) errors.push({ row: i + 1, message: unresolved(rows[i], by.tenantId) });
  });
  if (errors.length > 0) throw new AppError('COMPLAINT_ROWS_INVALID', `${errors.length} row(s) refused; nothing was recorded`, { rows: errors.sort((a, b) => a.row - b.row).slice(0, 100) });
  return trailOf(db).record(db, (trx) => store(trx, policy, rows, tenants as string[], by.recordedBy, now));
}

async function store(trx: Db, policy: AbuseThresholds, rows: ComplaintInput[], tenants: string[], recordedBy: string, now: number) {
  const result: ComplaintIntake = { received: 0, duplicates: 0, complaints: [], optOuts: [], suspensions: [] };
  const events: TrailEvent[] = [];
  const seen = new Set<string>();
  const touched = { numbers: new Map<string, string>(), tenants: new Set<string>() };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const tenantId = tenants[i];
    const key = importKey(row);
    if (seen.has(`${tenantId} ${key}`) || (await trx('complaints').where({ tenant_id: tenantId, import_key: key }).first())) {
      result.duplicates++;
      continue;
    }
    seen.add(`${tenantId} ${key}`);
    const complaint: StoredComplaint = { ...row, id: newId('cpl'), tenantId, optOutId: null, receivedAt: now, recordedBy };
    if (row.callee) {
      const note = `complaint ${complaint.id} (${row.source}${row.reference ? ` ${row.reference}` : ''})`;
      const receipt = await insertOptOut(trx, { callee: row.callee, scope: 'tenant', tenantId, brandId: null, campaignId: null, source: 'complaint', note }, recordedBy, now);
      complaint.optOutId = receipt.id;
      result.optOuts.push(receipt);
      events.push(optOutEvent(receipt));
    }
    await trx('complaints').insert({
      id: complaint.id,
      tenant_id: tenantId,
      callee: row.callee,
      display_number: row.displayNumber,
      complained_at: row.at,
      source: row.source,
      reference: row.reference,
      note: row.note,
      opt_out_id: complaint.optOutId,
      import_key: key,
      received_at: now,
      recorded_by: recordedBy,
    });
    events.push({ type: 'complaint.received', at: now, tenantId, callee: row.callee ?? undefined, subjectId: complaint.id, payload: { complaint } });
    result.received++;
    result.complaints.push(complaint);
    if (row.displayNumber) touched.numbers.set(row.displayNumber, tenantId);
    touched.tenants.add(tenantId);
  }
  for (const [number, tenantId] of touched.numbers) collect(await applyComplaintThresholds(trx, policy, 'caller_number', number, tenantId, now));
  for (const tenantId of touched.tenants) collect(await applyComplaintThresholds(trx, policy, 'tenant', tenantId, tenantId, now));
  return { result, events };

  function collect(tripped: { suspensions: AbuseSuspension[]; events: TrailEvent[] }) {
    result.suspensions.push(...tripped.suspensions);
    events.push(...tripped.events);
  }
}
