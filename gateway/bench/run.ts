/**
 * `npm run bench`: figures, never assertions. Prints the engine's cost per decision, the ceiling of
 * a bare fastify JSON POST, and POST /v1/decisions throughput and latency on SQLite and on MariaDB,
 * every decision durably recorded, with the gateway's resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import knex from 'knex';
import { mintToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { decide } from '../src/engine/engine';
import { loadPacks } from '../src/policy/loader';
import { projectRoot } from '../src/paths';
import { call, goodFacts } from '../test/support/facts';
import { allDayPolicyDir } from '../test/support/gateway';
import { freePort, waitUntilReady } from '../test/support/process';
import { connect } from '../src/storage/db';
import { callee, displayNumber, NUMBERS, seedBenchWorld } from './seed';

const { startMariaDb } = require('../../scripts/mariadb');

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const CALLEES = 20_000;
const SECRET = 'bench-secret-bench-secret-bench-secret-0000';

function engineBench(): void {
  const policy = loadPacks().get('cn')!;
  const at = Date.parse('2026-03-10T10:00:00+08:00');
  const facts = goodFacts({ calleeAttempts: [1, 2].map((m) => ({ at: at - m * 60_000, tenantId: 't1', caller: '+862161234567' })) });
  for (let i = 0; i < 20_000; i++) decide(call(), facts, policy, at);
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) decide(call(), facts, policy, at);
  const perCall = Number(process.hrtime.bigint() - start) / n / 1000;
  const denied = goodFacts({ consents: [] });
  const startDenied = process.hrtime.bigint();
  for (let i = 0; i < n; i++) decide(call(), denied, policy, at + 12 * 3_600_000);
  const perDenied = Number(process.hrtime.bigint() - startDenied) / n / 1000;
  console.log(`engine alone (CN pack, 12 rules): ${perCall.toFixed(2)} µs per allowed decision, ${perDenied.toFixed(2)} µs per denial with nextAllowedAt search`);
}

function rssMb(pid: number): string {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? 0);
    return `RSS ${(kb('VmRSS') / 1024).toFixed(0)} MB, peak ${(kb('VmHWM') / 1024).toFixed(0)} MB`;
  } catch {
    return 'RSS n/a';
  }
}

/** Starts a server process and waits until `probe` says it answers. */
async function startProcess(args: string[], env: Record<string, string>, probe: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (d) => (errors += d));
  await waitUntilReady(child, probe, () => errors);
  return child;
}

const answers = (url: string, init?: RequestInit) => async () => (await fetch(url, init)).status < 500;

async function load(url: string, headers: Record<string, string>, body: () => string) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  return result;
}

function report(label: string, r: autocannon.Result, extra = ''): void {
  const errors = r.errors + r.timeouts + r.non2xx;
  console.log(
    `${label}: ${Math.round(r.requests.average)} req/s (${r.requests.total} in ${r.duration.toFixed(1)} s, ${CONNECTIONS} connections), ` +
      `latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, non-2xx/errors ${errors}${extra ? ', ' + extra : ''}`,
  );
}

async function baseline(): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/echo`;
  const child = await startProcess(['--import', 'tsx', path.join(__dirname, 'bare-server.ts')], { PORT: String(port) }, answers(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
  try {
    report('bare fastify JSON POST (ceiling)', await load(url, {}, () => '{"callee":"+8613800138000"}'));
  } finally {
    child.kill('SIGKILL');
  }
}


async function gatewayBench(label: string, env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  const { campaignId, tenantId } = await seedBenchWorld(config, { callees: CALLEES, consentIdPrefix: 'cns_bench_' });
  const port = await freePort();
  const child = await startProcess(
    ['--import', 'tsx', path.join(projectRoot(), 'gateway/src/cli.ts'), 'serve'],
    { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', JWT_SECRET: SECRET },
    answers(`http://127.0.0.1:${port}/health`),
  );
  try {
    const token = mintToken(SECRET, { role: 'dialer', tenantId, subject: 'bench' }, 3600);
    let i = 0;
    const result = await load(`http://127.0.0.1:${port}/v1/decisions`, { authorization: `Bearer ${token}` }, () => {
      const n = i++ % CALLEES;
      return JSON.stringify({ campaignId, callee: callee(n), caller: displayNumber(n % NUMBERS) });
    });
    const db = connect(config);
    const [{ n }] = await db('decisions').count({ n: '*' });
    const [{ allowed }] = await db('decisions').where({ allow: true }).count({ allowed: '*' });
    const batches = await db('decisions').select('timing').orderBy('decided_at', 'desc').limit(2000);
    await db.destroy();
    const sizes = batches.map((b) => JSON.parse(b.timing).batchSize as number);
    const meanBatch = sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
    report(label, result, `${n} decisions recorded (${allowed} allowed), mean batch ${meanBatch.toFixed(1)}, gateway ${rssMb(child.pid!)}`);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Sections by name; BENCH_ONLY=decisions,sip (for example) runs those alone, on a machine left quiet. */
const SECTIONS: Record<string, () => Promise<void>> = {
  engine: async () => engineBench(),
  admin: () => require('./what-if').adminBench(),
  registry: async () => (await import('./registry')).registryBench(),
  decisions: decisionsBench,
  audit: async () => (await import('./audit')).auditBench(),
  sip: () => (require('./sip') as typeof import('./sip')).sipBench(),
  fuzz: async () => (await import('./fuzz')).fuzzBench(),
  checkpoints: checkpointsBench,
  abuse: async () => (await import('./abuse')).abuseBench(),
};

/** Decisions per second with the checkpoint job off and every second, runs alternated on fresh SQLite databases. */
async function checkpointsBench(): Promise<void> {
  const policyDir = allDayPolicyDir();
  for (const round of [1, 2]) {
    for (const interval of ['0', '1']) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-'));
      const label = `POST /v1/decisions on SQLite, checkpoints ${interval === '0' ? 'off' : 'every second'} (round ${round})`;
      await gatewayBench(label, { DATA_DIR: dir, POLICY_DIR: policyDir, AUDIT_CHECKPOINT_INTERVAL: interval });
      const db = connect(loadConfig({ DATA_DIR: dir }));
      const [{ n }] = await db('audit_checkpoints').count({ n: '*' });
      const [{ size }] = await db('audit_checkpoints').max({ size: 'size' });
      await db.destroy();
      if (interval !== '0') console.log(`  ${n} checkpoints signed, the last over ${size ?? 0} records`);
    }
  }
}

async function decisionsBench(): Promise<void> {
  await baseline();
  const policyDir = allDayPolicyDir();
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-'));
  await gatewayBench('POST /v1/decisions on SQLite', { DATA_DIR: sqliteDir, POLICY_DIR: policyDir });
  await (await import('./hot-path')).hotPathBench();
  const mariadb = await startMariaDb();
  try {
    const admin = knex({ client: 'mysql2', connection: { uri: mariadb.url } as never });
    await admin.raw('CREATE DATABASE callgate_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.destroy();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-'));
    await gatewayBench('POST /v1/decisions on MariaDB', { DATA_DIR: dataDir, POLICY_DIR: policyDir, DATABASE_URL: `${mariadb.url}callgate_bench` });
  } finally {
    await mariadb.stop();
  }
}

async function main(): Promise<void> {
  console.log(`callgate bench on ${os.cpus().length} cores, node ${process.version}; ${DURATION_S} s per HTTP run`);
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim()) : Object.keys(SECTIONS);
  const unknown = only.filter((name) => !SECTIONS[name]);
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names no section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`);
  for (const name of only) await SECTIONS[name]();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
