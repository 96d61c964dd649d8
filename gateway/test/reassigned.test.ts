import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { POLICIES_DIR } from '../src/policy/loader';
import { consentFacts } from './support/facts';
import { ENGINES } from './support/db';
import { allDayPolicyDir, startTestGateway, type TestGateway, type World } from './support/gateway';
import { at, judge, rndFacts } from './support/packs';

const NEW_YORK = '+12125550123';
const DAY = 86_400_000;
const prerecorded = { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'prerecorded' as const, policyPack: 'us', status: 'active' as const };

describe('reassigned numbers (47 CFR 64.1200(m)) in the US pack', () => {
  const now = at('2026-03-10T12:00:00-04:00');
  const consents = [consentFacts({ obtainedAt: Date.parse('2025-06-01T12:00:00Z'), expiresAt: null, modes: ['prerecorded'] })];
  const run = (reassigned: ReturnType<typeof rndFacts> | undefined, extra: object = {}) =>
    judge(NEW_YORK, now, { facts: { campaign: prerecorded, consents, reassigned, ...extra } });

  it('a consent obtained before the number was permanently disconnected does not cover its new holder', () => {
    const judged = run(rndFacts(now, consents, { disconnectDate: '2025-09-15' }));
    assert.deepEqual(judged.codes, ['CONSENT_NUMBER_REASSIGNED']);
    assert.equal(judged.rules[0], 'US-REASSIGNED-NUMBERS');
    assert.match(judged.decision.reasons[0].citation, /64\.1200\(m\)/);
  });

  it('a consent obtained after the disconnection still counts', () => {
    assert.deepEqual(run(rndFacts(now, consents, { disconnectDate: '2025-05-31' })).codes, []);
  });

  it('a consent given the day of the disconnection counts as given before it ("on or after")', () => {
    assert.deepEqual(run(rndFacts(now, consents, { disconnectDate: '2025-06-01' })).codes, ['CONSENT_NUMBER_REASSIGNED']);
  });

  it('a number not in the data is allowed', () => {
    assert.deepEqual(run(rndFacts(now, consents)).codes, []);
  });

  it('no data loaded, data older than maxDataAgeDays, or "no data" for the date: the shipped pack lets the call go without safe harbour (the database is a safe harbour, not a duty)', () => {
    assert.deepEqual(run(undefined).codes, []);
    assert.deepEqual(run({ source: 'test', data: null, query: null }).codes, []);
    assert.deepEqual(run(rndFacts(now, consents, { ageDays: 46 })).codes, []);
    assert.deepEqual(run(rndFacts(now, consents, { coverageFrom: '2025-07-01' })).codes, []);
    // A disconnection the data does show still voids the old consent, whatever whenUnverified says.
    assert.deepEqual(run(rndFacts(now, consents, { disconnectDate: '2025-09-15', ageDays: 45 })).codes, ['CONSENT_NUMBER_REASSIGNED']);
  });

  it('a live-agent call that needs no consent is not denied for a consent of the previous holder', () => {
    const agent = { ...prerecorded, dialingMode: 'agent' as const };
    assert.deepEqual(run(rndFacts(now, consents, { disconnectDate: '2025-09-15' }), { campaign: agent }).codes, []);
  });

  it('a do-not-call-listed number is not waived by the previous holder\'s consent', () => {
    const agent = { ...prerecorded, dialingMode: 'agent' as const };
    const judged = judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { campaign: agent, consents, reassigned: rndFacts(now, consents, { disconnectDate: '2025-09-15' }) } });
    assert.deepEqual(judged.codes, ['CONSENT_NUMBER_REASSIGNED']);
  });
});

/**
 * The CN all-day pack plus the US pack's consent and reassigned-numbers rules, with no hours, the
 * latter set to deny a consent it cannot check (an operator who wants the safe harbour for every call).
 */
function policyDir(): string {
  const dir = allDayPolicyDir();
  const us = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, 'us', 'pack.json'), 'utf8'));
  const rules = us.rules
    .filter((r: { kind: string }) => r.kind === 'consent' || r.kind === 'reassignedNumbers')
    .map((r: { kind: string; params: object }) => (r.kind === 'reassignedNumbers' ? { ...r, params: { ...r.params, whenUnverified: 'deny' } } : r));
  fs.mkdirSync(path.join(dir, 'usrnd'));
  fs.writeFileSync(path.join(dir, 'usrnd', 'pack.json'), JSON.stringify({ ...us, id: 'usrnd', composeWith: undefined, rules }, null, 2));
  return dir;
}

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

for (const engine of ENGINES) {
  describe(`reassigned-numbers data on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    before(async () => {
      gw = await startTestGateway(engine, { POLICY_DIR: policyDir() });
      world = await gw.seed();
      const campaign = await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: 'robocall', purpose: 'insurance', policyPack: 'usrnd', dialingMode: 'prerecorded', callerNumberIds: [world.numberId] });
      world = { ...world, campaignId: campaign.id };
    });
    after(async () => gw?.close());

    const upload = (body: string, query = `asOf=${today()}`) =>
      gw.app.inject({ method: 'POST', url: `/v1/reassigned-numbers/versions?${query}`, headers: { authorization: `Bearer ${gw.admin}`, 'content-type': 'text/csv' }, payload: body });
    const consent = (callee: string, daysBack: number) => gw.consent(world, callee, { obtainedAt: new Date(Date.now() - daysBack * DAY).toISOString(), modes: ['prerecorded'] });

    it('without data a call relying on consent is denied REASSIGNED_DATA_STALE where the pack says deny', async () => {
      await consent('+12125550100', 10);
      const answer = (await gw.decide(world, '+12125550100')).json();
      assert.equal(answer.allow, false);
      assert.deepEqual(answer.reasons.map((r: { code: string }) => r.code), ['REASSIGNED_DATA_STALE']);
    });

    it('consent before the disconnection is denied, after it allowed, a number not in the data allowed; each query is recorded with the decision', async () => {
      const res = await upload(`number,disconnect_date\n+12125550101,${daysAgo(5)}\r\n2125550102,${daysAgo(30)}\n# comment\n\n`);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().entries, 2);
      await consent('+12125550101', 10);
      await consent('+12125550102', 10);
      await consent('+12125550103', 10);
      const before = (await gw.decide(world, '+12125550101')).json();
      assert.deepEqual(before.reasons.map((r: { code: string }) => r.code), ['CONSENT_NUMBER_REASSIGNED']);
      assert.equal((await gw.decide(world, '+12125550102')).json().allow, true, 'consent 10 days ago, disconnected 30 days ago');
      const absent = (await gw.decide(world, '+12125550103')).json();
      assert.equal(absent.allow, true);
      const row = await gw.gate.db('decisions').where({ id: absent.decisionId ?? absent.id }).first();
      const input = typeof row.input === 'string' ? JSON.parse(row.input) : row.input;
      assert.equal(input.facts.reassigned.query.answer, 'no');
      assert.equal(input.facts.reassigned.query.number, '+12125550103');
      assert.equal(input.facts.reassigned.data.asOf, today());
      const cached = await gw.gate.db('reassigned_answers').where({ number: '+12125550101' }).first();
      assert.equal(cached.answer, 'yes');
      assert.equal(cached.disconnect_date, daysAgo(5));
    });

    it('a bad row refuses the whole file with a 400 naming the line, and the current data stays', async () => {
      const res = await upload(`+12125550104,${daysAgo(1)}\n+12125550101,2025-02-30\n`);
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /REASSIGNED_FILE_INVALID/);
      assert.match(res.body, /line 2/);
      assert.equal(await gw.count('reassigned_disconnects'), 2, 'nothing of the refused file was kept');
      assert.deepEqual((await gw.decide(world, '+12125550101')).json().reasons.map((r: { code: string }) => r.code), ['CONSENT_NUMBER_REASSIGNED']);
    });

    it('a re-import replaces the data as a whole: a number absent from the new file is no longer reassigned', async () => {
      const res = await upload(`+12125550109,${daysAgo(1)}\n`);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(await gw.count('reassigned_disconnects'), 1);
      assert.equal((await gw.decide(world, '+12125550101')).json().allow, true);
      const status = (await gw.call('GET', '/v1/reassigned-numbers', gw.admin)).json();
      assert.equal(status.version, res.json().version);
    });

    it('only the operator imports the data', async () => {
      const res = await gw.app.inject({ method: 'POST', url: `/v1/reassigned-numbers/versions?asOf=${today()}`, headers: { authorization: `Bearer ${world.dialer}`, 'content-type': 'text/plain' }, payload: '+12125550101,2026-01-01\n' });
      assert.equal(res.statusCode, 403);
    });
  });
}
