import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { trailOf } from '../audit/trail';
import { isE164 } from '../numbers/phone';
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
}

const CHUNK = 1000;

function normalise(line: string, defaultCallingCode: string | null): string | null {
  const digits = line.trim().replace(/[\s\-().]/g, '');
  if (digits === '' || digits.startsWith('#')) return null;
  if (isE164(digits)) return digits;
  if (defaultCallingCode && /^\d{6,14}$/.test(digits)) return `+${defaultCallingCode}${digits.replace(/^0/, '')}`;
  return '';
}

/**
 * Streams a list, one number per line, into a new version of the registry; the new version becomes
 * current in one update, so a decision sees the old list or the new one, never half of one.
 */
export async function importRegistry(
  db: Db,
  meta: RegistryImport,
  lines: Readable,
  options: { defaultCallingCode: string | null; onProgress?: (entries: number) => void },
): Promise<RegistryImportResult> {
  const current = await db('registry_lists').where({ id: meta.listId }).first();
  const version = current ? Number(current.version) + 1 : 1;
  await db('registry_entries').where({ list_id: meta.listId, version }).delete(); // leftovers of an interrupted import
  const seen = new Set<string>();
  const firstRejected: string[] = [];
  let rejectedLines = 0;
  let chunk: { e164: string; list_id: string; version: number }[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await db('registry_entries').insert(chunk);
    chunk = [];
    options.onProgress?.(seen.size);
  };
  for await (const line of readline.createInterface({ input: lines, crlfDelay: Infinity })) {
    const e164 = normalise(line, options.defaultCallingCode);
    if (e164 === null) continue;
    if (e164 === '') {
      rejectedLines++;
      if (firstRejected.length < 10) firstRejected.push(line.slice(0, 40));
      continue;
    }
    if (seen.has(e164)) continue;
    seen.add(e164);
    chunk.push({ e164, list_id: meta.listId, version });
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  const row = { id: meta.listId, name: meta.name, country: meta.country, list_date: meta.listDate, version, entry_count: seen.size, loaded_at: Date.now() };
  await trailOf(db).record(db, async (trx) => {
    if (current) await trx('registry_lists').where({ id: meta.listId }).update(row);
    else await trx('registry_lists').insert(row);
    const payload = { listId: meta.listId, name: meta.name, country: meta.country, listDate: meta.listDate, version, entries: seen.size, rejectedLines };
    return { result: undefined, events: [{ type: 'registry.loaded', at: row.loaded_at, tenantId: null, subjectId: meta.listId, payload }] };
  });
  await db('registry_entries').where({ list_id: meta.listId }).andWhere('version', '<', version).delete();
  return { listId: meta.listId, version, entries: seen.size, rejectedLines, firstRejected };
}

export async function listRegistries(db: Db) {
  return (await db('registry_lists').orderBy('id')).map((r) => ({
    id: r.id as string,
    name: r.name as string,
    country: r.country as string | null,
    listDate: Number(r.list_date),
    version: Number(r.version),
    entries: Number(r.entry_count),
    loadedAt: Number(r.loaded_at),
  }));
}
