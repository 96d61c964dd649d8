import type { Db } from '../storage/db';
import { GENESIS } from './canonical';
import { ChainChecker, chainPages, type BadRecord } from './chain-scan';
import { purgeCutoff } from './purge';
import { reconcileTables, type TablesReport } from './reconcile';
import { listSeals, publicKeys, sealSignatureValid, type Seal } from './seals';

export interface ChainReport {
  chain: string;
  records: number;
  lastSeq: number;
  headHash: string;
  sealedSeq: number | null;
  ok: boolean;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  chains: ChainReport[];
  firstBad?: BadRecord;
  /** The engine's tables reconciled with the trail (absent when not asked for). */
  tables?: TablesReport;
}

/**
 * Verifies every chain in the database from its first record: links, payloads, consecutive
 * sequence numbers, the head row, and every seal (signature, and the sealed record still there
 * with the sealed hash — so deleting the newest records and rewinding the head is caught); then
 * the tables the engine decides from, row by row against their events (see reconcile.ts).
 */
export async function verifyDatabase(db: Db, options: { tables?: boolean } = {}): Promise<VerifyReport> {
  const heads = new Map((await db('audit_chains').select('chain_id', 'seq', 'head_hash')).map((r) => [r.chain_id as string, { seq: Number(r.seq), hash: r.head_hash as string }]));
  const stored: string[] = await db('audit_events').distinct('chain_id').pluck('chain_id');
  const seals = await listSeals(db);
  const keys = await publicKeys(db);
  const purgedBefore = await purgeCutoff(db);
  const chainIds = [...new Set([...heads.keys(), ...stored, ...seals.map((s) => s.chain)])].sort();
  const report: VerifyReport = { ok: true, records: 0, chains: [] };
  for (const chain of chainIds) {
    const chainSeals = seals.filter((s) => s.chain === chain);
    const checker = new ChainChecker(chain, 1, GENESIS, new Set(chainSeals.map((s) => s.seq)), purgedBefore);
    for await (const page of chainPages(db, chain, 1, Number.MAX_SAFE_INTEGER)) for (const row of page) checker.check(row);
    checkHead(checker, heads.get(chain));
    checkSeals(checker, chainSeals, keys);
    const sealedSeq = chainSeals.length > 0 ? chainSeals[chainSeals.length - 1].seq : null;
    report.chains.push({ chain, records: checker.records, lastSeq: checker.lastSeq, headHash: checker.prevHash, sealedSeq, ok: checker.firstBad === null });
    report.records += checker.records;
    if (checker.firstBad && !report.firstBad) report.firstBad = checker.firstBad;
  }
  if (options.tables !== false) report.tables = await reconcileTables(db);
  report.ok = report.firstBad === undefined && (report.tables?.ok ?? true);
  return report;
}

function checkHead(checker: ChainChecker, head: { seq: number; hash: string } | undefined): void {
  if (!head) return checker.fail(1, 'the chain has records but no head');
  checker.checkHead(head);
}

function checkSeals(checker: ChainChecker, seals: Seal[], keys: Map<string, string>): void {
  for (const seal of seals) {
    if (!sealSignatureValid(seal, keys)) return checker.fail(seal.seq, `the seal of record ${seal.seq} has no valid signature`);
    if (seal.seq > checker.lastSeq) return checker.fail(checker.lastSeq + 1, `records ${checker.lastSeq + 1}..${seal.seq} were sealed and are missing`);
    const hash = checker.hashesAt.get(seal.seq);
    if (hash !== seal.hash) return checker.fail(seal.seq, `record ${seal.seq} differs from its seal`);
  }
}
