import type { RegistryFacts } from '../engine/types';
import type { Db } from '../storage/db';
import { loadRegistryVersion, registryVersions, type RegistryVersionRow } from '../storage/registry';
import { isoOfDay } from './days';
import { e164Value, NumberSet } from './number-set';

interface Held {
  version: number;
  listDate: number;
  set: NumberSet;
}

/**
 * The do-not-call lists of this instance, in memory. The database is the source of truth: before
 * each batch of decisions the store compares the versions there with the ones it holds (one small
 * query) and loads any newer version before deciding, so once an import is acknowledged no
 * instance decides on the list it replaced, and no instance needs a restart.
 */
export class RegistryStore {
  private readonly held = new Map<string, Held>();
  private readonly loading = new Map<string, Promise<void>>();
  private known: RegistryVersionRow[] = [];

  constructor(private readonly db: Db) {}

  /**
   * Brings the held lists up to the database's versions, reading through `q`: inside a transaction,
   * whose connection SQLite would otherwise wait for. Throws when the database cannot answer.
   */
  async sync(q: Db = this.db): Promise<void> {
    this.known = await registryVersions(q);
    const stale = this.known.filter((row) => this.held.get(row.id)?.version !== row.version);
    await Promise.all(stale.map((row) => this.load(q, row)));
  }

  private load(q: Db, row: RegistryVersionRow): Promise<void> {
    const key = `${row.id}@${row.version}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = loadRegistryVersion(q, row.id, row.version)
        .then(({ set, digest }) => {
          // A copy that is not byte for byte what was imported is never used: the batch fails closed instead.
          if (set.size !== row.entries) throw new Error(`registry ${row.id} version ${row.version} holds ${set.size} numbers, ${row.entries} were imported`);
          if (row.digest !== null && digest !== row.digest) throw new Error(`registry ${row.id} version ${row.version} differs from what was imported (SHA-256 ${digest}, imported ${row.digest})`);
          const current = this.held.get(row.id);
          if (!current || current.version < row.version) this.held.set(row.id, { version: row.version, listDate: row.listDate, set });
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** What the registry rule needs about one callee, for every list the database knows. */
  factsFor(callee: string): RegistryFacts[] {
    const value = e164Value(callee);
    return this.known.map((row) => {
      const held = this.held.get(row.id);
      if (!held) return { listId: row.id, listDate: null, listed: false, pending: true };
      const day = held.set.dayOfValue(value);
      if (day < 0) return { listId: row.id, listDate: held.listDate, listed: false };
      // Known only when the list publishes dates; without one the number binds at once.
      const registeredOn = isoOfDay(day);
      return registeredOn === null ? { listId: row.id, listDate: held.listDate, listed: true } : { listId: row.id, listDate: held.listDate, listed: true, registeredOn };
    });
  }

  /** Lists held, for operations: version, size and bytes in memory. */
  summary(): { listId: string; version: number; entries: number; dated: boolean; bytes: number }[] {
    return [...this.held].map(([listId, h]) => ({ listId, version: h.version, entries: h.set.size, dated: h.set.dated, bytes: h.set.bytes }));
  }
}
