import fs from 'node:fs';
import { Readable } from 'node:stream';
import cron from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError } from '../config';
import type { RegistryStore } from '../registries/store';
import type { Db } from '../storage/db';
import { REGISTRY_FORMATS, type RegistryFormat } from '../registries/parse';
import { importRegistry } from '../storage/registry';

/** A registry the gateway fetches on a schedule: a local file or an http(s) address. */
export interface RegistrySource {
  listId: string;
  name: string;
  country?: string;
  callingCode?: string;
  /** auto (default), plain or csv: see the registry file formats in the README. */
  format?: RegistryFormat;
  /** file:///path/to/list.txt, /path/to/list.txt or https://… */
  source: string;
  /** node-cron expression, e.g. "0 3 * * *" for 03:00 every day. */
  schedule: string;
}

/** Reads and checks the REGISTRY_SOURCES file, so a mistake stops the start, not a night's refresh. */
export function readRegistrySources(file: string): RegistrySource[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`REGISTRY_SOURCES ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`REGISTRY_SOURCES ${file} must hold a JSON array of sources`);
  return parsed.map((s: Partial<RegistrySource>, i) => {
    const where = `REGISTRY_SOURCES entry ${i}`;
    if (!s || typeof s.listId !== 'string' || !/^[a-z0-9][a-z0-9-]{1,63}$/.test(s.listId)) throw new ConfigError(`${where}: listId must look like "us-national-dnc"`);
    if (typeof s.name !== 'string' || !s.name) throw new ConfigError(`${where}: name is required`);
    if (typeof s.source !== 'string' || !s.source) throw new ConfigError(`${where}: source (a file path or an http(s) address) is required`);
    if (typeof s.schedule !== 'string' || !cron.validate(s.schedule)) throw new ConfigError(`${where}: schedule must be a cron expression, got ${JSON.stringify(s.schedule)}`);
    if (s.format !== undefined && !REGISTRY_FORMATS.includes(s.format)) throw new ConfigError(`${where}: format must be one of ${REGISTRY_FORMATS.join(', ')}`);
    if (s.callingCode !== undefined && !/^[1-9]\d{0,2}$/.test(s.callingCode)) throw new ConfigError(`${where}: callingCode must be digits, e.g. "1"`);
    return s as RegistrySource;
  });
}

const isHttp = (source: string) => /^https?:\/\//.test(source);
const filePath = (source: string) => (source.startsWith('file://') ? new URL(source).pathname : source);

/**
 * Opens the source when it changed since the current copy was loaded: a file by its modification
 * time, an address by If-Modified-Since. The list date is the day the source was last modified.
 */
async function openIfNewer(source: string, loadedAt: number | null): Promise<{ stream: Readable; listDate: number } | null> {
  if (!isHttp(source)) {
    const stat = fs.statSync(filePath(source));
    if (loadedAt !== null && stat.mtimeMs <= loadedAt) return null;
    return { stream: fs.createReadStream(filePath(source)), listDate: stat.mtimeMs };
  }
  const headers: Record<string, string> = loadedAt === null ? {} : { 'if-modified-since': new Date(loadedAt).toUTCString() };
  const res = await fetch(source, { headers });
  if (res.status === 304) return null;
  if (!res.ok || !res.body) throw new Error(`${source} answered ${res.status}`);
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  return { stream: Readable.fromWeb(res.body as never), listDate: Number.isNaN(modified) ? Date.now() : modified };
}

/** One refresh of one source; exported so it can be run and tested without waiting for the clock. */
export async function refreshRegistry(db: Db, store: RegistryStore, source: RegistrySource, log: FastifyBaseLogger) {
  const current = await db('registry_lists').where({ id: source.listId }).first();
  const opened = await openIfNewer(source.source, current ? Number(current.loaded_at) : null);
  if (!opened) {
    log.debug({ listId: source.listId }, 'registry source unchanged');
    return null;
  }
  const listDate = Date.parse(new Date(opened.listDate).toISOString().slice(0, 10));
  const result = await importRegistry(db, { listId: source.listId, name: source.name, country: source.country ?? null, listDate }, opened.stream, {
    defaultCallingCode: source.callingCode ?? null,
    format: source.format,
    onProgress: (p) => log.info({ listId: source.listId, ...p }, 'registry refresh progress'),
  });
  await store.sync();
  log.info(result, 'registry refreshed');
  return result;
}

/** Schedules every configured source; an instance without REGISTRY_SOURCES refreshes nothing. */
export function scheduleRegistryRefresh(db: Db, store: RegistryStore, sources: RegistrySource[], log: FastifyBaseLogger) {
  const tasks = sources.map((source) =>
    cron.schedule(
      source.schedule,
      async () => {
        try {
          await refreshRegistry(db, store, source, log);
        } catch (error) {
          // The old copy stays; once it ages past the pack's limit, calls fail closed REGISTRY_STALE.
          log.error({ err: error, listId: source.listId }, 'registry refresh failed; the current copy is kept');
        }
      },
      { name: `registry-refresh-${source.listId}`, noOverlap: true },
    ),
  );
  return { stop: async () => void (await Promise.all(tasks.map((t) => t.stop()))) };
}
