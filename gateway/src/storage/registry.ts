import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '../errors';
import { dayOfInstant } from '../registries/days';
import { encodeChunk, encodeDays, NumberSet } from '../registries/number-set';
import { parseRegistryStream, type RegistryFormat } from '../registries/parse';
import { trailOf } from '../audit/trail';
import type { Db } from './db';

export interface RegistryImport {
  listId: string;
  name: string;
  country: string | null;
  /** The date the registry published this copy: what the freshness rule measures. */
  listDate: number;
}

export interface RegistryImportResult {
  listId: string;
  version: number;
  entries: number;
  rejectedLines: number;
  firstRejected: string[];
  /** The format read: `csv` lists keep each number's registration date. */
  format: 'plain' | 'csv';
  dated: boolean;
  /** Lines of a csv list whose number was kept without a date (it binds at once). */
  undatedLines: number;
  firstUndated: string[];
}

export interface ImportProgress {
  phase: 'reading' | 'storing' | 'done';
  /** Lines read while reading; numbers stored while storing. */
  count: number;
  total?: number;
}

/** Numbers per stored chunk: 1 MiB blobs, well inside any server's packet limit. */
const CHUNK_NUMBERS = 262_144;

/**
 * Streams a list into a new version of the registry. The numbers are sorted and stored as compact
 * binary chunks (4 bytes a number, and 2 more for its registration day when the list has them), then the new version becomes current in one conditional update:
 * a decision sees the old list or the new one, never half of one, and of two concurrent imports of
 * the same list only one wins.
 */
export async function importRegistry(
  db: Db,
  meta: RegistryImport,
  input: Readable,
  options: { defaultCallingCode: string | null; format?: RegistryFormat; onProgress?: (progress: ImportProgress) => void },
): Promise<RegistryImportResult> {
  const parsed = await parseRegistryStream(input, {
    defaultCallingCode: options.defaultCallingCode,
    format: options.format,
    // No entry of a copy can be registered after the copy was published; a day of slack for its time zone.
    latestDay: dayOfInstant(meta.listDate) + 1,
    onProgress: (count) => options.onProgress?.({ phase: 'reading', count }),
  });
  if (parsed.values.length === 0) {
    throw new AppError('REGISTRY_FILE_EMPTY', `No number in ${parsed.lines} lines (${parsed.rejectedLines} rejected, e.g. ${JSON.stringify(parsed.firstRejected.slice(0, 3))}); the current list is kept`);
  }
  const current = await db('registry_lists').where({ id: meta.listId }).first();
  const previous = current ? Number(current.version) : 0;
  const version = previous + 1;
  await db('registry_chunks').where({ list_id: meta.listId, version }).delete(); // leftovers of an interrupted import
  const { values, days } = parsed;
  const digest = createHash('sha256');
  for (let seq = 0, from = 0; from < values.length; seq++, from += CHUNK_NUMBERS) {
    const to = Math.min(from + CHUNK_NUMBERS, values.length);
    const slice = values.subarray(from, to);
    const data = encodeChunk(slice);
    const dates = days ? encodeDays(days.subarray(from, to)) : null;
    digest.update(data);
    if (dates) digest.update(dates);
    await db('registry_chunks').insert({ list_id: meta.listId, version, seq, entry_count: slice.length, data, dates });
    options.onProgress?.({ phase: 'storing', count: from + slice.length, total: values.length });
  }
  const row = { id: meta.listId, name: meta.name, country: meta.country, list_date: meta.listDate, version, entry_count: values.length, digest: digest.digest('hex'), loaded_at: Date.now(), dated: days !== null };
  const flipped = await trailOf(db).record(db, async (trx) => {
    const made = current
      ? (await trx('registry_lists').where({ id: meta.listId, version: previous }).update(row)) === 1
      : await insertIfAbsent(trx, row);
    const payload = { listId: meta.listId, name: meta.name, country: meta.country, listDate: meta.listDate, version, entries: values.length, digest: row.digest, rejectedLines: parsed.rejectedLines, format: parsed.format, undatedLines: parsed.undatedLines };
    return { result: made, events: made ? [{ type: 'registry.loaded', at: row.loaded_at, tenantId: null, subjectId: meta.listId, payload }] : [] };
  });
  if (!flipped) {
    await db('registry_chunks').where({ list_id: meta.listId, version }).delete();
    throw new AppError('REGISTRY_IMPORT_CONFLICT', `Another import of "${meta.listId}" finished first; nothing was changed by this one`);
  }
  await db('registry_chunks').where({ list_id: meta.listId }).andWhere('version', '<', version).delete();
  await db('registry_entries').where({ list_id: meta.listId }).delete(); // rows of the earlier one-row-per-number format
  options.onProgress?.({ phase: 'done', count: values.length, total: values.length });
  return {
    listId: meta.listId,
    version,
    entries: values.length,
    rejectedLines: parsed.rejectedLines,
    firstRejected: parsed.firstRejected,
    format: parsed.format,
    dated: days !== null,
    undatedLines: parsed.undatedLines,
    firstUndated: parsed.firstUndated,
  };
}

async function insertIfAbsent(trx: Db, row: Record<string, unknown>): Promise<boolean> {
  const [exists] = await trx('registry_lists').where({ id: row.id }).select('id');
  if (exists) return false;
  await trx('registry_lists').insert(row);
  return true;
}

export interface RegistryVersionRow {
  id: string;
  version: number;
  listDate: number;
  entries: number;
  /** SHA-256 of the version's chunks in order; null for lists stored before digests existed. */
  digest: string | null;
}

/** The current version and list date of every list: what each instance compares with what it holds. */
export async function registryVersions(db: Db): Promise<RegistryVersionRow[]> {
  const rows = await db('registry_lists').select('id', 'version', 'list_date', 'entry_count', 'digest');
  return rows.map((r) => ({ id: r.id as string, version: Number(r.version), listDate: Number(r.list_date), entries: Number(r.entry_count), digest: (r.digest as string | null) ?? null }));
}

/**
 * One version of a list, from its chunks. Lists stored before chunks existed (one row per number)
 * are read from those rows.
 */
export async function loadRegistryVersion(db: Db, listId: string, version: number): Promise<{ set: NumberSet; digest: string | null }> {
  const chunks = await db('registry_chunks').where({ list_id: listId, version }).orderBy('seq').select('data', 'dates');
  if (chunks.length > 0) {
    const data = chunks.map((c) => c.data as Uint8Array);
    const dates = chunks.map((c) => (c.dates as Uint8Array | null) ?? null);
    const digest = createHash('sha256');
    data.forEach((d, i) => {
      digest.update(d);
      if (dates[i]) digest.update(dates[i]!);
    });
    return { set: NumberSet.fromChunks(data, dates), digest: digest.digest('hex') };
  }
  const legacy = await db('registry_entries').where({ list_id: listId, version }).select('e164');
  const values = Float64Array.from(legacy.map((r) => Number(String(r.e164).slice(1)))).sort();
  return { set: NumberSet.fromSorted(values), digest: null };
}

export async function listRegistries(db: Db) {
  return (await db('registry_lists').orderBy('id')).map((r) => ({
    id: r.id as string,
    name: r.name as string,
    country: r.country as string | null,
    listDate: Number(r.list_date),
    version: Number(r.version),
    entries: Number(r.entry_count),
    /** Whether the list keeps each number's registration date. */
    dated: Boolean(r.dated),
    loadedAt: Number(r.loaded_at),
  }));
}
