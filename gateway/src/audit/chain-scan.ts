import type { Db } from '../storage/db';
import { GENESIS, sha256 } from './canonical';
import { linkOfRow, type EventRow } from './trail';

const PAGE = 5000;

/** What hashing, exporting and verifying read of a record: the link's fields, payload and hashes. */
const CHAINED_COLUMNS = ['chain_id', 'seq', 'at', 'type', 'tenant_id', 'campaign_id', 'callee_tag', 'payload', 'payload_hash', 'hash'] as const;

export type StoredRow = Pick<EventRow, (typeof CHAINED_COLUMNS)[number]>;

/** A chain's records from one sequence number to another, page by page, in order: flat memory. */
export async function* chainPages(db: Db, chainId: string, fromSeq: number, toSeq: number): AsyncGenerator<StoredRow[]> {
  let next = fromSeq;
  while (next <= toSeq) {
    const rows: StoredRow[] = await db('audit_events')
      .select(CHAINED_COLUMNS)
      .where({ chain_id: chainId })
      .andWhere('seq', '>=', next)
      .andWhere('seq', '<=', toSeq)
      .orderBy('seq')
      .limit(PAGE);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < PAGE) return;
    next = Number(rows[rows.length - 1].seq) + 1;
  }
}

export interface BadRecord {
  chain: string;
  seq: number;
  problem: string;
}

/**
 * Checks records one after another as they stream by: consecutive sequence numbers, each hash
 * recomputed from its link, each present payload against its hash. Remembers the first problem only: that is the record an auditor is pointed to.
 */
export class ChainChecker {
  expectedSeq: number;
  prevHash: string;
  records = 0;
  firstBad: BadRecord | null = null;
  /** Hashes seen at the sequence numbers a seal or a manifest vouches for. */
  readonly hashesAt = new Map<number, string>();

  constructor(
    readonly chain: string,
    fromSeq: number,
    prevHash: string,
    private readonly watch: Set<number> = new Set(),
  ) {
    this.expectedSeq = fromSeq;
    this.prevHash = prevHash;
  }

  /** Checks one row; returns its link (the bytes its hash must be the SHA-256 of). */
  check(row: StoredRow): string {
    const seq = Number(row.seq);
    if (seq !== this.expectedSeq) {
      this.fail(this.expectedSeq, seq > this.expectedSeq ? `records ${this.expectedSeq}..${seq - 1} are missing` : `record ${seq} is out of order or repeated`);
    }
    const link = linkOfRow(row, this.prevHash);
    if (sha256(link) !== row.hash) this.fail(seq, 'its content or its predecessor differs from what was hashed');
    else if (row.payload !== null && sha256(row.payload) !== row.payload_hash) this.fail(seq, 'its payload differs from what was hashed');
    if (this.watch.has(seq)) this.hashesAt.set(seq, row.hash);
    this.records++;
    this.expectedSeq = seq + 1;
    // Continue from the stored hash, so one altered record is reported once, not with all after it.
    this.prevHash = row.hash;
    return link;
  }

  fail(seq: number, problem: string): void {
    if (!this.firstBad) this.firstBad = { chain: this.chain, seq, problem };
  }

  get lastSeq(): number {
    return this.expectedSeq - 1;
  }
}

/** The hash a chain's record at `seq - 1` ends with: the genesis before the first record. */
export async function hashBefore(db: Db, chainId: string, seq: number): Promise<string | null> {
  if (seq <= 1) return GENESIS;
  const row = await db('audit_events').where({ chain_id: chainId, seq: seq - 1 }).first('hash');
  return row ? row.hash : null;
}
