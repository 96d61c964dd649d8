import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { abandonedCallsTo, campaignOutcomes } from '../src/storage/outcomes';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

for (const engine of ENGINES) {
  describe(`operator calling bans on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('a day of mourning entered by the operator denies calls to that country until it is lifted', async () => {
      const callee = '+8613800138555';
      await gw.consent(world, callee);
      const first = (await gw.decide(world, callee)).json();
      assert.equal(first.allow, true, JSON.stringify(first));
      const ban = await gw.ok('/v1/calling-bans', gw.admin, { region: 'CN', startsOn: inDays(-1), endsOn: inDays(1), reason: '全国哀悼日 (national day of mourning)' });
      const denied = (await gw.decide(world, callee)).json();
      assert.deepEqual(denied.reasons.map((r: { code: string; rule: string }) => [r.code, r.rule]), [['HOLIDAY', `GATEWAY-BAN-${ban.id}`]]);
      assert.ok(Date.parse(denied.nextAllowedAt) >= Date.parse(`${inDays(2)}T00:00:00Z`) - 86_400_000, denied.nextAllowedAt);
      const listed = (await gw.call('GET', '/v1/calling-bans', world.dialer)).json().bans;
      assert.deepEqual(listed.map((b: { id: string }) => b.id), [ban.id]);
      await gw.ok(`/v1/calling-bans/${ban.id}/revoke`, gw.admin, {}, 200);
      assert.equal((await gw.decide(world, callee)).json().allow, true);
    });

    it('a ban elsewhere changes nothing, and bad or unauthorised input is refused', async () => {
      const callee = '+8613800138556';
      await gw.consent(world, callee);
      await gw.ok('/v1/calling-bans', gw.admin, { region: 'US-LA', startsOn: inDays(-1), endsOn: inDays(1), reason: 'Louisiana state of emergency' });
      assert.equal((await gw.decide(world, callee)).json().allow, true);
      assert.equal((await gw.call('POST', '/v1/calling-bans', gw.admin, { region: 'CN', startsOn: inDays(2), endsOn: inDays(1), reason: 'backwards' })).statusCode, 400);
      assert.equal((await gw.call('POST', '/v1/calling-bans', world.compliance, { region: 'CN', startsOn: inDays(1), endsOn: inDays(1), reason: 'x' })).statusCode, 403);
      assert.equal((await gw.call('POST', '/v1/calling-bans/ban_nope/revoke', gw.admin, {})).statusCode, 404);
    });

    it("a tenant's own admin can neither enter nor lift a no-call period, which would change every tenant's calls", async () => {
      const callee = '+8613800138557';
      await gw.consent(world, callee);
      const tenantAdmin = gw.token('admin', world.tenantId);
      const before = (await gw.call('GET', '/v1/calling-bans', world.dialer)).json().bans;
      const created = await gw.call('POST', '/v1/calling-bans', tenantAdmin, { region: 'CN', startsOn: inDays(-1), endsOn: inDays(1), reason: 'not theirs to decide' });
      assert.equal(created.statusCode, 403, created.body);
      assert.deepEqual((await gw.call('GET', '/v1/calling-bans', world.dialer)).json().bans, before, 'no ban was stored');
      assert.equal((await gw.decide(world, callee)).json().allow, true);
      const ban = await gw.ok('/v1/calling-bans', gw.admin, { region: 'CN', startsOn: inDays(-1), endsOn: inDays(1), reason: 'operator ban' });
      const revoked = await gw.call('POST', `/v1/calling-bans/${ban.id}/revoke`, tenantAdmin, {});
      assert.equal(revoked.statusCode, 403, revoked.body);
      assert.equal((await gw.decide(world, callee)).json().allow, false, 'the ban still holds');
      await gw.ok(`/v1/calling-bans/${ban.id}/revoke`, gw.admin, {}, 200);
    });

    it("the operator records a seller's state registration; the tenant's officers can read it, not write it", async () => {
      const body = { region: 'US-TX', authority: 'Texas Secretary of State', reference: 'TX-2026-0042', validFrom: '2026-01-01', validUntil: '2026-12-31' };
      const created = await gw.ok(`/v1/tenants/${world.tenantId}/registrations`, gw.admin, body);
      assert.equal(created.region, 'US-TX');
      const listed = (await gw.call('GET', `/v1/tenants/${world.tenantId}/registrations`, world.compliance)).json().registrations;
      assert.deepEqual(listed.map((r: { reference: string }) => r.reference), ['TX-2026-0042']);
      assert.equal((await gw.call('POST', `/v1/tenants/${world.tenantId}/registrations`, world.compliance, body)).statusCode, 403);
      assert.equal((await gw.call('POST', `/v1/tenants/${world.tenantId}/registrations`, gw.admin, { ...body, validUntil: '2025-12-31' })).statusCode, 400);
    });

    it('records an established business relationship with its evidence and lists it for the tenant only', async () => {
      const callee = '+15125550123';
      const created = await gw.ok('/v1/relationships', world.dialer, { callee, kind: 'transaction', occurredAt: '2026-05-01T10:00:00Z', evidence: { description: 'policy purchase', reference: 'INV-1' } });
      assert.equal(created.kind, 'transaction');
      const trail = (await gw.call('GET', `/v1/audit/trail?callee=${encodeURIComponent(callee)}`, world.auditor)).json();
      const recorded = trail.events.find((e: any) => e.type === 'relationship.recorded');
      assert.equal(recorded?.subjectId, created.id, 'the relationship and its evidence are on the callee\'s trail');
      const listed = (await gw.call('GET', `/v1/relationships?callee=${encodeURIComponent(callee)}`, world.compliance)).json().relationships;
      assert.deepEqual(listed.map((r: { id: string }) => r.id), [created.id]);
      assert.equal((await gw.call('POST', '/v1/relationships', world.dialer, { callee, kind: 'friendship', occurredAt: '2026-05-01T10:00:00Z', evidence: { description: 'x' } })).statusCode, 400);
      const other = await gw.seed({ uscc: '91110108MA01ABCD1E', caller: '+862161234568' });
      assert.deepEqual((await gw.call('GET', `/v1/relationships?callee=${encodeURIComponent(callee)}`, other.compliance)).json().relationships, []);
    });

    it('counts a campaign\'s live and abandoned calls from reported outcomes, and finds abandoned calls to a callee', async () => {
      const callees = ['+8613800138601', '+8613800138602', '+8613800138603'];
      const outcomes = ['answered', 'abandoned', 'no_answer'];
      for (const [i, callee] of callees.entries()) {
        await gw.consent(world, callee);
        const decision = (await gw.decide(world, callee)).json();
        assert.equal(decision.allow, true);
        await gw.ok(`/v1/calls/${decision.id}/outcome`, world.dialer, { outcome: outcomes[i] });
      }
      const stats = await campaignOutcomes(gw.gate.db, [world.campaignId], [86400, 60], Date.now() + 1);
      assert.deepEqual(stats.get(world.campaignId), [
        { windowSeconds: 86400, live: 2, abandoned: 1, abandonedWithoutMessage: 0, abandonedUnreported: 1 },
        { windowSeconds: 60, live: 2, abandoned: 1, abandonedWithoutMessage: 0, abandonedUnreported: 1 },
      ]);
      const abandoned = await abandonedCallsTo(gw.gate.db, callees, Date.now() - 3_600_000);
      assert.deepEqual([...abandoned.keys()], [callees[1]]);
    });
  });
}
