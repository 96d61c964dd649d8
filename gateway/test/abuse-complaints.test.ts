import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config';
import { projectRoot } from '../src/paths';
import { buildApp, createGateway, createLogger } from '../src/server';
import { freshConfig, ENGINES } from './support/db';
import { allDayPolicyDir, TestGateway, type World } from './support/gateway';

/** The shipped CN pack with small thresholds, so a test trips them in a handful of complaints. */
function policyDir(numberCount = 3, tenantCount = 6): string {
  const dir = allDayPolicyDir();
  const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'policies', 'abuse', 'thresholds.json'), 'utf8'));
  shipped.revision = 'test';
  for (const t of shipped.thresholds) t.count = t.subject === 'tenant' ? tenantCount : numberCount;
  fs.mkdirSync(path.join(dir, 'abuse'));
  fs.writeFileSync(path.join(dir, 'abuse', 'thresholds.json'), JSON.stringify(shipped));
  return dir;
}

const JWT_SECRET = crypto.randomBytes(32).toString('hex');
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
let calleeSeq = 0;
const nextCallee = () => `+86138001${String(40000 + calleeSeq++).padStart(5, '0')}`;
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

async function gatewayOn(config: ReturnType<typeof loadConfig>): Promise<TestGateway> {
  const log = createLogger('silent');
  const gate = await createGateway(config, log);
  return new TestGateway(await buildApp(gate, log), gate);
}

for (const engine of ENGINES) {
  describe(`complaints and abuse suspensions on ${engine}`, () => {
    let gw: TestGateway;
    let other: TestGateway;
    let a: World;
    let b: World;
    before(async () => {
      const config = await freshConfig(engine, { POLICY_DIR: policyDir(), JWT_SECRET, INSTANCE_ID: 'gw-a' });
      gw = await gatewayOn(config);
      // A second instance on the same database (on SQLite, the same file).
      const dataDir = engine === 'sqlite' ? config.dataDir : fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-b-'));
      other = await gatewayOn(loadConfig({ DATA_DIR: dataDir, ...(config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : {}), POLICY_DIR: config.policyDir!, JWT_SECRET, INSTANCE_ID: 'gw-b', LOG_LEVEL: 'silent' }));
      a = await gw.seed({ legalName: '示例营销甲有限公司' });
      b = await gw.seed({ legalName: '示例营销乙有限公司', caller: '+862161230000', uscc: '91110108MA01ABCD1E' });
    });
    after(async () => {
      await other?.close();
      await gw?.close();
    });

    const complain = (token: string, rows: object[], extra: object = {}) => gw.call('POST', '/v1/complaints', token, { complaints: rows, ...extra });

    it('a complaint puts an opt-out in force for its callee at the tenant scope, with a receipt, on the trail', async () => {
      const callee = nextCallee();
      await gw.consent(a, callee);
      assert.equal((await gw.decide(a, callee)).json().allow, true);
      const res = await complain(a.compliance, [{ callee, displayNumber: a.caller, at: hourAgo(), source: '12321', reference: 'R-0001' }]);
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(body.received, 1);
      const optOutId = body.complaints[0].optOutId;
      assert.match(optOutId, /^opt_/);
      const d = (await other.decide(a, callee)).json();
      assert.deepEqual(codes(d), ['OPTED_OUT']);
      assert.match(d.reasons[0].message, new RegExp(optOutId));
      const types = (await gw.gate.db('audit_events').where({ subject_id: body.complaints[0].id }).select('type')).map((r: { type: string }) => r.type);
      assert.deepEqual(types, ['complaint.received']);
    });

    it('re-sending a complaint with the same reference adds nothing', async () => {
      const callee = nextCallee();
      const row = { callee, displayNumber: b.caller, at: hourAgo(), source: 'carrier', reference: 'CARRIER-77' };
      assert.equal((await complain(b.compliance, [row])).json().received, 1);
      const before = await gw.count('opt_outs');
      const again = (await complain(b.compliance, [row, row])).json();
      assert.deepEqual([again.received, again.duplicates], [0, 2]);
      assert.equal(await gw.count('opt_outs'), before);
    });

    it('one bad row refuses the whole request, naming every bad row, and records nothing', async () => {
      const [complaints, optOuts] = [await gw.count('complaints'), await gw.count('opt_outs')];
      const res = await complain(a.compliance, [
        { callee: nextCallee(), displayNumber: a.caller, at: hourAgo(), source: 'callee' },
        { callee: '+8613', displayNumber: a.caller, at: hourAgo(), source: 'callee' },
        { callee: nextCallee(), displayNumber: a.caller, at: new Date(Date.now() + 86_400_000).toISOString(), source: 'callee' },
      ]);
      assert.equal(res.statusCode, 400, res.body);
      // '+8613' is too short for the schema's E.164 pattern: the schema names it before any row is read.
      assert.equal(await gw.count('complaints'), complaints);
      assert.equal(await gw.count('opt_outs'), optOuts);
      const dated = await complain(a.compliance, [
        { callee: nextCallee(), displayNumber: a.caller, at: hourAgo(), source: 'callee' },
        { callee: '+8613800138', displayNumber: a.caller, at: hourAgo(), source: 'callee' },
        { callee: nextCallee(), displayNumber: a.caller, at: new Date(Date.now() + 86_400_000).toISOString(), source: 'callee' },
      ]);
      assert.equal(dated.statusCode, 400, dated.body);
      assert.equal(dated.json().error.code, 'COMPLAINT_ROWS_INVALID');
      assert.deepEqual(dated.json().error.details.rows.map((r: { row: number }) => r.row), [2, 3]);
      assert.equal(await gw.count('complaints'), complaints);
      assert.equal(await gw.count('opt_outs'), optOuts);
    });

    it("a tenant's officer cannot file complaints against another tenant's number, nor lift a suspension", async () => {
      const res = await complain(a.compliance, [{ callee: nextCallee(), displayNumber: b.caller, at: hourAgo(), source: 'callee' }]);
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error.details.rows[0].message, /registered to another tenant/);
      assert.equal((await complain(a.compliance, [{ callee: nextCallee(), at: hourAgo(), source: 'callee' }], { tenantId: b.tenantId })).statusCode, 403);
      assert.equal((await gw.call('POST', '/v1/abuse-suspensions/abs_x/lift', a.compliance, { reason: 'we reviewed it ourselves' })).statusCode, 403);
    });

    it('a display number is suspended at its threshold, not before, on every instance, until the operator lifts it with a reason', async () => {
      const number = await gw.ok('/v1/caller-numbers', a.compliance, { e164: '+862161239999', proofOfRight: { carrierAllocation: 'CT-0099' } });
      await gw.ok(`/v1/caller-numbers/${number.id}/verification`, gw.admin, { status: 'verified' }, 200);
      const campaign = await gw.ok('/v1/campaigns', a.compliance, { brandId: a.brandId, name: '第二号码', purpose: 'insurance', policyPack: 'cn', dialingMode: 'agent', callerNumberIds: [number.id] });
      const world = { ...a, campaignId: campaign.id, caller: '+862161239999', numberId: number.id };
      const callee = nextCallee();
      await gw.consent(world, callee);
      // Two complaints: one below the threshold of 3.
      const two = await complain(a.compliance, [1, 2].map((i) => ({ callee: nextCallee(), displayNumber: world.caller, at: hourAgo(), source: 'callee', reference: `N-${engine}-${i}` })));
      assert.deepEqual(two.json().suspensions, []);
      assert.equal((await gw.decide(world, callee)).json().allow, true);
      // The third, through the other instance, trips it.
      const third = await other.call('POST', '/v1/complaints', a.compliance, { complaints: [{ callee: nextCallee(), displayNumber: world.caller, at: hourAgo(), source: 'callee', reference: `N-${engine}-3` }] });
      assert.equal(third.statusCode, 201, third.body);
      const [suspension] = third.json().suspensions;
      assert.equal(suspension.subjectKind, 'caller_number');
      assert.equal(suspension.observed, 3);
      const denied = (await gw.decide(world, callee)).json();
      assert.deepEqual(codes(denied), ['CALLER_ID_SUSPENDED_ABUSE']);
      assert.match(denied.reasons[0].message, /3 complaints within 7 days reached the threshold of 3 \(ABUSE-NUMBER-COMPLAINTS/);
      // The tenant's other number is not touched.
      const elsewhere = nextCallee();
      await gw.consent(a, elsewhere);
      assert.equal((await other.decide(a, elsewhere)).json().allow, true);

      assert.equal((await gw.call('POST', `/v1/abuse-suspensions/${suspension.id}/lift`, gw.admin, { reason: 'short' })).statusCode, 400);
      const lifted = await gw.call('POST', `/v1/abuse-suspensions/${suspension.id}/lift`, gw.admin, { reason: 'Complaints traced to a mis-dialled list; list corrected, ticket 4411' });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.equal((await other.call('POST', `/v1/abuse-suspensions/${suspension.id}/lift`, gw.admin, { reason: 'Complaints traced to a mis-dialled list' })).statusCode, 409);
      assert.equal((await other.decide(world, callee)).json().allow, true);
      const events = (await gw.gate.db('audit_events').where({ subject_id: suspension.id }).where('type', 'like', 'abuse.%').orderBy('id').select('type')).map((r: { type: string }) => r.type);
      assert.deepEqual(events, ['abuse.suspended', 'abuse.lifted']);
      // Complaints the reviewer saw before lifting do not trip it again; a new one alone does not either.
      const one = await complain(a.compliance, [{ callee: nextCallee(), displayNumber: world.caller, at: hourAgo(), source: 'callee', reference: `N-${engine}-4` }]);
      assert.deepEqual(one.json().suspensions, []);
      const listed = (await gw.call('GET', '/v1/abuse-suspensions?active=false', a.auditor)).json().suspensions;
      assert.ok(listed.some((s: { id: string; liftReason: string }) => s.id === suspension.id && /ticket 4411/.test(s.liftReason)));
      assert.deepEqual((await gw.call('GET', '/v1/abuse-suspensions', b.auditor)).json().suspensions.filter((s: { tenantId: string }) => s.tenantId !== b.tenantId), []);
    });

    it('a tenant crossing its threshold has every call denied, whatever the number', async () => {
      // Tenant b has one complaint so far; five more reach its threshold of 6 (none of them on one number three times).
      const rows = [1, 2, 3, 4, 5].map((i) => ({ callee: nextCallee(), at: hourAgo(), source: 'regulator', reference: `T-${engine}-${i}` }));
      const res = await complain(b.compliance, rows);
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().suspensions.map((s: { subjectKind: string }) => s.subjectKind), ['tenant']);
      const callee = nextCallee();
      await gw.consent(b, callee);
      const d = (await other.decide(b, callee)).json();
      assert.ok(codes(d).includes('TENANT_SUSPENDED_ABUSE'), JSON.stringify(d));
    });

    it('an edited suspension column never clears the suspension', async () => {
      const callee = nextCallee();
      await gw.consent(b, callee);
      await gw.gate.db('tenants').where({ id: b.tenantId }).update({ abuse_suspension: '{not json' });
      assert.ok(codes((await gw.decide(b, callee)).json()).includes('TENANT_SUSPENDED_ABUSE'));
    });

    it('the CLI imports a 12321 file all or nothing, naming bad lines, and a clean re-run adds nothing', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-complaints-'));
      const env = { ...process.env, ...(gw.gate.config.databaseUrl ? { DATABASE_URL: gw.gate.config.databaseUrl } : {}), DATA_DIR: gw.gate.config.dataDir, POLICY_DIR: gw.gate.config.policyDir!, JWT_SECRET, LOG_LEVEL: 'silent' };
      const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'gateway/src/cli.ts'), ...args], { encoding: 'utf8', env });
      const good = nextCallee().slice(3);
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, `举报编号,被叫号码,主叫号码,来电时间\nW-1,${good},02161234567,2026-11-30 10:00:00\nW-2,12345,02161234567,2026-11-30 10:05:00\nW-3,${good},02161234567,yesterday\n`);
      const before = await gw.count('complaints');
      const refused = cli('complaint', 'import', '--file', bad, '--format', '12321');
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /line 3: the callee "12345" is not a valid number/);
      assert.match(refused.stderr, /line 4: "yesterday" is not a date and time/);
      assert.equal(await gw.count('complaints'), before);
      const ok = path.join(dir, 'ok.csv');
      fs.writeFileSync(ok, `举报编号,被叫号码,主叫号码,来电时间\nW-${engine}-1,${good},02161234567,2026-11-30 10:00:00\n`);
      const imported = cli('complaint', 'import', '--file', ok, '--format', '12321');
      assert.equal(imported.status, 0, imported.stderr);
      assert.deepEqual(JSON.parse(imported.stdout).received, 1);
      const stored = await gw.gate.db('complaints').where({ reference: `W-${engine}-1` }).first();
      assert.equal(stored.callee, `+86${good}`);
      assert.equal(Number(stored.complained_at), Date.parse('2026-11-30T02:00:00Z'));
      const rerun = cli('complaint', 'import', '--file', ok, '--format', '12321');
      assert.equal(JSON.parse(rerun.stdout).duplicates, 1, rerun.stderr);
    });
  });
}
