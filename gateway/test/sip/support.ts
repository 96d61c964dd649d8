import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../support/db';
import { startTestGateway, type TestGateway, type World } from '../support/gateway';
import { freePort } from '../support/process';
import { startSip, type SipService } from '../../src/sip/service';
import { addSipDialer } from '../../src/storage/sip-dialers';

export const SIPP = '/usr/bin/sipp';
export const SCENARIOS = path.join(__dirname, 'sipp');
export const CALLEE = '+8613800138000';
export const UNCONSENTED = '+8613900139000';

const silent = { warn: () => undefined, error: () => undefined, debug: () => undefined };

export interface SipGateway {
  gw: TestGateway;
  sip: SipService;
  port: number;
  trunkPort: number;
  world: World;
  close(): Promise<void>;
}

/**
 * A gateway in this process with its SIP proxy on loopback (UDP and TCP on one free port), a seeded
 * tenant whose dialer address is 127.0.0.1, consent from CALLEE, and T1 = 50 ms so timeouts are short.
 */
export async function startSipGateway(engine: Engine, options: { trunk?: 'udp' | 'tcp' | 'tls'; env?: Record<string, string>; tlsPort?: number } = {}): Promise<SipGateway> {
  const port = await freePort();
  const trunkPort = await freePort();
  const gw = await startTestGateway(engine, {
    SIP_LISTEN: `udp:127.0.0.1:${port},tcp:127.0.0.1:${port}${options.tlsPort ? `,tls:127.0.0.1:${options.tlsPort}` : ''}`,
    SIP_TRUNK: `sip:127.0.0.1:${trunkPort};transport=${options.trunk ?? 'udp'}`,
    SIP_T1_MS: '50',
    ...options.env,
  });
  const sip = await startSip(gw.gate, gw.gate.config.sip!, silent);
  const world = await gw.seed();
  await gw.consent(world, CALLEE);
  await addSipDialer(gw.gate.db, { tenantId: world.tenantId, source: '127.0.0.1' }, 'test');
  await sip.dialers.reload();
  return {
    gw,
    sip,
    port,
    trunkPort,
    world,
    async close() {
      await sip.close();
      await gw.close();
    },
  };
}

export interface SippResult {
  code: number | null;
  output: string;
  errors: string;
  messages: string;
  logs: string;
}

export interface SippProcess {
  done: Promise<SippResult>;
  kill(): void;
}

/**
 * Runs sipp with a scenario of ours, bounded by -timeout, its traces in a private folder.
 * `{{name}}` placeholders in the scenario (where sipp's own -key cannot reach, such as an expected
 * response code) are filled from `fill`.
 */
export function sipp(scenario: string, args: string[], fill: Record<string, string> = {}): SippProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sipp-'));
  const text = fs.readFileSync(path.join(SCENARIOS, scenario), 'latin1').replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (fill[name] === undefined) throw new Error(`scenario ${scenario} needs a value for {{${name}}}`);
    return fill[name];
  });
  const file = path.join(dir, scenario);
  fs.writeFileSync(file, text, 'latin1');
  const files = { errors: path.join(dir, 'errors.log'), messages: path.join(dir, 'messages.log'), logs: path.join(dir, 'logs.log') };
  const child = spawn(SIPP, ['-sf', file, '-nostdin', '-trace_err', '-error_file', files.errors, '-trace_msg', '-message_file', files.messages, '-trace_logs', '-log_file', files.logs, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'latin1') : '');
  const done = new Promise<SippResult>((resolve) => {
    child.on('close', (code) => resolve({ code, output: output.slice(-4000), errors: read(files.errors), messages: read(files.messages), logs: read(files.logs) }));
  });
  return { done, kill: () => child.exitCode === null && child.kill('SIGKILL') };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CallSetup {
  transport: 'u1' | 't1';
  /** The trunk's transport when it differs from the dialer's. */
  trunkTransport?: 'u1' | 't1';
  dialer: string;
  trunk: string | null;
  calls?: number;
  keys?: Record<string, string>;
  /** The callees, one per call in turn (CSV fields [field0]); CALLEE by default. */
  callees?: string[];
  /** The display number presented ([field1]); the seeded tenant's by default. */
  caller?: string;
  fill?: Record<string, string>;
  /** Placeholders of the trunk scenario; {{linger}}: how long the trunk stays in the call after its last 200. */
  trunkFill?: Record<string, string>;
  dialerArgs?: string[];
  trunkArgs?: string[];
  dialerAddress?: string;
  /** How long the trunk may take to finish after the dialer; short when it should receive nothing. */
  trunkWaitMs?: number;
}

/** A sipp trunk on the gateway's trunk port and a sipp dialer calling through the gateway. */
export async function placeCalls(g: Pick<SipGateway, "port" | "trunkPort" | "world">, setup: CallSetup): Promise<{ dialer: SippResult; trunk: SippResult | null }> {
  const calls = String(setup.calls ?? 1);
  const trunkFill = { linger: '1000', ...setup.trunkFill };
  const trunk = setup.trunk ? sipp(setup.trunk, ['-i', '127.0.0.1', '-p', String(g.trunkPort), '-t', setup.trunkTransport ?? setup.transport, '-m', calls, '-timeout', '20s', '-timeout_error', ...(setup.trunkArgs ?? [])], trunkFill) : null;
  await sleep(300);
  const dialerPort = await freePort();
  const keys = { campaign: g.world.campaignId, ...setup.keys };
  const callees = setup.callees ?? [CALLEE];
  const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sipp-')), 'calls.csv');
  fs.writeFileSync(csv, ['SEQUENTIAL', ...callees.map((c) => `${c};${setup.caller ?? g.world.caller};`)].join('\n') + '\n');
  const fill = { expect: '200', maxforwards: '70', extra: 'X-Test: none', ...setup.fill };
  const dialer = sipp(setup.dialer, [
    `127.0.0.1:${g.port}`, '-i', setup.dialerAddress ?? '127.0.0.1', '-p', String(dialerPort), '-t', setup.transport, '-m', calls, '-r', '10', '-timeout', '20s', '-timeout_error',
    '-inf', csv,
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
    ...(setup.dialerArgs ?? []),
  ], fill);
  try {
    const dialerResult = await dialer.done;
    const trunkResult = trunk ? await Promise.race([trunk.done, sleep(setup.trunkWaitMs ?? 8000).then(() => null)]) : null;
    if (trunk && !trunkResult) {
      trunk.kill();
      return { dialer: dialerResult, trunk: await trunk.done };
    }
    return { dialer: dialerResult, trunk: trunkResult };
  } finally {
    dialer.kill();
    trunk?.kill();
  }
}

export const describeRun = (r: SippResult | null) => (r ? `exit ${r.code}\n${r.errors}\n${r.output}\n${r.logs}` : 'not run');
