import { isMysql, type Db } from '../storage/db';
import { GENESIS, sha256 } from './canonical';
import { legacyLinkOfRow, linkOfRow, type EventRow } from './trail';

const PAGE = 5000;

/**
 * What hashing, exporting and verifying read of a record: the link's fields, payload and hashes.
 * The payload comes as its stored UTF-8 bytes: they are hashed and written out as they are, never
 * decoded into a string and encoded back.
 */
export type StoredRow = Pick<EventRow, 'chain_id' | 'seq' | 'at' | 'type' | 'tenant_id' | 'campaign_id' | 'callee_tag' | 'subject_id' | 'payload_hash' | 'hash'> & {
  payload: Buffer | null;
};

const pageSql = (binary: string) =>
  `SELECT chain_id, seq, at, type, tenant_id, campaign_id, callee_tag, CAST(payload AS ${binary}) AS payload, payload_hash, hash, subject_id ` +
  'FROM audit_events WHERE chain_id = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?';
const SQLITE_PAGE = pageSql('BLOB');
const MYSQL_PAGE = pageSql('BINARY');

type Row = [string, number, number, string, string | null, string | null, string | null, Buffer | null, string, string, string | null];

const toStoredRow = (r: Row): StoredRow => ({
  chain_id: r[0],
  seq: r[1],
  at: r[2],
  type: r[3],
  tenant_id: r[4],
  campaign_id: r[5],
  callee_tag: r[6],
  payload: r[7],
  payload_hash: r[8],
  hash: r[9],
  subject_id: r[10],
});

interface SqliteStatement {
  raw(on: boolean): SqliteStatement;
  all(...bindings: unknown[]): Row[];
}
const sqliteStatements = new WeakMap<object, SqliteStatement>();

/** One page on SQLite, as arrays of values (drivers build a keyed object per row far more slowly; mysql2 too). */
async function sqlitePage(db: Db, bindings: unknown[]): Promise<StoredRow[]> {
  const conn = await db.client.acquireConnection();
  try {
    let statement = sqliteStatements.get(conn);
    if (!statement) {
      statement = (conn.prepare(SQLITE_PAGE) as SqliteStatement).raw(true);
      sqliteStatements.set(conn, statement);
    }
    return statement.all(...bindings).map(toStoredRow);
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/**
 * A chain's records from one sequence number to another, in keyset pages of one plain statement
 * each (the connection is free between pages, so decisions go on during a long export): flat memory.
 */
export async function* chainPages(db: Db, chainId: string, fromSeq: number, toSeq: number): AsyncGenerator<StoredRow[]> {
  const mysql = isMysql(db);
  let next = fromSeq;
  while (next <= toSeq) {
    const bindings = [chainId, next, toSeq, PAGE];
    const rows: StoredRow[] = mysql ? (await db.raw(MYSQL_PAGE, bindings).options({ rowsAsArray: true }))[0].map(toStoredRow) : await sqlitePage(db, bindings);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < PAGE) return;
    next = Number(rows[rows.length - 1].seq) + 1;
  }
}

/** The row's link whose SHA-256 is its stored hash: cg2, or cg1 for a record written before cg2; null when neither. */
export function linkMatching(row: StoredRow, prevHash: string): string | null {
  const link = linkOfRow(row, prevHash);
  if (sha256(link) === row.hash) return link;
  const legacy = legacyLinkOfRow(row, prevHash);
  return sha256(legacy) === row.hash ? legacy : null;
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
    /** Records before this instant may have lost their content to a retention purge the trail records. */
    private readonly purgedBefore = 0,
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
    const matched = linkMatching(row, this.prevHash);
    const link = matched ?? linkOfRow(row, this.prevHash);
    if (matched === null) this.fail(seq, 'its content or its predecessor differs from what was hashed');
    else if (row.payload !== null && sha256(row.payload) !== row.payload_hash) this.fail(seq, 'its payload differs from what was hashed');
    // The link cannot tell a purge from an erasure: only a recorded purge whose cut-off is later may have emptied it.
    else if (row.payload === null && !(Number(row.at) < this.purgedBefore)) this.fail(seq, 'its content was removed, and no recorded retention purge covers it');
    if (this.watch.has(seq)) this.hashesAt.set(seq, row.hash);
    this.records++;
    this.expectedSeq = seq + 1;
    // Continue from the stored hash, so one altered record is reported once, not with all after it.
    this.prevHash = row.hash;
    return link;
  }

  /** Checks the chain's head row against the records read: its sequence number and its hash. */
  checkHead(head: { seq: number; hash: string }): void {
    if (head.seq > this.lastSeq) return this.fail(this.lastSeq + 1, `records ${this.lastSeq + 1}..${head.seq} are missing (the head says ${head.seq})`);
    if (head.seq < this.lastSeq) return this.fail(head.seq + 1, `records after ${head.seq} were added outside the trail`);
    if (head.seq > 0 && head.hash !== this.prevHash) this.fail(head.seq, 'the head hash differs from the last record');
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
