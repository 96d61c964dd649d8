import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const BANK = '+8695588';

for (const engine of ENGINES) {
  describe(`China's call-centre numbers on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    let numberId: string;
    const campaign = async (purpose: string, recordingRetentionDays: number | null = 30) =>
      (await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: purpose, purpose, policyPack: 'cn', dialingMode: 'agent', callerNumberIds: [numberId], recordingRetentionDays })).id as string;
    const decide = async (campaignId: string, callee: string) => (await gw.call('POST', '/v1/decisions', world.dialer, { campaignId, callee, caller: BANK })).json();

    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('a 95588-style bank service number is accepted as a display number, stored and shown as cn_service', async () => {
      const created = await gw.ok('/v1/caller-numbers', world.compliance, { e164: BANK, proofOfRight: { numberCertificate: 'MIIT-95588' } });
      assert.equal(created.lineType, 'cn_service');
      assert.equal(created.region, null, 'a nationwide number has no 归属地');
      numberId = created.id;
      await gw.ok(`/v1/caller-numbers/${numberId}/verification`, gw.admin, { status: 'verified' }, 200);
      const listed = (await gw.call('GET', '/v1/caller-numbers', world.compliance)).json().callerNumbers;
      assert.equal(listed.find((n: { e164: string }) => n.e164 === BANK)?.lineType, 'cn_service');
      for (const e164 of ['+864008208820', '+8610086', '+8696511']) {
        const res = await gw.call('POST', '/v1/caller-numbers', world.compliance, { e164, proofOfRight: { numberCertificate: 'x' } });
        assert.equal(res.statusCode, 201, `${e164}: ${res.body}`);
        assert.equal(res.json().lineType, 'cn_service');
      }
    });

    it('a consented service call-back showing the 95 number is allowed', async () => {
      const callee = '+8613800138901';
      await gw.consent(world, callee, { purpose: 'service' });
      const answer = await decide(await campaign('service'), callee);
      assert.equal(answer.allow, true, JSON.stringify(answer.reasons));
    });

    it('a service call-back from the 95 number for a campaign keeping recordings 29 days is refused; not saying, or 30 days, it is allowed', async () => {
      const callee = '+8613800138903';
      await gw.consent(world, callee, { purpose: 'service' });
      const short = await campaign('service', 29);
      const denied = await decide(short, callee);
      assert.deepEqual(denied.reasons.map((r: { code: string; rule: string }) => [r.code, r.rule]), [['RECORDING_RETENTION_TOO_SHORT', 'CN-RECORDING-RETENTION']]);
      assert.match(denied.reasons[0].message, /29 days; at least 30/);
      const unstated = await decide(await campaign('service', null), callee);
      assert.equal(unstated.allow, true, JSON.stringify(unstated.reasons));
      const changed = await gw.ok(`/v1/campaigns/${short}/recording-retention`, world.compliance, { recordingRetentionDays: 30 }, 200);
      assert.equal(changed.recordingRetentionDays, 30);
      const allowed = await decide(short, callee);
      assert.equal(allowed.allow, true, JSON.stringify(allowed.reasons));
    });

    it('a marketing call showing the 95 number is refused, with the rule and its citation', async () => {
      const callee = '+8613800138902';
      await gw.consent(world, callee);
      const answer = await decide(await campaign('insurance'), callee);
      assert.equal(answer.allow, false);
      assert.deepEqual(answer.reasons.map((r: { code: string; rule: string }) => [r.code, r.rule]), [['CALLER_ID_SERVICE_NUMBER_MARKETING', 'CN-CLI-SERVICE-NUMBER-NO-MARKETING']]);
      assert.match(answer.reasons[0].citation, /关于加强呼叫中心业务管理的通知/);
    });
  });
}
