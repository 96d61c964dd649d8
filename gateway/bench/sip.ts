/**
 * SIP figures for `npm run bench`: complete calls per second (INVITE, 200, ACK, BYE, 200) from a
 * sipp dialer through the gateway's SIP proxy to a sipp trunk on loopback, every compliance check
 * on and every decision recorded, on SQLite and on MariaDB; then the same sipp load through a plain
 * Kamailio stateful proxy when Kamailio is installed, and the ratio. Figures, never assertions.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { loadConfig, type Config } from '../src/config';
import { projectRoot } from '../src/paths';
import { connect, type Db } from '../src/storage/db';
import { addSipDialer } from '../src/storage/sip-dialers';
import { allDayPolicyDir } from '../test/support/gateway';
import { freePort, waitUntilReady } from '../test/support/process';
import { callee, displayNumber, NUMBERS, seedBenchWorld, type BenchWorld } from './seed';

const { startMariaDb } = require('../../scripts/mariadb');
const { ensureDebianBinary } = require('../../scripts/debian');

const CALLS = Number(process.env.BENCH_SIP_CALLS ?? 3000);
const CONCURRENT = Number(process.env.BENCH_SIP_CONCURRENT ?? 100);
const RECV_BUFFER = 4 * 1024 * 1024;
const KAMAILIO = '/usr/sbin/kamailio';
const SCENARIOS = path.join(__dirname, 'sipp');


/** A verified tenant with 100 verified numbers, consent from every callee, and 127.0.0.1 as its dialer. */
async function seed(config: Config): Promise<string> {
  const more = (db: Db, world: BenchWorld) => addSipDialer(db, { tenantId: world.tenantId, source: '127.0.0.1', defaultCampaignId: world.campaignId }, 'bench').then(() => undefined);
  return (await seedBenchWorld(config, { callees: CALLS, consentIdPrefix: 'cns_sip_', more })).campaignId;
}

/** Every child still running, stopped with its group when the bench exits however it ends (Ctrl-C too). */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => signalGroup(child, 'SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

function spawnQuiet(cmd: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  // Each in a process group of its own, so that stopping it also stops the workers it forks (Kamailio's).
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  return { child, output: () => output };
}

/** Signals the child's whole process group (spawnQuiet makes one per child). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal); // the group is gone already, or never formed
  }
}

const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(child, 'SIGKILL'); // the leader is gone; its forked workers may not be
    return resolve();
  }
  child.once('exit', () => {
    signalGroup(child, 'SIGKILL');
    resolve();
  });
  signalGroup(child, signal);
  if (signal !== 'SIGKILL') setTimeout(() => signalGroup(child, 'SIGKILL'), 5000).unref();
});

interface LoadResult {
  seconds: number;
  successful: number;
  failed: number;
  retransmissions: number;
}

/** One bounded sipp run: CALLS calls, at most CONCURRENT at a time, as fast as the proxy completes them. */
async function sippLoad(sipp: string, proxyPort: number, trunkPort: number, campaignId: string): Promise<LoadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sipbench-'));
  const csv = path.join(dir, 'calls.csv');
  fs.writeFileSync(csv, ['SEQUENTIAL', ...Array.from({ length: CALLS }, (_, i) => `${callee(i)};${displayNumber(i % NUMBERS)};`)].join('\n') + '\n');
  const common = ['-nostdin', '-t', 'u1', '-buff_size', String(RECV_BUFFER), '-timeout', '120s', '-max_recv_loops', '2000'];
  const trunk = spawnQuiet(sipp, ['-sf', path.join(SCENARIOS, 'trunk.xml'), '-i', '127.0.0.1', '-p', String(trunkPort), ...common]);
  await new Promise((r) => setTimeout(r, 500));
  const dialerPort = await freePort();
  const started = process.hrtime.bigint();
  const dialer = spawnQuiet(sipp, [
    `127.0.0.1:${proxyPort}`, '-sf', path.join(SCENARIOS, 'dialer.xml'), '-inf', csv, '-key', 'campaign', campaignId,
    '-i', '127.0.0.1', '-p', String(dialerPort), '-r', '100000', '-l', String(CONCURRENT), '-m', String(CALLS), ...common,
  ]);
  await new Promise((resolve) => dialer.child.once('exit', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await stop(trunk.child);
  const out = dialer.output();
  const counter = (name: string) => Number(new RegExp(`${name}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`).exec(out)?.[1] ?? NaN);
  const retrans = [...out.matchAll(/^\s+(?:INVITE|BYE) ---------->\s+\d+\s+(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { seconds, successful: counter('Successful call'), failed: counter('Failed call'), retransmissions: retrans };
}

function rssMb(pid: number): string {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return `peak RSS ${(kb / 1024).toFixed(0)} MB`;
  } catch {
    return 'RSS n/a';
  }
}

function describe(label: string, r: LoadResult, extra = ''): number {
  const cps = r.successful / r.seconds;
  console.log(
    `${label}: ${cps.toFixed(0)} complete calls/s (${r.successful} calls in ${r.seconds.toFixed(2)} s, ${CONCURRENT} concurrent), failed ${r.failed}, ` +
      `INVITE/BYE retransmissions ${r.retransmissions}${extra ? ', ' + extra : ''}`,
  );
  return cps;
}

async function callgateRun(label: string, sipp: string, env: Record<string, string>): Promise<number> {
  const config = loadConfig(env);
  const campaignId = await seed(config);
  const [httpPort, sipPort, trunkPort] = [await freePort(), await freePort(), await freePort()];
  // BENCH_NODE_ARGS (e.g. --cpu-prof) goes to the gateway's node, to see where its time goes.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The compiled gateway, as `npm start` runs it (sipBench builds it first).
  const gateway = spawnQuiet(process.execPath, [...nodeArgs, path.join(projectRoot(), 'dist/gateway/src/cli.js'), 'serve'], {
    ...env, PORT: String(httpPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
    SIP_LISTEN: `udp:127.0.0.1:${sipPort}`, SIP_TRUNK: `sip:127.0.0.1:${trunkPort}`, SIP_RECV_BUFFER: String(RECV_BUFFER),
  });
  try {
    await waitUntilReady(gateway.child, async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).status === 200, gateway.output);
    const result = await sippLoad(sipp, sipPort, trunkPort, campaignId);
    await new Promise((r) => setTimeout(r, 600)); // the last outcomes are written in batches
    const db = connect(config);
    const [{ n }] = await db('decisions').count({ n: '*' });
    const [{ allowed }] = await db('decisions').where({ allow: true }).count({ allowed: '*' });
    const [{ outcomes }] = await db('call_outcomes').count({ outcomes: '*' });
    await db.destroy();
    return describe(label, result, `${n} decisions recorded (${allowed} allowed), ${outcomes} outcomes recorded, gateway ${rssMb(gateway.child.pid!)}`);
  } finally {
    await stop(gateway.child, 'SIGTERM');
  }
}

async function kamailioRun(sipp: string): Promise<number | null> {
  try {
    // The peer is installed from Debian's packages like sipp, so that every run prints the ratio.
    ensureDebianBinary([KAMAILIO], ['kamailio']);
  } catch (error) {
    console.log(`plain Kamailio stateful proxy: cannot be installed (Debian package kamailio: ${(error as Error).message}), no comparison`);
    return null;
  }
  const [port, trunkPort] = [await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-kamailio-'));
  const cfg = path.join(dir, 'kamailio.cfg');
  fs.writeFileSync(cfg, fs.readFileSync(path.join(__dirname, 'kamailio.cfg'), 'utf8').replaceAll('__LISTEN__', `127.0.0.1:${port}`).replaceAll('__TRUNK__', `127.0.0.1:${trunkPort}`));
  const kamailio = spawnQuiet(KAMAILIO, ['-f', cfg, '-DD', '-E', '-m', '256', '-M', '16', '-w', dir, '-P', path.join(dir, 'kamailio.pid'), '-b', String(RECV_BUFFER)]);
  try {
    await new Promise((r) => setTimeout(r, 1500));
    if (kamailio.child.exitCode !== null) {
      console.log(`plain Kamailio stateful proxy: did not start: ${kamailio.output().slice(-500)}`);
      return null;
    }
    return describe('plain Kamailio 5 stateful proxy (tm, record-route, no policy)', await sippLoad(sipp, port, trunkPort, 'none'));
  } finally {
    await stop(kamailio.child);
  }
}

export async function sipBench(only: string | undefined = process.env.BENCH_SIP_ONLY): Promise<void> {
  const sipp = ensureDebianBinary(['/usr/bin/sipp'], ['sip-tester']);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(projectRoot(), 'tsconfig.json')], { stdio: 'inherit' });
  console.log(`SIP: ${CALLS} calls per run through each proxy, sipp dialer and trunk on loopback, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (only === 'kamailio') return void (await kamailioRun(sipp));
  if (only === 'sqlite') return void (await callgateRun('SIP proxy, every check on, SQLite', sipp, { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sipbench-')), POLICY_DIR: allDayPolicyDir() }));
  const policyDir = allDayPolicyDir();
  const sqlite = await callgateRun('SIP proxy, every check on, SQLite', sipp, { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sipbench-')), POLICY_DIR: policyDir });
  const mariadb = await startMariaDb();
  let maria: number;
  try {
    const admin = knex({ client: 'mysql2', connection: { uri: mariadb.url } as never });
    await admin.raw('CREATE DATABASE callgate_sipbench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.destroy();
    maria = await callgateRun('SIP proxy, every check on, MariaDB', sipp, { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sipbench-')), POLICY_DIR: policyDir, DATABASE_URL: `${mariadb.url}callgate_sipbench` });
  } finally {
    await mariadb.stop();
  }
  const kamailio = await kamailioRun(sipp);
  if (kamailio) console.log(`callgate / Kamailio: ${(sqlite / kamailio).toFixed(2)} on SQLite, ${(maria / kamailio).toFixed(2)} on MariaDB (CPU shared with other work on this machine: figures are noisy)`);
}

if (require.main === module) {
  sipBench().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
