import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { HttpGateway } from './gateway';

// The test command's own helper (plain JS), so that tests, bench and the test command pick ports alike.
export const freePort: () => Promise<number> = require('../../../scripts/mariadb').freePort;

/** Waits until `probe` says a process we started answers; fails fast when it dies. */
export async function waitUntilReady(child: ChildProcess, probe: () => Promise<boolean>, describe: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}: ${describe()}`);
    if (Date.now() > deadline) throw new Error(`not ready in ${timeoutMs / 1000} s: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sharedSecret = () => crypto.randomBytes(32).toString('hex');

export interface GatewayProcess {
  client: HttpGateway;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `callgate serve` as its own process, as an operator would, and waits until it is healthy. */
export async function spawnGateway(env: { DATABASE_URL: string; JWT_SECRET: string; POLICY_DIR: string; INSTANCE_ID: string }): Promise<GatewayProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `callgate-${env.INSTANCE_ID}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'gateway/src/cli.ts'), 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const client = new HttpGateway(`http://127.0.0.1:${port}`, env.JWT_SECRET);
  await waitUntilReady(child, async () => (await client.call('GET', '/health', null)).statusCode === 200, () => `gateway ${env.INSTANCE_ID}: ${output}`);
  return {
    client,
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
