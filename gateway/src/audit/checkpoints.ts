import { iso } from '../iso';
import { isMysql, type Db } from '../storage/db';
import { GENESIS } from './canonical';
import { checkpointBody, cosignedBytes, type ChainHead, type Checkpoint, type Cosignature } from './checkpoint-format';
import { linkMatching, type BadRecord } from './chain-scan';
import { verifySignature, type AuditSigner } from './keys';
import { CompactRange, recordLeaf } from './merkle';
import type { TrustedKeys } from './trust';

/** How many new records one run of the sequencer takes; the next run takes the rest. */
const BATCH = 20_000;
const INSERT_CHUNK = 500;
/** Checkpoints are signed every few seconds; one an hour, the newest hour's and the witnessed ones are kept. */
const RETAIN_EVERY_MS = 3_600_000;

interface TreeState {
  size: number;
  hashes: string[];
  inventory: Record<string, [number, string]>;
  /** The highest record id sequenced. */
  highWater: number;
  /** Ids below the high-water mark not seen yet, with when first missed: a transaction still open, or rolled back. */
  gaps: [number, number][];
}

/** A transaction open this long after its id was taken has been rolled back: its gap is forgotten. */
const GAP_TTL_MS = 10 * 60_000;

type NewRow = [number, string, number, number, string, string | null, string | null, string | null, string | null, string, string];
const COLUMNS = 'id, chain_id, seq, at, type, tenant_id, campaign_id, callee_tag, subject_id, payload_hash, hash';
const NEW_SQL = `SELECT ${COLUMNS} FROM audit_events WHERE id > ? ORDER BY id LIMIT ?`;

export interface CheckpointResult {
  checkpoint: Checkpoint | null;
  added: number;
  refused: BadRecord | null;
}

interface SqliteStatement {
  raw(on: boolean): SqliteStatement;
  all(...bindings: unknown[]): NewRow[];
  run(...bindings: unknown[]): unknown;
}
const statements = new WeakMap<object, Map<string, SqliteStatement>>();

/** Runs one cached prepared statement on the transaction's SQLite connection (rows as arrays). */
async function sqlite<T>(trx: Db, sql: string, use: (s: SqliteStatement) => T): Promise<T> {
  const conn = await trx.client.acquireConnection();
  try {
    let cache = statements.get(conn);
    if (!cache) statements.set(conn, (cache = new Map()));
    let statement = cache.get(sql);
    if (!statement) {
      statement = conn.prepare(sql) as SqliteStatement;
      if (sql.startsWith('SELECT')) statement.raw(true);
      cache.set(sql, statement);
    }
    return use(statement);
  } finally {
    await trx.client.releaseConnection(conn);
  }
}

async function selectRows(trx: Db, sql: string, bindings: number[]): Promise<NewRow[]> {
  const rows: NewRow[] = isMysql(trx) ? (await trx.raw(sql, bindings).options({ rowsAsArray: true }))[0] : await sqlite(trx, sql, (s) => s.all(...bindings));
  return rows.map((r) => [Number(r[0]), r[1], Number(r[2]), Number(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10]]);
}

/**
 * The records that became visible since the last run, in id order: those in the gaps left before
 * (a transaction that committed after a later id was sequenced) first, then those past the
 * high-water mark. On SQLite writers take turns and ids commit in order, so gaps only come from
 * rollbacks; on MySQL a batch still open leaves one for a run or two.
 */
async function newRows(trx: Db, state: TreeState): Promise<NewRow[]> {
  const late = state.gaps.length === 0 ? [] : await selectRows(trx, `SELECT ${COLUMNS} FROM audit_events WHERE id IN (${state.gaps.map(() => '?').join(',')}) ORDER BY id`, state.gaps.map((g) => g[0]));
  return [...late, ...(await selectRows(trx, NEW_SQL, [state.highWater, BATCH]))];
}

/** Appends leaves: small insert-only rows, so the trail's own rows are never written twice. */
async function insertLeaves(trx: Db, ids: number[], first: number): Promise<void> {
  if (isMysql(trx)) {
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) await trx('audit_leaves').insert(ids.slice(i, i + INSERT_CHUNK).map((id, j) => ({ leaf_index: first + i + j, event_id: id })));
    return;
  }
  await sqlite(trx, 'INSERT INTO audit_leaves (leaf_index, event_id) VALUES (?, ?)', (s) => ids.forEach((id, j) => s.run(first + j, id)));
}

/** The new gap list: old gaps still unseen and not expired, and ids skipped among the new rows. */
function nextGaps(state: TreeState, accepted: NewRow[], now: number): [number, number][] {
  const seen = new Set(accepted.map((r) => r[0]));
  const gaps = state.gaps.filter(([id, since]) => !seen.has(id) && now - since < GAP_TTL_MS);
  let previous = state.highWater;
  for (const r of accepted) {
    if (r[0] <= state.highWater) continue;
    for (let id = previous + 1; id < r[0] && id - previous < 10_000; id++) gaps.push([id, now]);
    previous = r[0];
  }
  return gaps;
}

const inventoryOf = (state: TreeState): ChainHead[] =>
  Object.entries(state.inventory)
    .map(([chain, [seq, head]]) => ({ chain, seq, head }))
    .sort((a, b) => (a.chain < b.chain ? -1 : 1));

/**
 * The sequencer and checkpointer, in one transaction holding the tree's row lock (FOR UPDATE on
 * MySQL; SQLite has one writer), so that instances sharing a database take turns and agree: new
 * records, as they became visible, get the next leaf indexes in id order (a record whose
 * transaction commits later simply gets a later index), each is checked to follow its chain's last
 * sequenced record, only the new leaves are hashed into the tree's right edge, and the new root
 * with every chain's head is signed. A record that does not follow its chain stops sequencing
 * there: a checkpoint vouches only for chains that verify.
 */
export async function checkpointTrail(db: Db, signer: AuditSigner, origin: string): Promise<CheckpointResult> {
  return db.transaction(async (trx) => {
    // SQLite: a write first takes the database's write lock (waiting busy_timeout for another process)
    // instead of failing to upgrade a read lock later.
    if (!isMysql(trx)) await trx('audit_settings').where({ k: 'tree' }).update({ k: 'tree' });
    const lockQuery = trx('audit_settings').where({ k: 'tree' }).select('v');
    const stateRow = await (isMysql(trx) ? lockQuery.forUpdate() : lockQuery).first();
    const state: TreeState = { size: 0, hashes: [], inventory: {}, highWater: 0, gaps: [], ...(stateRow ? JSON.parse(stateRow.v) : {}) };
    const range = CompactRange.fromJSON(state);
    const rows = await newRows(trx, state);
    const accepted: NewRow[] = [];
    let refused: BadRecord | null = null;
    for (const r of rows) {
      const [id, chain, seq, at, type, tenant, campaign, calleeTag, subject, payloadHash, hash] = r;
      const [lastSeq, lastHash] = state.inventory[chain] ?? [0, GENESIS];
      const row = { chain_id: chain, seq, at, type, tenant_id: tenant, campaign_id: campaign, callee_tag: calleeTag, subject_id: subject, payload_hash: payloadHash, hash, payload: null };
      const problem = seq !== lastSeq + 1 ? `record ${seq} does not follow record ${lastSeq} of its chain` : linkMatching(row, lastHash) === null ? 'its content or its predecessor differs from what was hashed' : null;
      if (problem) {
        refused = { chain, seq, problem: `${problem} (record id ${id})` };
        break;
      }
      range.append(recordLeaf(hash));
      state.inventory[chain] = [seq, hash];
      accepted.push(r);
    }
    if (accepted.length === 0) return { checkpoint: null, added: 0, refused };
    const now = Date.now();
    await insertLeaves(trx, accepted.map((r) => r[0]), state.size);
    state.gaps = nextGaps(state, accepted, now);
    state.highWater = Math.max(state.highWater, ...accepted.map((r) => r[0]));
    state.size = range.size;
    state.hashes = range.toJSON().hashes;
    const checkpoint = signCheckpoint(signer, origin, range.size, range.root().toString('hex'), inventoryOf(state));
    const issuedAt = Date.parse(checkpoint.issuedAt);
    const [{ last }] = await trx('audit_checkpoints').where({ retained: true }).max({ last: 'issued_at' });
    await pruneCheckpoints(trx, issuedAt);
    await trx('audit_checkpoints').insert({
      retained: last === null || last === undefined || issuedAt - Number(last) >= RETAIN_EVERY_MS,
      size: checkpoint.size,
      root: checkpoint.root,
      issued_at: Date.parse(checkpoint.issuedAt),
      key_id: checkpoint.keyId,
      signature: checkpoint.signature,
      body: checkpoint.body,
      inventory: JSON.stringify(checkpoint.inventory),
    });
    if (stateRow) await trx('audit_settings').where({ k: 'tree' }).update({ v: JSON.stringify(state) });
    else await trx('audit_settings').insert({ k: 'tree', v: JSON.stringify(state) });
    return { checkpoint, added: accepted.length, refused };
  });
}

/** Removes checkpoints older than an hour that are neither kept for good nor cosigned: auditors and witnesses keep their own. */
async function pruneCheckpoints(trx: Db, now: number): Promise<void> {
  await trx('audit_checkpoints')
    .where({ retained: false })
    .andWhere('issued_at', '<', now - RETAIN_EVERY_MS)
    .whereNotIn('size', trx('audit_cosignatures').select('size'))
    .delete();
}

export function signCheckpoint(signer: AuditSigner, origin: string, size: number, root: string, inventory: ChainHead[]): Checkpoint {
  const body = checkpointBody(origin, size, root, inventory);
  return { origin, size, root, issuedAt: iso(Date.now()), inventory, body, keyId: signer.keyId, publicKey: signer.publicKeyPem, signature: signer.sign(body), cosignatures: [] };
}

const originOf = (body: string): string => body.slice(0, body.indexOf('\n'));

async function toCheckpoint(db: Db, row: Record<string, any>): Promise<Checkpoint> {
  const key = await db('audit_keys').where({ key_id: row.key_id }).first('public_key');
  const cosignatures: Cosignature[] = (await db('audit_cosignatures').where({ size: row.size }).orderBy('id')).map((c: Record<string, any>) => ({
    keyId: c.key_id,
    publicKey: c.public_key,
    time: Number(c.time),
    signature: c.signature,
  }));
  return {
    origin: originOf(row.body),
    size: Number(row.size),
    root: row.root,
    issuedAt: iso(Number(row.issued_at)),
    inventory: JSON.parse(row.inventory),
    body: row.body,
    keyId: row.key_id,
    ...(key ? { publicKey: key.public_key } : {}),
    signature: row.signature,
    cosignatures,
  };
}

/** The newest checkpoint, or the one of a given size; null when there is none. */
export async function findCheckpoint(db: Db, size?: number): Promise<Checkpoint | null> {
  const query = db('audit_checkpoints');
  const row = await (size === undefined ? query.orderBy('size', 'desc') : query.where({ size })).first();
  return row ? toCheckpoint(db, row) : null;
}

/** The newest checkpoint with a cosignature. */
export async function latestCosignedCheckpoint(db: Db): Promise<Checkpoint | null> {
  const row = await db('audit_checkpoints').whereIn('size', db('audit_cosignatures').select('size')).orderBy('size', 'desc').first();
  return row ? toCheckpoint(db, row) : null;
}

export class CosignatureError extends Error {}

/** Keeps a witness's cosignature of a stored checkpoint, after checking it against the configured witness keys. */
export async function addCosignature(db: Db, size: number, c: Cosignature, witnesses: TrustedKeys): Promise<Checkpoint> {
  const row = await db('audit_checkpoints').where({ size }).first();
  if (!row) throw new CosignatureError(`no checkpoint of size ${size}`);
  witnesses.offer([c.publicKey]);
  const key = witnesses.keys().get(c.keyId);
  if (!key) throw new CosignatureError(`witness key ${c.keyId} is not one of AUDIT_WITNESS_KEYS`);
  if (!verifySignature(key, cosignedBytes(row.body, c.time), c.signature)) throw new CosignatureError('the cosignature does not verify for this checkpoint');
  await db('audit_cosignatures')
    .insert({ size, key_id: c.keyId, public_key: key, time: c.time, signature: c.signature, received_at: Date.now() })
    .onConflict(['size', 'key_id'])
    .merge(['time', 'signature', 'received_at']);
  return toCheckpoint(db, row);
}
