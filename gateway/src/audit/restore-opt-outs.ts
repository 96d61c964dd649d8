import type { Db } from '../storage/db';
import { eventsOf, judge, rowsOf, type TableFinding } from './reconcile';
import { OPT_OUT_COLUMNS, OPT_OUTS, type Expected } from './table-bindings';
import { JOB_STREAM, type AuditTrail } from './trail';

const PAGE = 1000;

export interface OptOutRestore {
  /** Rows written back from their trail event. */
  restored: TableFinding[];
  /** Mismatches the trail cannot settle (an event moved onto another row): verification names them. */
  unrestorable: TableFinding[];
}

/**
 * The trail is the source of truth for refusals: an opt_outs row deleted or altered behind the
 * gateway's back is written back from its opt_out.received event, with an admin.action event saying
 * so. Restoring rather than failing closed keeps every other callee's calls going while the one
 * refusal keeps blocking; a row whose event content was purged cannot be restored and is left to
 * verification. Rows without an event only ever block more calls, so they are left as they are.
 */
export async function restoreOptOuts(db: Db, trail: AuditTrail): Promise<OptOutRestore> {
  const result: OptOutRestore = { restored: [], unrestorable: [] };
  let after: string | null = null;
  for (;;) {
    const query = db('audit_events').where({ type: 'opt_out.received' }).whereNotNull('subject_id').distinct('subject_id').orderBy('subject_id').limit(PAGE);
    const ids: string[] = await (after === null ? query : query.andWhere('subject_id', '>', after)).pluck('subject_id');
    if (ids.length === 0) break;
    const suspects = await mismatched(db, ids);
    for (const id of suspects) await restoreOne(db, trail, id, result);
    if (ids.length < PAGE) break;
    after = ids[ids.length - 1];
  }
  return result;
}

async function mismatched(db: Db, ids: string[]): Promise<string[]> {
  const [events, rows] = await db.transaction(async (trx) => [await eventsOf(trx, OPT_OUTS, ids), await rowsOf(trx, OPT_OUTS, ids)] as const);
  return ids.filter((id) => judge(OPT_OUTS, id, events.get(id) ?? [], rows.get(id)).kind === 'finding');
}

/** Judged again inside the writing transaction, so that only a mismatch that still holds is written back. */
async function restoreOne(db: Db, trail: AuditTrail, id: string, result: OptOutRestore): Promise<void> {
  await trail.record(
    db,
    async (trx) => {
      const events = (await eventsOf(trx, OPT_OUTS, [id])).get(id) ?? [];
      const row = (await rowsOf(trx, OPT_OUTS, [id])).get(id);
      const verdict = judge(OPT_OUTS, id, events, row);
      if (verdict.kind !== 'finding') return { result: undefined, events: [] };
      if (!verdict.expected) {
        result.unrestorable.push(verdict.finding);
        return { result: undefined, events: [] };
      }
      const values = columnsOf(verdict.expected);
      if (row) await trx('opt_outs').where({ id }).update(values);
      else await trx('opt_outs').insert({ id, ...values });
      result.restored.push(verdict.finding);
      const details = { problem: verdict.finding.problem, differs: verdict.finding.differs ?? null, event: verdict.finding.event };
      const payload = { actor: 'callgate', role: 'system', tenantId: values.tenant_id ?? null, action: 'opt_out.restored', target: id, details };
      return { result: undefined, events: [{ type: 'admin.action', tenantId: (values.tenant_id as string | null) ?? null, callee: values.callee as string, subjectId: id, payload }] };
    },
    JOB_STREAM,
  );
}

function columnsOf(expected: Expected): Record<string, unknown> {
  return Object.fromEntries(OPT_OUT_COLUMNS.map((c) => [c, expected[c] ?? null]));
}
