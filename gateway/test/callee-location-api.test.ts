import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { POLICIES_DIR } from '../src/policy/loader';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const NEW_YORK = '+12125551234';
const ET_2130 = '2026-03-10T21:30:00-04:00'; // 18:30 Pacific

for (const engine of ENGINES) {
  describe(`the callee's known location through the API on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    let campaignId: string;
    before(async () => {
      gw = await startTestGateway(engine, { POLICY_DIR: POLICIES_DIR });
      world = await gw.seed();
      const campaign = await gw.ok('/v1/campaigns', world.compliance, {
        brandId: world.brandId, name: 'renewals US', purpose: 'insurance', policyPacks: ['us'], dialingMode: 'agent', callerNumberIds: [world.numberId],
      });
      campaignId = campaign.id;
    });
    after(async () => gw?.close());

    const evaluate = (callee: string, extra: Record<string, unknown> = {}) =>
      gw.call('POST', '/v1/decisions/evaluate', world.dialer, { campaignId, callee, caller: world.caller, at: ET_2130, ...extra });
    const hoursRules = (body: any) => body.reasons.filter((r: any) => r.code === 'OUTSIDE_CALLING_HOURS').map((r: any) => r.rule);

    it('evaluate: a New York number known (in the body) to be in California is not refused for hours at 21:30 Eastern', async () => {
      const plain = await evaluate(NEW_YORK);
      assert.equal(plain.statusCode, 200, plain.body);
      assert.deepEqual(hoursRules(plain.json()), ['US-HOURS']);
      const known = await evaluate(NEW_YORK, { calleeLocation: { subdivision: 'US-CA', timeZone: 'America/Los_Angeles', source: 'customer_record' } });
      assert.equal(known.statusCode, 200, known.body);
      assert.deepEqual(hoursRules(known.json()), []);
    });

    it('an invalid time zone, subdivision or source is a 400 INVALID_LOCATION or VALIDATION_FAILED, never a decision', async () => {
      const before = await gw.count('decisions');
      for (const [calleeLocation, code] of [
        [{ timeZone: 'America/Atlantis', source: 'dialer' }, 'INVALID_LOCATION'],
        [{ subdivision: 'US-ZZ', source: 'dialer' }, 'INVALID_LOCATION'],
        [{ subdivision: 'US-CA', timeZone: 'Europe/Paris', source: 'dialer' }, 'INVALID_LOCATION'],
        [{ subdivision: 'US-CA', source: 'rumour' }, 'VALIDATION_FAILED'],
        [{ subdivision: 'US-CA' }, 'VALIDATION_FAILED'],
      ] as const) {
        const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId, callee: NEW_YORK, caller: world.caller, calleeLocation });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, code, res.body);
      }
      assert.equal(await gw.count('decisions'), before, 'nothing recorded');
    });

    it('a recorded decision names the location basis in its input facts', async () => {
      const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId, callee: NEW_YORK, caller: world.caller, calleeLocation: { subdivision: 'US-CA', postalCode: '94105', source: 'customer_record' } });
      assert.equal(res.statusCode, 200, res.body);
      const stored = await gw.call('GET', `/v1/decisions/${res.json().id}`, world.dialer);
      const { location, call } = stored.json().input;
      assert.equal(location.basis, 'known_location');
      assert.deepEqual(location.known, { subdivision: 'US-CA', postalCode: '94105', source: 'customer_record', origin: 'call' });
      assert.equal(location.postalCodeUsed, false);
      assert.deepEqual(call.calleeLocation, { subdivision: 'US-CA', postalCode: '94105', source: 'customer_record' });
    });

    it("a callee record, on the trail, places the tenant's callee when the call names no location; another tenant's record does not", async () => {
      const callee = '+12125551235';
      const bad = await gw.call('POST', '/v1/callee-locations', world.dialer, { callee, timeZone: 'Pacific/Nowhere', source: 'customer_record', observedAt: '2026-01-05T10:00:00Z' });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(await gw.count('callee_locations'), 0, 'a refused record stores nothing');
      const other = await gw.seed({ caller: '+862161230000', uscc: '91110108MA01ABCD1E' });
      await gw.ok('/v1/callee-locations', other.dialer, { callee, subdivision: 'US-CA', source: 'customer_record', observedAt: '2026-02-01T10:00:00Z' });
      assert.deepEqual(hoursRules((await evaluate(callee)).json()), ['US-HOURS'], "another tenant's record of the callee is not this tenant's");
      const recorded = await gw.ok('/v1/callee-locations', world.dialer, { callee, subdivision: 'US-CA', source: 'customer_record', observedAt: '2026-01-05T10:00:00Z' });
      assert.equal(recorded.subdivision, 'US-CA');
      assert.deepEqual(hoursRules((await evaluate(callee)).json()), []);
      const listed = await gw.call('GET', `/v1/callee-locations?callee=${encodeURIComponent(callee)}`, world.compliance);
      assert.deepEqual(listed.json().calleeLocations.map((l: any) => l.id), [recorded.id]);
      const events = await gw.gate.db('audit_events').where({ type: 'callee_location.recorded', subject_id: recorded.id });
      assert.equal(events.length, 1, 'the record is on the trail');
    });
  });
}
