import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../storage/db';
import { ensurePrivateDir, narrowIfExists } from '../storage/private-files';
import { JOB_STREAM, trailOf } from '../audit/trail';
import { decisionEvent, type DecisionRow } from './record';

/**
 * When the database is unreachable, the fail-closed denials are still decisions and must be kept:
 * each is appended and fsynced to a local file before it is answered, and copied into the database
 * once it is back. Appends go to `decisions.ndjson`; a drain first renames it, so appends never race
 * the copy.
 */
export class DecisionSpool {
  private readonly file: string;

  constructor(dir: string) {
    ensurePrivateDir(dir);
    this.file = path.join(dir, 'decisions.ndjson');
    narrowIfExists(this.file);
  }

  get directory(): string {
    return path.dirname(this.file);
  }

  append(rows: DecisionRow[]): void {
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      fs.writeSync(fd, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Decisions waiting in local files. */
  pending(): number {
    return this.files().reduce((n, f) => n + this.read(f).length, 0);
  }

  private files(): string[] {
    const dir = this.directory;
    return fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('decisions.'))
      .map((f) => path.join(dir, f));
  }

  private read(file: string): DecisionRow[] {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as DecisionRow];
        } catch {
          return []; // a torn last line from a crash mid-write: that decision was never answered
        }
      });
  }

  /** Copies spooled decisions into the database; returns how many were copied. */
  async drain(db: Db): Promise<number> {
    if (fs.existsSync(this.file)) fs.renameSync(this.file, path.join(this.directory, `decisions.${Date.now()}.draining`));
    let copied = 0;
    for (const file of this.files()) {
      const rows = this.read(file);
      for (let i = 0; i < rows.length; i += 200) await copyChunk(db, rows.slice(i, i + 200));
      fs.unlinkSync(file);
      copied += rows.length;
    }
    return copied;
  }
}

/**
 * Stores spooled decisions with their trail events in one transaction. A decision already stored
 * (a drain interrupted before its file was removed) is skipped with its event, so none is doubled.
 */
async function copyChunk(db: Db, rows: DecisionRow[]): Promise<void> {
  await trailOf(db).record(
    db,
    async (trx) => {
      const stored = new Set(await trx('decisions').whereIn('id', rows.map((r) => r.id)).pluck('id'));
      const fresh = rows.filter((r) => !stored.has(r.id));
      if (fresh.length > 0) await trx('decisions').insert(fresh);
      return { result: undefined, events: fresh.map(decisionEvent) };
    },
    JOB_STREAM,
  );
}
