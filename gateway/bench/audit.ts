/**
 * The trail's figures for `npm run bench`, on a trail of AUDIT_BENCH_RECORDS (default one million)
 * decision events: append rate (hash-chained, batched as decisions are), database verification
 * rate, export rate as NDJSON and as CSV with the exporting process's peak resident memory, and the
 * offline verification rate of each export, all in records per second; then the reconciliation
 * rate of the decisions table with its events on AUDIT_BENCH_RECONCILE_RECORDS (default 100 000)
 * decisions stored as the gateway stores them. SQLite always; MariaDB too when AUDIT_BENCH_MARIADB=1
 * (a private server, as for the decision figures).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportDir, createExport } from '../src/audit/exports';
import { openAudit } from '../src/audit/open';
import { reconcileTables } from '../src/audit/reconcile';
import { DECISION_STREAMS } from '../src/audit/trail';
import { verifyDatabase } from '../src/audit/verify-db';
import { verifyExportFile } from '../src/audit/verify-file';
import type { Audit } from '../src/audit/open';
import type { ExportFormat } from '../src/audit/export-format';
import { loadConfig } from '../src/config';
import { decide } from '../src/engine/engine';
import type { TrailEvent } from '../src/audit/events';
import { decisionEvent, toRow, type DecisionRecord } from '../src/decisions/record';
import { loadPacks } from '../src/policy/loader';
import { connect, migrate, type Db } from '../src/storage/db';
import knex from 'knex';
import { call, goodFacts } from '../test/support/facts';

const RECORDS = Number(process.env.AUDIT_BENCH_RECORDS ?? 1_000_000);
const RECONCILE_RECORDS = Number(process.env.AUDIT_BENCH_RECONCILE_RECORDS ?? 100_000);
const BATCH = 256;

const perSecond = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')} records/s`;
const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;

/** Resets the kernel's peak-RSS mark (Linux), so that a phase's peak is its own. */
function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident memory since the last reset (Linux), else since the process started. */
function peakRss(): number {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status);
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // not Linux: the process's lifetime peak below
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Decision events like the gateway writes: a denial with its reasons, without the full fact dump. */
const at = Date.parse('2026-03-10T10:00:00+08:00');
const verdict = decide(call(), goodFacts({ consents: [] }), loadPacks().get('cn')!, at);

function decisionRows(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const record: DecisionRecord = {
      ...verdict,
      id: `dec_bench_${n}`,
      decidedAt: at + n,
      instanceId: 'bench',
      call: call({ callee: `+86138${String(n % 1_000_000).padStart(8, '0')}`, tenantId: `t${n % 7}` }),
      input: { call: call() },
      timing: { queuedUs: 120, engineUs: 11, batchSize: BATCH },
    };
    return toRow(record);
  });
}

function events(from: number, count: number): TrailEvent[] {
  return decisionRows(from, count).map(decisionEvent);
}

const exportedBy = { subject: 'bench', role: 'admin' as const, tenantId: null };

async function exportAndVerify(label: string, db: Db, audit: Audit, dataDir: string, format: ExportFormat): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const resettable = resetPeakRss();
  let t = Date.now();
  const manifest = await createExport(db, audit, dataDir, { filter: {}, format, pseudonymise: false, exportedBy });
  const exportMs = Date.now() - t;
  const peak = peakRss();
  const file = path.join(exportDir(dataDir), manifest.file.name);
  console.log(
    `${label} export rate (${format.toUpperCase()}, whole trail): ${perSecond(manifest.counts.records, exportMs)}, ${mb(manifest.file.bytes)} written; ` +
      `export memory: peak RSS ${mb(peak)}${resettable ? ' during the export' : ' (process lifetime)'}, ${mb(rssBefore)} before`,
  );
  t = Date.now();
  const report = await verifyExportFile(file, manifest, [audit.signer.publicKeyPem]);
  console.log(`${label} offline verification rate (${format.toUpperCase()} export and manifest): ${perSecond(report.records, Date.now() - t)}, ok=${report.ok}`);
  fs.rmSync(file, { force: true });
}

/** Appends the trail, then verifies it, exports it both ways and verifies each export offline. */
async function trailBench(label: string, env: Record<string, string>): Promise<void> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent', INSTANCE_ID: 'bench' });
  const db = connect(config);
  try {
    await migrate(db);
    const audit = await openAudit(db, config);
    const started = Date.now();
    let bytes = 0;
    for (let done = 0; done < RECORDS; done += BATCH * 8) {
      // Eight batches per transaction: the same append path as decisions, with fewer commits.
      await db.transaction(async (trx) => {
        for (let b = 0; b < 8 && done + b * BATCH < RECORDS; b++) {
          const batch = events(done + b * BATCH, Math.min(BATCH, RECORDS - done - b * BATCH));
          bytes += batch.reduce((sum, e) => sum + (e.payloadJson ?? '').length, 0);
          await audit.trail.append(trx, DECISION_STREAMS[b % 4], batch);
        }
      });
    }
    console.log(
      `${label} append rate: ${perSecond(RECORDS, Date.now() - started)} (${RECORDS.toLocaleString('en')} decision events, mean payload ` +
        `${Math.round(bytes / RECORDS)} bytes, hash-chained, ${BATCH} per append, event generation included)`,
    );

    // These events have no table rows: the chains alone here; reconcileBench measures the tables.
    let t = Date.now();
    const verified = await verifyDatabase(db, { tables: false });
    console.log(`${label} database verification rate (${verified.chains.length} chains): ${perSecond(verified.records, Date.now() - t)}, ok=${verified.ok}`);

    await exportAndVerify(label, db, audit, config.dataDir, 'ndjson');
    await exportAndVerify(label, db, audit, config.dataDir, 'csv');

    t = Date.now();
    const one = await createExport(db, audit, config.dataDir, { filter: { callee: '+8613800000042' }, format: 'ndjson', pseudonymise: false, exportedBy });
    console.log(`${label} export of one callee: ${one.counts.records} records, ${one.counts.omitted.toLocaleString('en')} omitted, in ${Date.now() - t} ms`);
  } finally {
    await db.destroy();
  }
}

/** Decisions stored with their events as the gateway stores them, then reconciled with the trail. */
async function reconcileBench(label: string, env: Record<string, string>): Promise<void> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent', INSTANCE_ID: 'bench' });
  const db = connect(config);
  try {
    await migrate(db);
    const audit = await openAudit(db, config);
    for (let done = 0; done < RECONCILE_RECORDS; done += BATCH) {
      const rows = decisionRows(done, Math.min(BATCH, RECONCILE_RECORDS - done));
      await db.transaction(async (trx) => {
        await trx.batchInsert('decisions', rows, 64);
        await audit.trail.append(trx, DECISION_STREAMS[0], rows.map(decisionEvent));
      });
    }
    const t = Date.now();
    const report = await reconcileTables(db);
    console.log(`${label} table reconciliation rate (decisions against their events): ${perSecond(report.checked.decisions ?? 0, Date.now() - t)}, ok=${report.ok}`);
  } finally {
    await db.destroy();
  }
}

export async function auditBench(): Promise<void> {
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-audit-bench-'));
  try {
    await trailBench('audit trail, SQLite:', { DATA_DIR: sqliteDir });
  } finally {
    fs.rmSync(sqliteDir, { recursive: true, force: true });
  }
  const reconcileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-audit-bench-'));
  try {
    await reconcileBench('audit trail, SQLite:', { DATA_DIR: reconcileDir });
  } finally {
    fs.rmSync(reconcileDir, { recursive: true, force: true });
  }
  if (process.env.AUDIT_BENCH_MARIADB !== '1') return;
  const { startMariaDb } = require('../../scripts/mariadb');
  const mariadb = await startMariaDb();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-audit-bench-'));
  try {
    const admin = knex({ client: 'mysql2', connection: { uri: mariadb.url } as never });
    await admin.raw('CREATE DATABASE callgate_audit_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.destroy();
    await trailBench('audit trail, MariaDB:', { DATA_DIR: dataDir, DATABASE_URL: `${mariadb.url}callgate_audit_bench` });
  } finally {
    await mariadb.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  auditBench().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
