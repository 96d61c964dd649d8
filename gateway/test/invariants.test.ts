import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import knex, { type Knex } from 'knex';
import { freshConfig } from './support/db';
import { allDayPolicyDir, type World } from './support/gateway';
import { sharedSecret, spawnGateway, type GatewayProcess } from './support/process';

// The project's own MariaDB helper (plain JS, shared with the test command).
const { startMariaDb } = require('../../scripts/mariadb');

let calleeSeq = 0;
const nextCallee = () => `+86137${String(10000000 + ++calleeSeq).slice(-8)}`;

/** DEVELOPERS.md invariants, on MariaDB with two gateway processes sharing one database. */
describe('invariants across two gateway instances on MariaDB', () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  let db: Knex;
  let world: World;
  let env: { DATABASE_URL: string; JWT_SECRET: string; POLICY_DIR: string; AUDIT_SIGNING_KEY_FILE: string; AUDIT_CHECKPOINT_INTERVAL: string };

  before(async () => {
    const config = await freshConfig('mariadb');
    // Instances share one audit signing key, as in production: each verifies the other's checkpoints.
    const keyFile = path.join(config.dataDir, 'shared-audit-key.pem');
    fs.writeFileSync(keyFile, crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    env = { DATABASE_URL: config.databaseUrl!, JWT_SECRET: sharedSecret(), POLICY_DIR: allDayPolicyDir(), AUDIT_SIGNING_KEY_FILE: keyFile, AUDIT_CHECKPOINT_INTERVAL: '1' };
    a = await spawnGateway({ ...env, INSTANCE_ID: 'gw-a' });
    b = await spawnGateway({ ...env, INSTANCE_ID: 'gw-b' });
    db = knex({ client: 'mysql2', connection: { uri: config.databaseUrl } as never });
    world = await a.client.seed();
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.destroy();
  });

  it('50 concurrent decisions for one callee under a cap of 3, split over both instances, allow exactly 3', async () => {
    // Several callees at once, so that batches on the two instances overlap in time: without the
    // row locks, some callee gets more than 3 calls.
    const callees = Array.from({ length: 8 }, nextCallee);
    for (const callee of callees) await a.client.consent(world, callee);
    const rounds = await Promise.all(
      callees.map((callee) => Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).client.decide(world, callee)))),
    );
    for (const [index, answers] of rounds.entries()) {
      const callee = callees[index];
      assert.ok(answers.every((r) => r.statusCode === 200), answers.map((r) => r.body).join('\n'));
      assert.equal(answers.filter((r) => r.json().allow).length, 3, `allowed calls to ${callee}`);
      const reasons = new Set(answers.filter((r) => !r.json().allow).flatMap((r) => r.json().reasons.map((x: { code: string }) => x.code)));
      assert.deepEqual([...reasons], ['FREQUENCY_CAP_EXCEEDED']);
      const [{ n }] = await db('call_attempts').where({ callee }).count({ n: '*' });
      assert.equal(Number(n), 3);
      const [{ m }] = await db('decisions').where({ callee }).count({ m: '*' });
      assert.equal(Number(m), 50);
    }
  });

  it('an opt-out acknowledged on one instance denies the very next decision on the other', async () => {
    for (let i = 0; i < 20; i++) {
      const callee = nextCallee();
      await a.client.consent(world, callee);
      const receipt = await a.client.ok('/v1/opt-outs', world.dialer, { callee, scope: 'tenant', source: 'api' });
      assert.match(receipt.id, /^opt_/);
      const next = (await b.client.decide(world, callee)).json();
      assert.equal(next.allow, false, `iteration ${i}: ${JSON.stringify(next)}`);
      assert.deepEqual(next.reasons.map((r: { code: string }) => r.code), ['OPTED_OUT']);
    }
  });

  it('a gateway killed with SIGKILL during a load loses no decision it had answered', async () => {
    const victim = await spawnGateway({ ...env, INSTANCE_ID: 'gw-victim' });
    const answered: string[] = [];
    let killed = false;
    const worker = async () => {
      while (!killed) {
        try {
          const res = await victim.client.decide(world, nextCallee());
          if (res.statusCode === 200) answered.push(res.json().id);
        } catch {
          return; // the connection died with the process
        }
        if (answered.length >= 400 && !killed) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    await victim.stop();
    assert.ok(answered.length >= 400);
    const stored = new Set<string>();
    for (let i = 0; i < answered.length; i += 500) {
      for (const row of await db('decisions').whereIn('id', answered.slice(i, i + 500)).select('id')) stored.add(row.id);
    }
    const lost = answered.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} answered decisions were lost`);
    const traced = new Set<string>();
    for (let i = 0; i < answered.length; i += 500) {
      for (const row of await db('audit_events').where({ type: 'decision' }).whereIn('subject_id', answered.slice(i, i + 500)).select('subject_id')) traced.add(row.subject_id);
    }
    assert.equal(traced.size, answered.length, 'every answered decision has its trail event');
  });

  it('after concurrent load from both instances, every chain verifies, with one trail event per decision', async () => {
    const callees = Array.from({ length: 40 }, nextCallee);
    const answers = await Promise.all(callees.map((callee, i) => (i % 2 ? a : b).client.decide(world, callee)));
    assert.ok(answers.every((r) => r.statusCode === 200), answers.map((r) => r.body).join('\n'));
    await Promise.all(callees.map((callee, i) => (i % 2 ? b : a).client.ok('/v1/opt-outs', world.dialer, { callee, scope: 'tenant', source: 'api' })));
    const report = (await a.client.call('POST', '/v1/audit/verify', a.client.admin)).json();
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    const chains: string[] = report.chains.map((c: { chain: string }) => c.chain);
    assert.ok(chains.some((c) => c.startsWith('gw-a/d')) && chains.some((c) => c.startsWith('gw-b/d')), chains.join(', '));
    const [{ n }] = await db('decisions').count({ n: '*' });
    const [{ m }] = await db('audit_events').where({ type: 'decision' }).count({ m: '*' });
    assert.equal(Number(m), Number(n), 'one trail event per decision');
  });
});

describe('fail closed when the database is down (MariaDB stopped)', () => {
  let server: { url: string; pause(): Promise<void>; resume(): Promise<void>; stop(): Promise<void> };
  let gw: GatewayProcess;
  let db: Knex;

  before(async () => {
    server = await startMariaDb();
    const admin = knex({ client: 'mysql2', connection: { uri: server.url } as never });
    await admin.raw('CREATE DATABASE callgate CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.destroy();
    gw = await spawnGateway({ DATABASE_URL: `${server.url}callgate`, JWT_SECRET: sharedSecret(), POLICY_DIR: allDayPolicyDir(), INSTANCE_ID: 'gw-closed' });
    db = knex({ client: 'mysql2', connection: { uri: `${server.url}callgate` } as never, pool: { min: 0, max: 2 } });
  });

  after(async () => {
    await gw?.stop();
    await db?.destroy();
    await server?.stop();
  });

  it('denies with GATEWAY_UNAVAILABLE while the database is down, keeps those decisions and stores them once it is back', async () => {
    const world = await gw.client.seed();
    const callee = nextCallee();
    await gw.client.consent(world, callee);
    assert.equal((await gw.client.decide(world, callee)).json().allow, true);

    await server.pause();
    const denied = await Promise.all([1, 2, 3].map(() => gw.client.decide(world, callee)));
    for (const res of denied) {
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().allow, false);
      assert.deepEqual(res.json().reasons.map((r: { code: string }) => r.code), ['GATEWAY_UNAVAILABLE']);
    }
    const health = await gw.client.call('GET', '/health', null);
    assert.equal(health.statusCode, 503);
    assert.equal(health.json().spooledDecisions, 3);

    await server.resume();
    const ids = denied.map((r) => r.json().id);
    const deadline = Date.now() + 45_000;
    let stored: string[] = [];
    while (Date.now() < deadline) {
      try {
        stored = await db('decisions').whereIn('id', ids).pluck('id');
      } catch {
        stored = [];
      }
      if (stored.length === ids.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(stored.sort(), [...ids].sort());
    const traced = await db('audit_events').where({ type: 'decision' }).whereIn('subject_id', ids).pluck('subject_id');
    assert.deepEqual(traced.sort(), [...ids].sort(), 'spooled decisions get their trail events when stored');
    assert.equal((await gw.client.decide(world, callee)).json().allow, true, 'decides again once the database is back');
  });
});
