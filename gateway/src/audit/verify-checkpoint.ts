import type { Db } from '../storage/db';
import { checkCheckpoint, witnessedText, type ChainHead, type Checkpoint, type CheckpointCheck } from './checkpoint-format';
import { CompactRange, recordLeaf } from './merkle';
import { leafPages, type SequencedRecord } from './proofs';
import type { TrustedKeys } from './trust';

export interface CheckpointProblem {
  /** The checkpoint (tree size) the problem is found against. */
  size: number;
  chain?: string;
  seq?: number;
  /** A range of records of one chain: missing, or holding the first altered record. */
  fromSeq?: number;
  toSeq?: number;
  leaf?: number;
  problem: string;
}

export interface CheckpointsReport {
  ok: boolean;
  checkpoints: { size: number; root: string; signedByGateway: boolean; witnessedBy: CheckpointCheck['witnessedBy']; ok: boolean }[];
  /** How far the log is proven: "records 1–N witnessed by K at T". */
  witnessed: string | null;
  firstBad?: CheckpointProblem;
  problems: CheckpointProblem[];
}

/** What the records hold now, by chain: the hash at a sequence number, and the last sequence number. */
export interface RecordSource {
  hashAt(chain: string, seq: number): Promise<string | null>;
  lastSeq(chain: string): Promise<number>;
  /** Leaves in index order below a size, or null when the source has no leaf order (a filtered export). */
  leaves(size: number): AsyncIterable<SequencedRecord[]> | null;
}

export function dbRecords(db: Db): RecordSource {
  return {
    async hashAt(chain, seq) {
      const row = await db('audit_events').where({ chain_id: chain, seq }).first('hash');
      return row ? row.hash : null;
    },
    async lastSeq(chain) {
      const [row] = await db('audit_events').where({ chain_id: chain }).max({ seq: 'seq' });
      return Number(row?.seq ?? 0);
    },
    leaves: (size) => leafPages(db, size),
  };
}

/**
 * Checks that the records still hold what checkpoints an auditor kept say, and names where not:
 * each checkpoint's signatures (pinned keys only); for every chain in its inventory, the record at
 * the head's sequence number still there with the head's hash — the chain's links then pin every
 * record before it, so a rehashed edit is caught as well as a deletion — and, across several
 * checkpoints, the narrowest range holding the first altered record; then the Merkle root of the
 * first N leaves recomputed and compared, with every leaf below N inside its checkpoint's
 * inventory (an inserted record is named by its leaf).
 */
export async function verifyAgainstCheckpoints(source: RecordSource, given: Checkpoint[], gateway: TrustedKeys, witnesses: TrustedKeys): Promise<CheckpointsReport> {
  const report: CheckpointsReport = { ok: false, checkpoints: [], witnessed: null, problems: [] };
  const checkpoints = [...given].sort((a, b) => a.size - b.size);
  const checks = new Map<Checkpoint, CheckpointCheck>();
  for (const cp of checkpoints) {
    const check = checkCheckpoint(cp, gateway, witnesses);
    checks.set(cp, check);
    if (!check.ok) report.problems.push({ size: cp.size, problem: check.problem! });
  }
  const valid = checkpoints.filter((cp) => checks.get(cp)!.ok);
  await checkChains(source, valid, report.problems);
  const rootsOk = await checkRoots(source, valid, report.problems);
  for (const cp of valid) {
    const ok = rootsOk.get(cp.size) === true && !report.problems.some((p) => p.size === cp.size);
    const check = checks.get(cp)!;
    report.checkpoints.push({ size: cp.size, root: cp.root, signedByGateway: check.signedByGateway, witnessedBy: check.witnessedBy, ok });
  }
  const proven = [...report.checkpoints].reverse().find((c) => c.ok);
  if (proven) report.witnessed = witnessedText(proven.size, { ok: true, witnessedBy: proven.witnessedBy, signedByGateway: proven.signedByGateway });
  report.firstBad = report.problems[0];
  report.ok = report.problems.length === 0;
  return report;
}

/** Per chain, the inventories' heads from the oldest checkpoint on: the first that no longer holds, and the last that does before it. */
async function checkChains(source: RecordSource, checkpoints: Checkpoint[], problems: CheckpointProblem[]): Promise<void> {
  const heads = new Map<string, { size: number; head: ChainHead }[]>();
  for (const cp of checkpoints) for (const head of cp.inventory) heads.set(head.chain, [...(heads.get(head.chain) ?? []), { size: cp.size, head }]);
  for (const [chain, list] of [...heads].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let lastGood = 0;
    for (const { size, head } of list) {
      const hash = await source.hashAt(chain, head.seq);
      if (hash === head.head) {
        lastGood = Math.max(lastGood, head.seq);
        continue;
      }
      if (hash === null) {
        const last = await source.lastSeq(chain);
        const from = Math.max(last, lastGood) + 1;
        const what = last === 0 ? `the whole chain ${chain} (records 1..${head.seq}) is missing` : `records ${from}..${head.seq} of chain ${chain} are missing`;
        problems.push({ size, chain, seq: from, fromSeq: from, toSeq: head.seq, problem: `${what}: the checkpoint of size ${size} has them` });
      } else {
        const from = lastGood + 1;
        const where = from === head.seq ? `record ${head.seq} of chain ${chain} differs from the checkpoint of size ${size}` : `a record of chain ${chain} from ${from} to ${head.seq} was altered and the chain rehashed: record ${head.seq} differs from the checkpoint of size ${size}`;
        problems.push({ size, chain, seq: from === head.seq ? head.seq : from, fromSeq: from, toSeq: head.seq, problem: where });
      }
      break;
    }
  }
}

/** One pass over the leaves: every checkpoint's root recomputed at its size, every leaf within its checkpoint's inventory. */
async function checkRoots(source: RecordSource, checkpoints: Checkpoint[], problems: CheckpointProblem[]): Promise<Map<number, boolean>> {
  const result = new Map<number, boolean>();
  if (checkpoints.length === 0) return result;
  const max = checkpoints[checkpoints.length - 1].size;
  const pages = source.leaves(max);
  if (!pages) {
    problems.push({ size: max, problem: 'this source has no leaf order: the Merkle roots cannot be recomputed (export without a filter)' });
    return result;
  }
  const inventories = checkpoints.map((cp) => new Map(cp.inventory.map((h) => [h.chain, h.seq])));
  const range = new CompactRange();
  let target = 0;
  let gapReported = false;
  const closeUpTo = (size: number) => {
    while (target < checkpoints.length && checkpoints[target].size <= size) {
      const cp = checkpoints[target];
      const ok = range.size === cp.size && range.root().toString('hex') === cp.root;
      result.set(cp.size, ok);
      if (!ok && !problems.some((p) => p.size === cp.size)) problems.push({ size: cp.size, problem: `the first ${cp.size} records do not have the checkpoint's Merkle root: a record before it was changed, removed or inserted` });
      target++;
    }
  };
  closeUpTo(0);
  for await (const page of pages) {
    for (const leaf of page) {
      if (leaf.leafIndex !== range.size) {
        if (!gapReported) problems.push({ size: checkpoints[target]?.size ?? max, leaf: range.size, problem: `leaves ${range.size}..${leaf.leafIndex - 1} are missing: records the checkpoint counts were deleted` });
        gapReported = true;
        closeUpTo(leaf.leafIndex);
        while (range.size < leaf.leafIndex) range.append(Buffer.alloc(32));
      }
      const inventory = inventories[target];
      const allowed = inventory?.get(leaf.chain);
      if (inventory && (allowed === undefined || leaf.seq > allowed)) {
        problems.push({ size: checkpoints[target].size, leaf: leaf.leafIndex, chain: leaf.chain, seq: leaf.seq, problem: `record ${leaf.seq} of chain ${leaf.chain} (leaf ${leaf.leafIndex}) is not in the checkpoint of size ${checkpoints[target].size}: it was inserted` });
      }
      range.append(recordLeaf(leaf.hash));
      closeUpTo(range.size);
    }
  }
  if (range.size < max && !gapReported) problems.push({ size: max, leaf: range.size, problem: `leaves ${range.size}..${max - 1} are missing: records the checkpoint counts were deleted` });
  closeUpTo(Number.MAX_SAFE_INTEGER);
  return result;
}

/** The same checks against the database. */
export function verifyDbAgainstCheckpoints(db: Db, checkpoints: Checkpoint[], gateway: TrustedKeys, witnesses: TrustedKeys): Promise<CheckpointsReport> {
  return verifyAgainstCheckpoints(dbRecords(db), checkpoints, gateway, witnesses);
}
