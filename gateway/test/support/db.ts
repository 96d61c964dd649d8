import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { loadConfig, type Config } from '../../src/config';

export type Engine = 'sqlite' | 'mariadb';
export const ENGINES: Engine[] = ['sqlite', 'mariadb'];

/** The MariaDB server that `npm test` started; its absence is a failure, never a reason to skip. */
export function mariadbUrl(): string {
  const url = process.env.CALLGATE_TEST_MYSQL_URL;
  if (!url) throw new Error('CALLGATE_TEST_MYSQL_URL is not set: run the suite with `npm test`, which starts MariaDB');
  return url;
}

/** A new, empty database on the engine and a configuration pointing at it. */
export async function freshConfig(engine: Engine, env: Record<string, string> = {}): Promise<Config> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-test-'));
  if (engine === 'sqlite') return loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
  const name = `cg_${crypto.randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'mysql2', connection: { uri: mariadbUrl() } as never });
  try {
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.destroy();
  }
  return loadConfig({ DATA_DIR: dataDir, DATABASE_URL: `${mariadbUrl()}${name}`, LOG_LEVEL: 'silent', ...env });
}
