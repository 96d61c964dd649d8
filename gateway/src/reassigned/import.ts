import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { trailOf } from '../audit/trail';
import { AppError } from '../errors';
import type { Db } from '../storage/db';
import { readDisconnects } from './format';

export interface ReassignedImport {
  /** YYYY-MM-DD: the date the data describes. */
  asOf: string;
  /** YYYY-MM-DD: the earliest date the data covers; consent dates before it get "no data". */
  coverageFrom: string | null;
}

export interface ReassignedImportResult {
  version: number;
  asOf: string;
  coverageFrom: string | null;
  entries: number;
  digest: string;
}

/**
 * Streams a permanent-disconnect file into a new version, then makes it current in one
 * transaction: decisions read the old data or the new, never part of either. A bad line refuses the
 * whole file and removes what was written of it; the current data stays as it was.
 */
export async function importReassigned(db: Db, meta: ReassignedImport, input: Readable): Promise<ReassignedImportResult> {
  const [{ top }] = await db('reassigned_versions').max('version as top');
  const version = Number(top ?? 0) + 1;
  try {
    await db('reassigned_versions').insert({ version, as_of: meta.asOf, coverage_from: meta.coverageFrom, entry_count: 0, digest: '', status: 'loading', imported_at: Date.now() });
  } catch {
    throw new AppError('REGISTRY_IMPORT_CONFLICT', 'Another import of the reassigned-numbers data started at the same time; nothing was changed by this one');
  }
  const digest = createHash('sha256');
  let entries: number;
  try {
    entries = await readDisconnects(input, meta.asOf, async (rows) => {
      for (const r of rows) digest.update(`${r.number},${r.disconnectedOn}\n`);
      await db('reassigned_disconnects').insert(rows.map((r) => ({ version, number: r.number, disconnected_on: r.disconnectedOn })));
    });
  } catch (error) {
    await discard(db, version);
    throw error;
  }
  const hex = digest.digest('hex');
  const result = { version, asOf: meta.asOf, coverageFrom: meta.coverageFrom, entries, digest: hex };
  await trailOf(db).record(db, async (trx) => {
    await trx('reassigned_versions').where({ status: 'current' }).update({ status: 'replaced' });
    await trx('reassigned_versions').where({ version }).update({ status: 'current', entry_count: entries, digest: hex, imported_at: Date.now() });
    const payload = { listId: 'fcc-rnd', kind: 'reassigned_numbers', ...result };
    return { result: true, events: [{ type: 'registry.loaded' as const, tenantId: null, subjectId: 'fcc-rnd', payload }] };
  });
  const replaced = await db('reassigned_versions').where({ status: 'replaced' }).select('version');
  if (replaced.length > 0) await db('reassigned_disconnects').whereIn('version', replaced.map((r) => r.version)).delete();
  return result;
}

async function discard(db: Db, version: number): Promise<void> {
  await db('reassigned_disconnects').where({ version }).delete();
  await db('reassigned_versions').where({ version }).delete();
}
