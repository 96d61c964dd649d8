import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { POLICIES_DIR } from '../src/policy/loader';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const codes = (answer: { reasons: { code: string }[] }) => answer.reasons.map((r) => r.code);

for (const engine of ENGINES) {
  describe(`imported call history with outcomes on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    const campaign = async (name: string, policyPack: string) =>
      (await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name, purpose: 'insurance', policyPack, dialingMode: 'predictive', callerNumberIds: [world.numberId] })).id as string;
    const decide = async (campaignId: string, callee: string) => {
      const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId, callee, caller: world.caller });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    /** 100 live-answered calls over the last 30 days, `abandoned` of them abandoned. */
    const liveCalls = (campaignId: string, abandoned: number) =>
      Array.from({ length: 100 }, (_, i) => ({
        callee: `+1512236${String(6000 + i)}`,
        campaignId,
        attemptedAt: ago((i + 1) * 6 * HOUR),
        outcome: i < abandoned ? 'abandoned' : 'answered',
        durationSeconds: i < abandoned ? 0 : 120,
        infoMessagePlayed: i < abandoned,
      }));

    before(async () => {
      gw = await startTestGateway(engine, { POLICY_DIR: POLICIES_DIR });
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('a US predictive campaign whose imported history abandoned 4 of 100 live-answered calls in 30 days is denied on its first decided call', async () => {
      const over = await campaign('over the limit', 'us');
      const within = await campaign('within the limit', 'us');
      const imported = await gw.ok('/v1/call-history', world.dialer, { attempts: [...liveCalls(over, 4), ...liveCalls(within, 3)] });
      assert.deepEqual([imported.inserted, imported.duplicates], [200, 0]);
      const denied = await decide(over, '+15122365100');
      assert.equal(denied.allow, false);
      const reason = denied.reasons.find((r: { code: string }) => r.code === 'ABANDONMENT_RATE_EXCEEDED');
      assert.equal(reason?.rule, 'US-ABANDONMENT', JSON.stringify(denied.reasons));
      assert.match(reason.message, /4 of 100/);
      assert.ok(!codes(await decide(within, '+15122365100')).includes('ABANDONMENT_RATE_EXCEEDED'), '3 of 100 is at the limit, not over it');
    });

    it('the UK 72-hour wait holds for a callee whose imported call was abandoned 10 hours ago, and not 73 hours ago', async () => {
      const uk = await campaign('uk predictive', 'uk');
      const recent = '+442079460123';
      const older = '+442079460124';
      await gw.ok('/v1/call-history', world.dialer, {
        attempts: [
          { callee: recent, campaignId: uk, attemptedAt: ago(10 * HOUR), outcome: 'abandoned', infoMessagePlayed: true },
          { callee: older, campaignId: uk, attemptedAt: ago(73 * HOUR), outcome: 'abandoned', infoMessagePlayed: true },
        ],
      });
      const held = await decide(uk, recent);
      const wait = held.reasons.find((r: { code: string }) => r.code === 'ABANDONED_CALL_REDIAL');
      assert.equal(wait?.rule, 'UK-ABANDONMENT', JSON.stringify(held.reasons));
      assert.ok(!codes(await decide(uk, older)).includes('ABANDONED_CALL_REDIAL'));
    });

    it('re-importing the same file adds nothing, and says so', async () => {
      const own = await campaign('re-import', 'us');
      const file = {
        attempts: [
          { callee: '+15122367001', campaignId: own, attemptedAt: ago(HOUR), outcome: 'abandoned', externalId: 'old-dialer-1' },
          { callee: '+15122367002', campaignId: own, attemptedAt: ago(2 * HOUR), outcome: 'answered', durationSeconds: 61 },
          { callee: '+15122367003', attemptedAt: ago(3 * HOUR), outcome: 'no_answer' },
        ],
      };
      const rows = async () => Number((await gw.gate.db('call_attempts').where({ tenant_id: world.tenantId, source: 'import' }).count({ n: '*' }))[0].n);
      const first = await gw.ok('/v1/call-history', world.dialer, file);
      assert.deepEqual([first.inserted, first.duplicates], [3, 0]);
      const before = await rows();
      const again = await gw.ok('/v1/call-history', world.dialer, file);
      assert.deepEqual([again.imported, again.inserted, again.duplicates], [0, 0, 3]);
      assert.equal(await rows(), before);
      const imports = await gw.gate.db('audit_events').where({ type: 'call_history.imported', tenant_id: world.tenantId }).whereIn('subject_id', [first.importId, again.importId]).orderBy('id');
      assert.deepEqual(imports.map((e: any) => [JSON.parse(e.payload).inserted, JSON.parse(e.payload).duplicates]), [[3, 0], [0, 3]], 'both imports are on the trail');
      const trail = (await gw.call('GET', '/v1/audit/trail?callee=%2B15122367001', world.auditor)).json().events;
      assert.deepEqual(trail.filter((e: any) => e.type === 'call.imported').map((e: any) => [e.subjectId, e.record.call.outcome]), [[first.importId, 'abandoned']], "the imported call is on its callee's trail, once");
    });

    it('a bad outcome value is refused naming its row, and nothing of the file is imported', async () => {
      const before = await gw.count('call_attempts');
      const res = await gw.call('POST', '/v1/call-history', world.dialer, {
        attempts: [
          { callee: '+15122368001', attemptedAt: ago(HOUR), outcome: 'answered' },
          { callee: '+15122368002', attemptedAt: ago(HOUR), outcome: 'hung_up_angrily' },
        ],
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(res.json().error), /attempts\/1\/outcome/);
      assert.equal(await gw.count('call_attempts'), before);
    });

    it("rows naming another tenant's campaign or a call in the future are refused each by row, and nothing is imported", async () => {
      const other = await gw.seed({ uscc: '91110108MA01ABCD1E', caller: '+862161234568' });
      const before = await gw.count('call_attempts');
      const res = await gw.call('POST', '/v1/call-history', world.dialer, {
        attempts: [
          { callee: '+15122368003', attemptedAt: ago(HOUR), outcome: 'answered' },
          { callee: '+15122368004', campaignId: other.campaignId, attemptedAt: ago(HOUR), outcome: 'abandoned' },
          { callee: '+15122368005', attemptedAt: ago(-HOUR), outcome: 'answered' },
        ],
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(res.json().error.details.map((d: { row: number; field: string }) => [d.row, d.field]), [[1, 'campaignId'], [2, 'attemptedAt']]);
      assert.equal(await gw.count('call_attempts'), before);
    });
  });
}
