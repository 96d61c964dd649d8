import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/paths';
import { HttpGateway, allDayPolicyDir, type World } from '../support/gateway';
import { freePort, sharedSecret, waitUntilReady } from '../support/process';
import { CALLEE, describeRun, placeCalls, UNCONSENTED } from './support';

const run = promisify(execFile);
const CLI = path.join(projectRoot(), 'gateway/src/cli.ts');

describe('`callgate serve` with SIP configured, as an operator runs it', () => {
  let child: ChildProcess;
  let output = '';
  let env: Record<string, string>;
  let g: { port: number; trunkPort: number; world: World };
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env } });

  before(async () => {
    const [httpPort, sipPort, trunkPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-serve-sip-')),
      POLICY_DIR: allDayPolicyDir(),
      JWT_SECRET: sharedSecret(),
      PORT: String(httpPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SIP_LISTEN: `udp:127.0.0.1:${sipPort},tcp:127.0.0.1:${sipPort}`,
      SIP_TRUNK: `sip:127.0.0.1:${trunkPort};transport=udp`,
      SIP_DIALER_REFRESH_MS: '200',
    };
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const client = new HttpGateway(`http://127.0.0.1:${httpPort}`, env.JWT_SECRET);
    await waitUntilReady(child, async () => (await client.call('GET', '/health', null)).statusCode === 200, () => output);
    const world = await client.seed();
    await client.consent(world, CALLEE);
    const added = JSON.parse((await cli('sip-dialer', 'add', '--tenant', world.tenantId, '--source', '127.0.0.0/8', '--by', 'ops@example.com')).stdout);
    assert.equal(added.source, '127.0.0.0/8');
    await new Promise((r) => setTimeout(r, 600)); // the running gateway reloads the allow-list
    g = { port: sipPort, trunkPort, world };
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('a sipp dialer and trunk complete an allowed call through it, and a denied call is refused with its reasons', async () => {
    const allowed = await placeCalls(g, { transport: 'u1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml' });
    assert.equal(allowed.dialer.code, 0, describeRun(allowed.dialer) + output);
    assert.equal(allowed.trunk?.code, 0, describeRun(allowed.trunk));
    const denied = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', callees: [UNCONSENTED], fill: { expect: '403' }, trunkWaitMs: 300 });
    assert.equal(denied.dialer.code, 0, describeRun(denied.dialer));
    assert.match(denied.dialer.logs, /X-Callgate-Reasons: NO_CONSENT/);
    assert.doesNotMatch(denied.trunk!.messages, /INVITE/);
  });

  it('the CLI lists dialers and refuses a source that is no address', async () => {
    const listed = JSON.parse((await cli('sip-dialer', 'list')).stdout);
    assert.deepEqual(listed.map((d: { source: string }) => d.source), ['127.0.0.0/8']);
    await assert.rejects(cli('sip-dialer', 'add', '--tenant', g.world.tenantId, '--source', '10.0.0.300/8'), /not an IP address or a network/);
  });

  it('refuses to start with a SIP configuration error, naming the variable', async () => {
    await assert.rejects(run(process.execPath, ['--import', 'tsx', CLI, 'migrate'], { env: { ...process.env, ...env, SIP_DENY_STATUS: '404' } }), /SIP_DENY_STATUS must be one of 403, 603/);
    await assert.rejects(run(process.execPath, ['--import', 'tsx', CLI, 'migrate'], { env: { ...process.env, ...env, SIP_TRUNK: 'sip:trunk.example.com;transport=sctp' } }), /SIP_TRUNK transport must be udp, tcp or tls/);
    await assert.rejects(run(process.execPath, ['--import', 'tsx', CLI, 'migrate'], { env: { ...process.env, ...env, SIP_LISTEN: `${env.SIP_LISTEN},tls:127.0.0.1:5061` } }), /needs SIP_TLS_CERT_FILE and SIP_TLS_KEY_FILE/);
  });
});
