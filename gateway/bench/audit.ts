/**
 * The trail's figures for `npm run bench`: records appended per second (hash-chained, batched as
 * decisions are), then, on a trail of AUDIT_BENCH_RECORDS (default one million) records on SQLite,
 * database verification, a full NDJSON export (with the process's memory before and after) and the
 * offline verification of that export, each in records per second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportDir, createExport } from '../src/audit/exports';
import { openAudit } from '../src/audit/open';
import { DECISION_STREAMS } from '../src/audit/trail';
import { verifyDatabase } from '../src/audit/verify-db';
import { verifyExportFile } from '../src/audit/verify-file';
import { loadConfig } from '../src/config';
import { decide } from '../src/engine/engine';
import type { TrailEvent } from '../src/audit/events';
import { decisionEvent, toRow, type DecisionRecord } from '../src/decisions/record';
import { loadPacks } from '../src/policy/loader';
import { connect, migrate } from '../src/storage/db';
import { call, goodFacts } from '../test/support/facts';

const RECORDS = Number(process.env.AUDIT_BENCH_RECORDS ?? 1_000_000);
const BATCH = 256;

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')} records/s`;
const rssMb = () => `${Math.round(process.memoryUsage().rss / 1_048_576)} MB`;

/** Decision events like the gateway writes: a denial with its reasons, without the full fact dump. */
const at = Date.parse('2026-03-10T10:00:00+08:00');
const verdict = decide(call(), goodFacts({ consents: [] }), loadPacks().get('cn')!, at);

function events(from: number, count: number): TrailEvent[] {
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
    return decisionEvent(toRow(record));
  });
}

export async function auditBench(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-audit-bench-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', INSTANCE_ID: 'bench' });
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
    const appendMs = Date.now() - started;
    console.log(`audit trail: ${RECORDS.toLocaleString('en')} decision events (mean payload ${Math.round(bytes / RECORDS)} bytes) appended on SQLite at ${rate(RECORDS, appendMs)} (hash-chained, ${BATCH} per append)`);

    let t = Date.now();
    const verified = await verifyDatabase(db);
    console.log(`audit verify (database, ${verified.chains.length} chains): ${rate(verified.records, Date.now() - t)}, ok=${verified.ok}`);

    const rssBefore = rssMb();
    t = Date.now();
    const manifest = await createExport(db, audit, dataDir, { filter: {}, format: 'ndjson', pseudonymise: false, exportedBy: { subject: 'bench', role: 'admin', tenantId: null } });
    const exportMs = Date.now() - t;
    const file = path.join(exportDir(dataDir), manifest.file.name);
    console.log(
      `audit export (NDJSON, full trail): ${rate(manifest.counts.records, exportMs)}, ${(manifest.file.bytes / 1_048_576).toFixed(0)} MB written, ` +
        `process RSS ${rssBefore} before, ${rssMb()} after`,
    );

    t = Date.now();
    const report = await verifyExportFile(file, manifest, [audit.signer.publicKeyPem]);
    console.log(`audit verify (export file, offline): ${rate(report.records, Date.now() - t)}, ok=${report.ok}`);

    t = Date.now();
    const one = await createExport(db, audit, dataDir, { filter: { callee: '+8613800000042' }, format: 'ndjson', pseudonymise: false, exportedBy: { subject: 'bench', role: 'admin', tenantId: null } });
    console.log(`audit export of one callee: ${one.counts.records} records, ${one.counts.omitted.toLocaleString('en')} omitted, in ${Date.now() - t} ms`);
  } finally {
    await db.destroy();
    if (!process.env.AUDIT_BENCH_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
    else console.log(dataDir);
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
