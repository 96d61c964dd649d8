import { isMysql, type Db } from '../storage/db';
import { escapeField, GENESIS, LEGACY_LINK_VERSION, LINK_VERSION, sha256 } from './canonical';
import type { TrailEvent } from './events';
import type { Pseudonymiser } from './keys';

/** Streams every process writes to: one per concurrent decision batch, a few for the API, one for jobs. */
export const DECISION_STREAMS = ['d0', 'd1', 'd2', 'd3'] as const;
export const API_STREAMS = ['a0', 'a1', 'a2', 'a3'] as const;
export const JOB_STREAM = 'jobs';
const STREAMS = [...DECISION_STREAMS, ...API_STREAMS, JOB_STREAM];

const INSERT_CHUNK = 400;

export interface EventRow {
  chain_id: string;
  seq: number;
  at: number;
  type: string;
  tenant_id: string | null;
  campaign_id: string | null;
  callee_tag: string | null;
  subject_id: string | null;
  payload: string | null;
  payload_hash: string;
  hash: string;
  purged_at: number | null;
}

type LinkRow = Pick<EventRow, 'chain_id' | 'seq' | 'at' | 'type' | 'tenant_id' | 'campaign_id' | 'callee_tag' | 'payload_hash'> & { subject_id?: string | null };

/** The link of a stored row, given the hash of the record before it: buildLink's bytes, without its object. */
export function linkOfRow(row: LinkRow, prevHash: string): string {
  return (
    `${LINK_VERSION}|${escapeField(row.chain_id)}|${Number(row.seq)}|${Number(row.at)}|${escapeField(row.type)}|` +
    `${escapeField(row.tenant_id)}|${escapeField(row.campaign_id)}|${escapeField(row.callee_tag)}|${escapeField(row.subject_id ?? null)}|${row.payload_hash}|${prevHash}`
  );
}

/** The cg1 link of a row written before subject ids were hashed: the same fields without subject. */
export function legacyLinkOfRow(row: LinkRow, prevHash: string): string {
  return (
    `${LEGACY_LINK_VERSION}|${escapeField(row.chain_id)}|${Number(row.seq)}|${Number(row.at)}|${escapeField(row.type)}|` +
    `${escapeField(row.tenant_id)}|${escapeField(row.campaign_id)}|${escapeField(row.callee_tag)}|${row.payload_hash}|${prevHash}`
  );
}

const EVENT_COLUMNS = ['chain_id', 'seq', 'at', 'type', 'tenant_id', 'campaign_id', 'callee_tag', 'subject_id', 'payload', 'payload_hash', 'hash', 'purged_at'] as const;
const SQLITE_INSERT = `INSERT INTO audit_events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`;
const sqliteInserts = new WeakMap<object, { run(...values: unknown[]): unknown }>();

/**
 * Inserts a batch of events in the caller's transaction. On SQLite one cached prepared statement
 * runs per row: preparing a fresh multi-row INSERT of a few thousand placeholders for every batch
 * cost more than the rows. MySQL takes multi-row INSERTs, one round trip per chunk.
 */
async function insertEvents(trx: Db, rows: EventRow[]): Promise<void> {
  if (isMysql(trx)) {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx('audit_events').insert(rows.slice(i, i + INSERT_CHUNK));
    return;
  }
  const conn = await trx.client.acquireConnection();
  try {
    let insert = sqliteInserts.get(conn);
    if (!insert) {
      insert = conn.prepare(SQLITE_INSERT) as { run(...values: unknown[]): unknown };
      sqliteInserts.set(conn, insert);
    }
    for (const row of rows) insert.run(row.chain_id, row.seq, row.at, row.type, row.tenant_id, row.campaign_id, row.callee_tag, row.subject_id, row.payload, row.payload_hash, row.hash, row.purged_at);
  } finally {
    await trx.client.releaseConnection(conn);
  }
}

/** Instance ids become part of chain ids and links: keep them to a safe alphabet. */
function chainPrefix(instanceId: string): string {
  return instanceId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
}

/**
 * Appends events to hash chains, inside the caller's transaction: the event is durable exactly
 * when the thing it records is. Each append locks its chain's head row (SELECT … FOR UPDATE on
 * MySQL; SQLite has one writer), inserts the batch with consecutive sequence numbers and advances
 * the head once. Chains are per process and stream, so concurrent batches of one process and
 * instances sharing a database each extend their own chain; the head lock makes even two
 * processes started with the same INSTANCE_ID take turns instead of forking a chain.
 */
export class AuditTrail {
  private nextApiStream = 0;

  constructor(
    readonly instanceId: string,
    readonly pseudonyms: Pseudonymiser,
  ) {}

  chainId(stream: string): string {
    return `${chainPrefix(this.instanceId)}/${stream}`;
  }

  /** Head rows are created before any transaction needs them: inserting inside one takes gap locks. */
  async ensureChains(db: Db): Promise<void> {
    const now = Date.now();
    const rows = STREAMS.map((s) => ({ chain_id: this.chainId(s), seq: 0, head_hash: GENESIS, created_at: now, updated_at: now }));
    await db('audit_chains').insert(rows).onConflict('chain_id').ignore();
  }

  /** API writes spread over a few chains, so that concurrent requests rarely wait for one head lock. */
  apiStream(): string {
    this.nextApiStream = (this.nextApiStream + 1) % API_STREAMS.length;
    return API_STREAMS[this.nextApiStream];
  }

  async append(trx: Db, stream: string, events: TrailEvent[]): Promise<void> {
    if (events.length === 0) return;
    const chainId = this.chainId(stream);
    const query = trx('audit_chains').where({ chain_id: chainId }).select('seq', 'head_hash');
    const head = await (isMysql(trx) ? query.forUpdate() : query).first();
    if (!head) throw new Error(`audit chain ${chainId} has no head row`);
    let seq = Number(head.seq);
    let prev: string = head.head_hash;
    const now = Date.now();
    const rows: EventRow[] = events.map((e) => {
      const payload = e.payloadJson ?? JSON.stringify(e.payload ?? null);
      const row: EventRow = {
        chain_id: chainId,
        seq: ++seq,
        at: e.at ?? now,
        type: e.type,
        tenant_id: e.tenantId ?? null,
        campaign_id: e.campaignId ?? null,
        callee_tag: e.callee ? this.pseudonyms.tag(e.callee) : null,
        subject_id: e.subjectId ?? null,
        payload,
        payload_hash: sha256(payload),
        hash: '',
        purged_at: null,
      };
      row.hash = sha256(linkOfRow(row, prev));
      prev = row.hash;
      return row;
    });
    await insertEvents(trx, rows);
    await trx('audit_chains').where({ chain_id: chainId }).update({ seq, head_hash: prev, updated_at: now });
  }

  /** Runs work in its own transaction and appends the events it returns, in that transaction. */
  async record<T>(db: Db, work: (trx: Db) => Promise<{ result: T; events: TrailEvent[] }>, stream = this.apiStream()): Promise<T> {
    return db.transaction(async (trx) => {
      const { result, events } = await work(trx);
      await this.append(trx, stream, events);
      return result;
    });
  }
}

/**
 * The trail that records into a database. Storage functions keep taking only the database
 * handle; the trail travels with it (transactions of that database find it too).
 */
const trails = new WeakMap<object, AuditTrail>();

export function attachTrail(db: Db, trail: AuditTrail): void {
  trails.set(db.client.config, trail);
}

export function trailOf(db: Db): AuditTrail {
  const trail = trails.get(db.client.config);
  if (!trail) throw new Error('no audit trail is attached to this database handle');
  return trail;
}
