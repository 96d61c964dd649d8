import { iso } from '../iso';
import type { Db } from '../storage/db';
import { parseJson } from '../storage/json';
import type { Pseudonymiser } from './keys';

export interface PersonEvent {
  at: string;
  type: string;
  chain: string;
  seq: number;
  hash: string;
  tenantId: string | null;
  campaignId: string | null;
  subjectId: string | null;
  /** True when the retention purge removed the record's content; its hash stays in the chain. */
  purged: boolean;
  record: unknown;
}

/**
 * Everything the trail knows about one number, in order: consents with their evidence, opt-outs
 * with receipts, decisions with reasons, call outcomes, and who read or exported it. Found by the
 * number's tag, so records whose content was purged still show that something happened, and when.
 * Ordered by instant, then by insertion: of two events in the same millisecond the earlier written
 * comes first. A tenant sees its own records and refusals addressed to every tenant.
 */
export async function personTrail(db: Db, pseudonyms: Pseudonymiser, callee: string, tenantId: string | null, limit: number): Promise<{ events: PersonEvent[]; truncated: boolean }> {
  const query = db('audit_events').where({ callee_tag: pseudonyms.tag(callee) });
  if (tenantId) query.andWhere((q) => q.where({ tenant_id: tenantId }).orWhere((all) => all.whereNull('tenant_id').andWhere({ type: 'opt_out.received' })));
  const rows = await query.orderBy([{ column: 'at' }, { column: 'id' }]).limit(limit + 1);
  const events = rows.slice(0, limit).map(
    (r): PersonEvent => ({
      at: iso(Number(r.at)),
      type: r.type,
      chain: r.chain_id,
      seq: Number(r.seq),
      hash: r.hash,
      tenantId: r.tenant_id,
      campaignId: r.campaign_id,
      subjectId: r.subject_id,
      purged: r.payload === null,
      record: r.payload === null ? null : parseJson(r.payload, null),
    }),
  );
  return { events, truncated: rows.length > limit };
}
