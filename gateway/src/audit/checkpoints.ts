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
/** Checkpoints are signed every few seconds; one an hour, the newest hour's and the witnessed ones are kept. */
const RETAIN_EVERY_MS = 3_600_000;
const UPDATE_CHUNK = 500;

interface TreeState {
  size: number;
  hashes: string[];
  inventory: Record<string, [number, string]>;
}

interface NewRow {
  id: number;
  chain_id: string;
  seq: number;
  at: number;
  type: string;
  tenant_id: string | null;
  campaign_id: string | null;
  callee_tag: string | null;
  subject_id: string | null;
  payload_hash: string;
  hash: string;
}

export interface CheckpointResult {
  checkpoint: Checkpoint | null;
  added: number;
  refused: BadRecord | null;
}

const NEW_ROWS_SQL =
  'SELECT id, chain_id, seq, at, type, tenant_id, campaign_id, callee_tag, subject_id, payload_hash, hash FROM audit_events WHERE leaf_index IS NULL ORDER BY id LIMIT ?';

async function newRows(trx: Db): Promise<NewRow[]> {
  const result = await trx.raw(NEW_ROWS_SQL, [BATCH]);
  const rows: Record<string, unknown>[] = isMysql(trx) ? result[0] : result;
  return rows.map((r) => ({ ...(r as unknown as NewRow), id: Number(r.id), seq: Number(r.seq), at: Number(r.at) }));
}

const sqliteUpdates = new WeakMap<object, { run(...values: unknown[]): unknown }>();

/** Gives each row its leaf index: one cached prepared statement per row on SQLite, CASE chunks on MySQL. */
async function assignIndexes(trx: Db, rows: NewRow[], first: number): Promise<void> {
  if (isMysql(trx)) {
    for (let i = 0; i < rows.length; i += UPDATE_CHUNK) {
      const chunk = rows.slice(i, i + UPDATE_CHUNK);
      const cases = chunk.map(() => 'WHEN ? THEN ?').join(' ');
      const bindings = chunk.flatMap((r, j) => [r.id, first + i + j]);
      await trx.raw(`UPDATE audit_events SET leaf_index = CASE id ${cases} END WHERE id IN (${chunk.map(() => '?').join(',')})`, [...bindings, ...chunk.map((r) => r.id)]);
    }
    return;
  }
  const conn = await trx.client.acquireConnection();
  try {
    let update = sqliteUpdates.get(conn);
    if (!update) {
      update = conn.prepare('UPDATE audit_events SET leaf_index = ? WHERE id = ?') as { run(...values: unknown[]): unknown };
      sqliteUpdates.set(conn, update);
    }
    rows.forEach((r, j) => update!.run(first + j, r.id));
  } finally {
    await trx.client.releaseConnection(conn);
  }
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
    const state: TreeState = stateRow ? JSON.parse(stateRow.v) : { size: 0, hashes: [], inventory: {} };
    const range = CompactRange.fromJSON(state);
    const rows = await newRows(trx);
    const accepted: NewRow[] = [];
    let refused: BadRecord | null = null;
    for (const row of rows) {
      const [lastSeq, lastHash] = state.inventory[row.chain_id] ?? [0, GENESIS];
      const problem = row.seq !== lastSeq + 1 ? `record ${row.seq} does not follow record ${lastSeq} of its chain` : linkMatching({ ...row, payload: null }, lastHash) === null ? 'its content or its predecessor differs from what was hashed' : null;
      if (problem) {
        refused = { chain: row.chain_id, seq: row.seq, problem };
        break;
      }
      range.append(recordLeaf(row.hash));
      state.inventory[row.chain_id] = [row.seq, row.hash];
      accepted.push(row);
    }
    if (accepted.length === 0) return { checkpoint: null, added: 0, refused };
    await assignIndexes(trx, accepted, state.size);
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
