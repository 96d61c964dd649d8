import type { Db } from '../storage/db';
import { canonicalJson } from './canonical';
import { mergeByKey, OrderMismatch } from './reconcile-merge';
import { parsePayload, SubjectEvent } from './reconcile-events';
import { BINDINGS, type Binding, type Expected } from './table-bindings';

export { SubjectEvent };

const PAGE = 1000;
/** Findings listed in a report; beyond these only their number. */
const LISTED = 100;

/** One table row that differs from what the trail recorded of it. */
export interface TableFinding {
  table: string;
  rowId: string;
  problem: 'row missing' | 'row differs' | 'row without trail event' | 'event subject differs';
  /** The fields the engine reads whose stored value is not the one on the trail. */
  differs?: { field: string; table: unknown; trail: unknown }[];
  /** The trail event the row is held to (its latest one). */
  event?: { chain: string; seq: number };
}

export interface TablesReport {
  ok: boolean;
  /** Rows compared with their trail event, per table. */
  checked: Record<string, number>;
  /** Rows whose event content a retention purge removed: only their presence is known. */
  purged: number;
  findings: TableFinding[];
  /** Findings beyond those listed. */
  moreFindings: number;
}

type Row = Record<string, any>;

/** Ids of the subjects of one event type, in keyset pages in the database's own order. */
async function* subjectPages(db: Db, type: string): AsyncGenerator<string[]> {
  let after: string | null = null;
  for (;;) {
    const query = db('audit_events').where({ type }).whereNotNull('subject_id').distinct('subject_id').orderBy('subject_id').limit(PAGE);
    const ids: string[] = await (after === null ? query : query.andWhere('subject_id', '>', after)).pluck('subject_id');
    if (ids.length === 0) return;
    yield ids;
    if (ids.length < PAGE) return;
    after = ids[ids.length - 1];
  }
}

/** Primary keys of a table, in keyset pages. */
async function* rowIdPages(db: Db, binding: Binding): AsyncGenerator<string[]> {
  let after: string | null = null;
  for (;;) {
    const query = db(binding.table).select(binding.key).orderBy(binding.key).limit(PAGE);
    const rows: Row[] = await (after === null ? query : query.where(binding.key, '>', after));
    if (rows.length === 0) return;
    const ids = rows.map((r) => String(r[binding.key]));
    yield ids;
    if (ids.length < PAGE) return;
    after = ids[ids.length - 1];
  }
}

/** The events of some subjects, oldest first per subject (by instant, then by insertion). */
export async function eventsOf(trx: Db, binding: Binding, ids: string[]): Promise<Map<string, SubjectEvent[]>> {
  const rows: Row[] = await trx('audit_events')
    .whereIn('type', binding.types)
    .whereIn('subject_id', ids)
    .select('id', 'chain_id', 'seq', 'at', 'type', 'subject_id', 'payload');
  const bySubject = new Map<string, SubjectEvent[]>();
  for (const r of rows) {
    const event = new SubjectEvent(r.chain_id, Number(r.seq), Number(r.at), Number(r.id), r.type, r.subject_id, r.payload === null ? null : String(r.payload));
    const list = bySubject.get(event.subject);
    if (list) list.push(event);
    else bySubject.set(event.subject, [event]);
  }
  for (const list of bySubject.values()) list.sort((a, b) => a.at - b.at || a.id - b.id);
  return bySubject;
}

/** The engine's columns of some rows, by primary key. */
export async function rowsOf(trx: Db, binding: Binding, ids: string[]): Promise<Map<string, Row>> {
  const rows: Row[] = await trx(binding.table).whereIn(binding.key, ids).select(binding.key, ...binding.fields.map((f) => f.column), ...(binding.extraColumns ?? []));
  return new Map(rows.map((r) => [String(r[binding.key]), r]));
}

/** What differs between a row and the trail's account of it; empty when they agree. */
export function differences(binding: Binding, row: Row, expected: Expected): NonNullable<TableFinding['differs']> {
  const differs: NonNullable<TableFinding['differs']> = [];
  for (const field of binding.fields) {
    const stored = normalise(field.kind, row[field.column]);
    const trail = normalise(field.kind, expected[field.column]);
    if (canonicalJson(stored) !== canonicalJson(trail)) differs.push({ field: field.column, table: stored, trail });
  }
  return differs;
}

/** Drivers differ (MySQL: 0/1 and BIGINT strings; JSON columns are text): values are compared as the engine reads them. */
function normalise(kind: 'text' | 'int' | 'bool' | 'json', value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'int') return Number(value);
  if (kind === 'bool') return Boolean(Number(value));
  if (kind === 'json') return typeof value === 'string' ? parsePayload(value) : value;
  return String(value);
}

export type Verdict =
  | { kind: 'ok' }
  | { kind: 'purged' }
  | { kind: 'finding'; finding: TableFinding; expected: Expected | null };

/** One subject: its row (or none) against its events on the trail. */
export function judge(binding: Binding, id: string, events: SubjectEvent[], row: Row | undefined): Verdict {
  if (row && events.length === 1 && binding.agrees?.(row, events[0])) return { kind: 'ok' };
  const latest = binding.latest(events);
  const event = { chain: latest.chain, seq: latest.seq };
  // cg1 links do not cover subject_id: an event moved onto another row shows in its content.
  const named = events.find((e) => e.payload !== null && binding.idOf(e.payload) !== id);
  if (named) return { kind: 'finding', finding: { table: binding.table, rowId: id, problem: 'event subject differs', event: { chain: named.chain, seq: named.seq } }, expected: null };
  // A purged record's row may be gone by retention too; only its presence could be checked.
  if (latest.payload === null) return { kind: 'purged' };
  const expected = binding.expected(latest.payload);
  if (!row) return { kind: 'finding', finding: { table: binding.table, rowId: id, problem: 'row missing', event }, expected };
  const differs = differences(binding, row, expected);
  if (differs.length === 0) return { kind: 'ok' };
  return { kind: 'finding', finding: { table: binding.table, rowId: id, problem: 'row differs', differs, event }, expected };
}

/** Collects findings, listing the first ones. */
class Findings {
  readonly report: TablesReport = { ok: true, checked: {}, purged: 0, findings: [], moreFindings: 0 };

  add(finding: TableFinding): void {
    this.report.ok = false;
    if (this.report.findings.length < LISTED) this.report.findings.push(finding);
    else this.report.moreFindings++;
  }
}

/**
 * Each page of subjects is read in one transaction, rows and events together: a consent revoked or
 * an outcome completed between the two reads would otherwise look like a difference.
 */
async function reconcileFromTrail(db: Db, binding: Binding, out: Findings): Promise<void> {
  let checked = 0;
  for await (const ids of subjectPages(db, binding.types[0])) {
    const [events, rows] = await db.transaction(async (trx) => [await eventsOf(trx, binding, ids), await rowsOf(trx, binding, ids)] as const);
    for (const id of ids) {
      const verdict = judge(binding, id, events.get(id) ?? [], rows.get(id));
      if (verdict.kind === 'purged') out.report.purged++;
      else if (verdict.kind === 'finding') out.add(verdict.finding);
      checked++;
    }
  }
  out.report.checked[binding.table] = checked;
}

/** Rows that no trail event created: written into the table directly. */
async function rowsWithoutEvents(db: Db, binding: Binding, out: Findings): Promise<void> {
  for await (const ids of rowIdPages(db, binding)) {
    const recorded = new Set((await db('audit_events').where({ type: binding.types[0] }).whereIn('subject_id', ids).distinct('subject_id').pluck('subject_id')).map(String));
    for (const id of ids) if (!recorded.has(id)) out.add({ table: binding.table, rowId: id, problem: 'row without trail event' });
  }
}

/** Events of these types must name their row: one without a subject was cut loose from it. */
async function eventsWithoutSubject(db: Db, binding: Binding, out: Findings): Promise<void> {
  const loose: Row[] = await db('audit_events').whereIn('type', binding.types).whereNull('subject_id').select('chain_id', 'seq').limit(LISTED);
  for (const r of loose) out.add({ table: binding.table, rowId: '', problem: 'event subject differs', event: { chain: r.chain_id, seq: Number(r.seq) } });
}

/**
 * The fast way: events and rows streamed in key order and merged. Each side's pages are read apart,
 * so a write landing between them could look like a mismatch: every mismatch is judged again from
 * one transaction's reads before it is reported.
 */
async function reconcileByMerge(db: Db, binding: Binding, out: Findings): Promise<void> {
  let checked = 0;
  await mergeByKey(db, binding, ({ key, events, row }) => {
    if (events.length === 0) return rowAlone(db, binding, key, out);
    checked++;
    const verdict = judge(binding, key, events, row);
    if (verdict.kind !== 'finding') return tally(out, verdict);
    return judgedAgain(db, binding, key).then((again) => tally(out, judge(binding, key, again.events, again.row)));
  });
  out.report.checked[binding.table] = checked;
}

async function rowAlone(db: Db, binding: Binding, key: string, out: Findings): Promise<void> {
  const again = await judgedAgain(db, binding, key);
  if (again.events.length > 0) return tally(out, judge(binding, key, again.events, again.row));
  if (again.row) out.add({ table: binding.table, rowId: key, problem: 'row without trail event' });
}

function tally(out: Findings, verdict: Verdict): void {
  if (verdict.kind === 'purged') out.report.purged++;
  else if (verdict.kind === 'finding') out.add(verdict.finding);
}

async function judgedAgain(db: Db, binding: Binding, id: string): Promise<{ events: SubjectEvent[]; row: Row | undefined }> {
  return db.transaction(async (trx) => ({ events: (await eventsOf(trx, binding, [id])).get(id) ?? [], row: (await rowsOf(trx, binding, [id])).get(id) }));
}

/**
 * Reconciles the tables the engine decides from (consents, opt-outs, decisions, outcomes) with the
 * trail, which is their source of truth: every row against its latest event, field by field as
 * the engine reads it; every event's row present; every row created by an event. Keyset pages on
 * both sides: memory stays flat however large the tables. Where the database orders keys other
 * than JavaScript does, the slower way looks each page of subjects up instead.
 */
export async function reconcileTables(db: Db, bindings: Binding[] = BINDINGS, options: { merge?: boolean } = {}): Promise<TablesReport> {
  const out = new Findings();
  for (const binding of bindings) {
    await eventsWithoutSubject(db, binding, out);
    const before = { findings: out.report.findings.length, more: out.report.moreFindings, purged: out.report.purged };
    try {
      if (options.merge === false) throw new OrderMismatch('lookups asked for');
      await reconcileByMerge(db, binding, out);
    } catch (error) {
      if (!(error instanceof OrderMismatch)) throw error;
      out.report.findings.length = before.findings;
      out.report.moreFindings = before.more;
      out.report.purged = before.purged;
      out.report.ok = out.report.findings.length === 0 && out.report.moreFindings === 0;
      await reconcileFromTrail(db, binding, out);
      await rowsWithoutEvents(db, binding, out);
    }
  }
  return out.report;
}
