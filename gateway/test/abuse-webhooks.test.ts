import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config';
import { deliverWebhooks, MAX_ATTEMPTS, retryDelayMs, signWebhook } from '../src/jobs/abuse-webhooks';
import { projectRoot } from '../src/paths';
import { ENGINES } from './support/db';
import { allDayPolicyDir, startTestGateway, type TestGateway, type World } from './support/gateway';

const SECRET = crypto.randomBytes(24).toString('hex');

function policyDir(): string {
  const dir = allDayPolicyDir();
  const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'policies', 'abuse', 'thresholds.json'), 'utf8'));
  for (const t of shipped.thresholds) t.count = t.subject === 'tenant' ? 50 : 5;
  fs.mkdirSync(path.join(dir, 'abuse'));
  fs.writeFileSync(path.join(dir, 'abuse', 'thresholds.json'), JSON.stringify(shipped));
  return dir;
}

/** A receiver that refuses the first delivery of each alert and checks every signature. */
function receiver() {
  const seen: { body: any; signature: string; valid: boolean }[] = [];
  const refusedOnce = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const signature = String(req.headers['x-callgate-signature']);
      const t = Number(/t=(\d+)/.exec(signature)?.[1]);
      const valid = signature === signWebhook(SECRET, body, t) && Math.abs(Date.now() / 1000 - t) < 300;
      const parsed = JSON.parse(body);
      seen.push({ body: parsed, signature, valid });
      if (!refusedOnce.has(parsed.id)) {
        refusedOnce.add(parsed.id);
        res.statusCode = 503;
        return res.end();
      }
      res.statusCode = valid ? 204 : 401;
      res.end();
    });
  });
  return { server, seen };
}

for (const engine of ENGINES) {
  describe(`abuse webhooks on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    const hook = receiver();
    let url: string;
    before(async () => {
      await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hooks/callgate`;
      gw = await startTestGateway(engine, { POLICY_DIR: policyDir() });
      world = await gw.seed();
    });
    after(async () => {
      await gw?.close();
      hook.server.close();
    });

    it('alerts when complaints near and cross a threshold, signed, retried after a refusal, delivered once though two instances run the job', async () => {
      const complain = (n: number) =>
        gw.ok('/v1/complaints', world.compliance, {
          complaints: Array.from({ length: n }, () => ({ callee: `+86139${String(crypto.randomInt(1e8)).padStart(8, '0')}`, displayNumber: world.caller, at: new Date(Date.now() - 60_000).toISOString(), source: 'callee' })),
        });
      await complain(4); // 4 of 5: the warning level
      await complain(1); // the threshold
      const config = loadConfig({ ABUSE_WEBHOOK_URLS: url, ABUSE_WEBHOOK_SECRET: SECRET }).webhooks;
      const now = Date.now();
      const first = await Promise.all([deliverWebhooks(gw.gate.db, config, 'gw-a', undefined, now), deliverWebhooks(gw.gate.db, config, 'gw-b', undefined, now)]);
      assert.equal(first[0].failed + first[1].failed, 2, JSON.stringify(first));
      assert.deepEqual(hook.seen.map((s) => s.body.kind), ['abuse.nearing', 'abuse.suspended']);
      // Not yet due: nothing is sent again before the retry delay.
      assert.deepEqual(await deliverWebhooks(gw.gate.db, config, 'gw-a', undefined, now + 1_000), { delivered: 0, failed: 0 });
      const later = now + retryDelayMs(1) + 1;
      const second = await Promise.all([deliverWebhooks(gw.gate.db, config, 'gw-a', undefined, later), deliverWebhooks(gw.gate.db, config, 'gw-b', undefined, later)]);
      assert.equal(second[0].delivered + second[1].delivered, 2, JSON.stringify(second));
      assert.equal(hook.seen.length, 4);
      assert.ok(hook.seen.every((s) => s.valid), 'every delivery carries a valid signature');
      const suspended = hook.seen.find((s) => s.body.kind === 'abuse.suspended')!.body;
      assert.equal(suspended.suspension.subject, world.caller);
      assert.match(suspended.suspension.message, /5 complaints within 7 days/);
      assert.deepEqual(await deliverWebhooks(gw.gate.db, config, 'gw-a', undefined, later + 3_600_000), { delivered: 0, failed: 0 });
    });

    it('a receiver that never answers is given up after the last attempt, kept with its error', async () => {
      const config = { urls: ['http://127.0.0.1:9/unreachable'], secret: SECRET };
      let at = Date.now();
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        await deliverWebhooks(gw.gate.db, config, 'gw-a', undefined, at);
        at += retryDelayMs(attempt) + 1;
      }
      const rows = await gw.gate.db('webhook_deliveries').where({ url: config.urls[0] });
      assert.ok(rows.length >= 2);
      for (const row of rows) {
        assert.equal(Number(row.attempts), MAX_ATTEMPTS);
        assert.ok(Boolean(Number(row.abandoned)));
        assert.ok(row.last_error);
      }
    });

    it('webhook URLs without a signing secret are refused at start', () => {
      assert.throws(() => loadConfig({ ABUSE_WEBHOOK_URLS: 'https://example.com/h' }), /ABUSE_WEBHOOK_SECRET/);
      assert.throws(() => loadConfig({ ABUSE_WEBHOOK_URLS: 'ftp://example.com/h', ABUSE_WEBHOOK_SECRET: SECRET }), /http or https/);
    });
  });
}
