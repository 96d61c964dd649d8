import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config';
import { ensurePrivateDir, ensurePrivateFile, narrowIfExists } from './private-files';

export type Db = Knex;

/** Reads knex migrations from migrations/ (sources under tsx, compiled .js under dist/). */
class MigrationFolder implements Knex.MigrationSource<string> {
  private readonly dir = path.resolve(__dirname, '..', '..', '..', 'migrations');

  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d+_[\w-]+\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(js|ts)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    return require(path.join(this.dir, file));
  }
}

export function isMysql(db: Db): boolean {
  return db.client.config.client === 'mysql2';
}

/** A primary-key or unique clash, as MariaDB and SQLite report it. */
export function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT');
}

function sqliteConfig(dataDir: string): Knex.Config {
  ensurePrivateDir(dataDir);
  const filename = path.join(dataDir, 'callgate.sqlite');
  // SQLite creates the -wal and -shm files later with the database file's own mode, so a database
  // file created 0600 before SQLite opens it keeps all three private.
  ensurePrivateFile(filename);
  for (const suffix of ['-wal', '-shm']) narrowIfExists(filename + suffix);
  return {
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // WAL with synchronous=FULL: a committed decision survives a killed process and a power cut.
      afterCreate: (conn: { pragma: (p: string) => unknown }, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = FULL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
        done(null, conn);
      },
    },
  };
}

function mysqlConfig(url: string): Knex.Config {
  return {
    client: 'mysql2',
    connection: { uri: url.replace(/^mariadb:/, 'mysql:'), charset: 'utf8mb4', connectTimeout: 2000 } as unknown as Knex.MySql2ConnectionConfig,
    pool: {
      min: 0,
      max: 10,
      // A decision waits at most a few seconds for another instance's lock, then fails closed.
      afterCreate: (conn: { query: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.query('SET SESSION innodb_lock_wait_timeout = 5', (err) => done(err, conn));
      },
    },
    acquireConnectionTimeout: 2000,
  };
}

export function connect(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Db {
  return knex(config.databaseUrl ? mysqlConfig(config.databaseUrl) : sqliteConfig(config.dataDir));
}

export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource: new MigrationFolder() });
  return applied as string[];
}
