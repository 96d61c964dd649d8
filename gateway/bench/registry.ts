/**
 * Do-not-call registries of national size: a generated list of REGISTRY_BENCH_NUMBERS numbers
 * (10 million by default) written to a temporary file, imported through the same path as the CLI
 * into SQLite, loaded back into memory as an instance does, then looked up; then the same numbers
 * as a csv list with a registration date each, to show what the dates cost. Prints figures only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { openAudit } from '../src/audit/open';
import { loadConfig } from '../src/config';
import { e164Value } from '../src/registries/number-set';
import { RegistryStore } from '../src/registries/store';
import { connect, migrate } from '../src/storage/db';
import { importRegistry } from '../src/storage/registry';

const { startMariaDb } = require('../../scripts/mariadb');

const COUNT = Number(process.env.REGISTRY_BENCH_NUMBERS ?? 10_000_000);
const LOOKUPS = 2_000_000;

/** A deterministic spread of US numbers: area codes 201–989, any subscriber number. */
function* generated(): Generator<string> {
  let x = 123456789;
  for (let i = 0; i < COUNT; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const y = (Math.imul(x ^ 0x5bd1e995, 2654435761) >>> 0) % 10_000_000;
    yield `+1${201 + (x % 789)}${String(y).padStart(7, '0')}\n`;
  }
}

/** Registration days spread over 2004–2026, as a registry that has run for two decades holds. */
const dated = (line: string, i: number) => `${line.trimEnd()},${new Date(Date.UTC(2004, 0, 1) + (i % 8000) * 86_400_000).toISOString().slice(0, 10)}\n`;

function writeList(file: string, withDates = false): void {
  const fd = fs.openSync(file, 'w');
  let buffer = '';
  let i = 0;
  for (const line of generated()) {
    buffer += withDates ? dated(line, i++) : line;
    if (buffer.length > 1 << 20) {
      fs.writeSync(fd, buffer);
      buffer = '';
    }
  }
  fs.writeSync(fd, buffer);
  fs.closeSync(fd);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function registryBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-registry-bench-'));
  try {
    const file = path.join(dir, 'list.txt');
    writeList(file);
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const db = connect(config);
    await migrate(db);
    await openAudit(db, config);
    try {
      const started = process.hrtime.bigint();
      const result = await importRegistry(db, { listId: 'us-national-dnc', name: 'bench', country: 'US', listDate: Date.now() }, fs.createReadStream(file), { defaultCallingCode: null });
      const importS = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(`registry import, ${COUNT.toLocaleString('en')} lines (${mb(fs.statSync(file).size)} file) into SQLite: ${importS.toFixed(1)} s, ${Math.round(result.entries / importS).toLocaleString('en')} numbers/s (${result.entries.toLocaleString('en')} unique)`);

      const store = new RegistryStore(db);
      const loadStarted = process.hrtime.bigint();
      await store.sync();
      const loadS = Number(process.hrtime.bigint() - loadStarted) / 1e9;
      const [held] = store.summary();
      console.log(
        `registry load from the database into memory: ${loadS.toFixed(2)} s; resident ${(held.bytes / held.entries).toFixed(2)} bytes per number ` +
          `(${mb(held.bytes)} of typed arrays; process RSS ${mb(process.memoryUsage().rss)} with the import's garbage not yet collected)`,
      );

      const probes = [...generated()].slice(0, LOOKUPS / 2).map((l) => l.trim());
      for (let i = 0; i < LOOKUPS / 2; i++) probes.push(`+1${201 + (i % 789)}${String((i * 7919) % 10_000_000).padStart(7, '0')}`);
      let hits = 0;
      for (const p of probes.slice(0, 100_000)) if (store.factsFor(p)[0].listed) hits++;
      const t0 = process.hrtime.bigint();
      hits = 0;
      for (const p of probes) if (store.factsFor(p)[0].listed) hits++;
      const perLookup = Number(process.hrtime.bigint() - t0) / probes.length;
      const values = probes.map(e164Value);
      const t1 = process.hrtime.bigint();
      // The set alone, without building the facts object.
      const set = (store as unknown as { held: Map<string, { set: { hasValue(v: number): boolean } }> }).held.get('us-national-dnc')!.set;
      let raw = 0;
      for (const v of values) if (set.hasValue(v)) raw++;
      const perRaw = Number(process.hrtime.bigint() - t1) / values.length;
      console.log(`registry lookup: ${perRaw.toFixed(0)} ns per number in the set; ${perLookup.toFixed(0)} ns per callee for the decision's registry facts (${hits.toLocaleString('en')}/${probes.length.toLocaleString('en')} listed, ${raw === hits ? 'consistent' : 'INCONSISTENT'})`);
      await datedImport(db, dir);
    } finally {
      await db.destroy();
    }
    await mariadbImport(file, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same numbers with a registration date each: csv import, load, bytes per number. */
async function datedImport(db: Knex, dir: string): Promise<void> {
  const file = path.join(dir, 'dated.csv');
  writeList(file, true);
  const started = process.hrtime.bigint();
  const result = await importRegistry(db, { listId: 'uk-tps', name: 'bench dated', country: 'GB', listDate: Date.now() }, fs.createReadStream(file), { defaultCallingCode: null, format: 'csv' });
  const importS = Number(process.hrtime.bigint() - started) / 1e9;
  const store = new RegistryStore(db);
  await store.sync();
  const held = store.summary().find((h) => h.listId === 'uk-tps')!;
  console.log(
    `registry with registration dates (csv, ${mb(fs.statSync(file).size)} file): import ${importS.toFixed(1)} s (${Math.round(result.entries / importS).toLocaleString('en')} numbers/s), ` +
      `resident ${(held.bytes / held.entries).toFixed(2)} bytes per number with its date (${held.dated ? 'dated' : 'NOT DATED'}, ${result.undatedLines} lines without a date)`,
  );
}

/** The same import and load on MariaDB, as production instances share it. */
async function mariadbImport(file: string, dir: string): Promise<void> {
  const mariadb = await startMariaDb();
  try {
    const admin = knex({ client: 'mysql2', connection: { uri: mariadb.url } as never });
    await admin.raw('CREATE DATABASE callgate_registry_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.destroy();
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: `${mariadb.url}callgate_registry_bench` });
    const db = connect(config);
    try {
      await migrate(db);
      await openAudit(db, config);
      const started = process.hrtime.bigint();
      const result = await importRegistry(db, { listId: 'us-national-dnc', name: 'bench', country: 'US', listDate: Date.now() }, fs.createReadStream(file), { defaultCallingCode: null });
      const importS = Number(process.hrtime.bigint() - started) / 1e9;
      const store = new RegistryStore(db);
      const loadStarted = process.hrtime.bigint();
      await store.sync();
      const loadS = Number(process.hrtime.bigint() - loadStarted) / 1e9;
      console.log(`registry on MariaDB: import ${importS.toFixed(1)} s (${Math.round(result.entries / importS).toLocaleString('en')} numbers/s), load into an instance ${loadS.toFixed(2)} s`);
    } finally {
      await db.destroy();
    }
  } finally {
    await mariadb.stop();
  }
}

if (require.main === module) registryBench().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
