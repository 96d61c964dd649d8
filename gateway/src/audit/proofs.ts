import { isMysql, type Db } from '../storage/db';
import { consistencyProof, inclusionProof, recordLeaf, subtreeRoot } from './merkle';

const PAGE = 20_000;

export class ProofError extends Error {}

export interface SequencedRecord {
  leafIndex: number;
  chain: string;
  seq: number;
  hash: string;
}

/**
 * Every sequenced record below a tree size, in leaf order, in keyset pages: what proofs and
 * verification recompute the tree from. Yields rows as stored, gaps and all; callers check them.
 */
export async function* leafPages(db: Db, size: number): AsyncGenerator<SequencedRecord[]> {
  let next = 0;
  while (next < size) {
    // A leaf whose record was deleted drops out of the join: callers see the gap.
    const result = await db.raw(
      'SELECT l.leaf_index, e.chain_id, e.seq, e.hash FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id WHERE l.leaf_index >= ? AND l.leaf_index < ? ORDER BY l.leaf_index LIMIT ?',
      [next, size, PAGE],
    );
    const rows: Record<string, unknown>[] = isMysql(db) ? result[0] : result;
    if (rows.length === 0) return;
    yield rows.map((r) => ({ leafIndex: Number(r.leaf_index), chain: r.chain_id as string, seq: Number(r.seq), hash: r.hash as string }));
    if (rows.length < PAGE) return;
    next = Number(rows[rows.length - 1].leaf_index) + 1;
  }
}

/** The leaf hashes of the first `size` leaves; a missing leaf is an error (the tree cannot be proven). */
async function leaves(db: Db, size: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const page of leafPages(db, size)) {
    for (const r of page) {
      if (r.leafIndex !== out.length) throw new ProofError(`leaf ${out.length} is missing from the database`);
      out.push(recordLeaf(r.hash));
    }
  }
  if (out.length !== size) throw new ProofError(`leaf ${out.length} is missing from the database`);
  return out;
}

const b64 = (hashes: Buffer[]): string[] => hashes.map((h) => h.toString('base64'));

export async function proveConsistency(db: Db, from: number, to: number): Promise<{ from: number; to: number; proof: string[] }> {
  if (from > to) throw new ProofError('"from" is larger than "to"');
  const all = await leaves(db, to);
  return { from, to, proof: b64(consistencyProof(all, from, to)) };
}

export interface InclusionAnswer {
  leafIndex: number;
  size: number;
  record: { id: number; chain: string; seq: number; hash: string; tenantId: string | null; type: string; subjectId: string | null };
  leafHash: string;
  root: string;
  proof: string[];
}

/** A record by its leaf index, its row id, or (for a decision) the decision's id. */
export async function findRecord(db: Db, by: { leaf?: number; record?: number; decision?: string }): Promise<Record<string, any> | undefined> {
  const query = db('audit_events as e').leftJoin('audit_leaves as l', 'l.event_id', 'e.id').select('e.id', 'e.chain_id', 'e.seq', 'e.hash', 'e.tenant_id', 'e.type', 'e.subject_id', 'l.leaf_index');
  if (by.leaf !== undefined) return query.where('l.leaf_index', by.leaf).first();
  if (by.record !== undefined) return query.where('e.id', by.record).first();
  return query.where({ 'e.type': 'decision', 'e.subject_id': by.decision }).orderBy('e.id').first();
}

export async function proveInclusion(db: Db, row: Record<string, any>, size: number): Promise<InclusionAnswer> {
  if (row.leaf_index === null || row.leaf_index === undefined) throw new ProofError('the record is not in a checkpoint yet: ask again after the next one');
  const leafIndex = Number(row.leaf_index);
  if (leafIndex >= size) throw new ProofError(`the record is leaf ${leafIndex}, not in a tree of ${size}`);
  const all = await leaves(db, size);
  return {
    leafIndex,
    size,
    record: { id: Number(row.id), chain: row.chain_id, seq: Number(row.seq), hash: row.hash, tenantId: row.tenant_id, type: row.type, subjectId: row.subject_id },
    leafHash: all[leafIndex].toString('hex'),
    root: subtreeRoot(all, 0, size).toString('hex'),
    proof: b64(inclusionProof(all, leafIndex, size)),
  };
}
