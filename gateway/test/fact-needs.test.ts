import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallInput } from '../src/engine/types';
import { POLICIES_DIR } from '../src/policy/loader';
import { loadBatchFacts } from '../src/storage/facts';
import { ENGINES } from './support/db';
import { policyFor } from './support/packs';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const CN_CALLEE = '+8613800138777';
const TX_CALLEE = '+15122365000';

describe('which optional facts a policy needs', () => {
  it('the CN pack reads no registrations, relationships or abandoned calls; US calls to Texas read registrations and relationships', () => {
    assert.deepEqual(policyFor(CN_CALLEE, ['cn']).needs, { registrations: false, relationships: false, redialLookbackMs: 0, reassigned: false });
    const texas = policyFor(TX_CALLEE, ['us']).needs!;
    assert.equal(texas.registrations, true, 'the Texas registration rule comes with the state overlay composed with the US pack');
    assert.equal(texas.relationships, true, 'the national list is waived by an established business relationship');
  });
});

for (const engine of ENGINES) {
  describe(`fact queries of a decision batch on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    let campaignId: string;
    let statements: string[] = [];
    before(async () => {
      gw = await startTestGateway(engine, { POLICY_DIR: POLICIES_DIR });
      world = await gw.seed();
      // One campaign dialling China and the United States: each call is judged by its country's packs.
      const campaign = await gw.ok('/v1/campaigns', world.compliance, {
        brandId: world.brandId, name: 'renewals CN+US', purpose: 'insurance', policyPacks: ['cn', 'us'], dialingMode: 'agent', callerNumberIds: [world.numberId],
      });
      campaignId = campaign.id;
      await gw.ok(`/v1/tenants/${world.tenantId}/registrations`, gw.admin, { region: 'US-TX', authority: 'Texas Secretary of State', reference: 'TX-2026-0042', validFrom: inDays(-10), validUntil: inDays(30) });
      await gw.ok('/v1/relationships', world.dialer, { callee: TX_CALLEE, kind: 'transaction', occurredAt: new Date(Date.now() - 30 * 86_400_000).toISOString(), evidence: { description: 'policy purchase', reference: 'INV-7' } });
      gw.gate.db.on('query', (q: { sql: string }) => statements.push(q.sql));
    });
    after(async () => gw?.close());

    const call = (callee: string): CallInput => ({ tenantId: world.tenantId, campaignId, callee, caller: world.caller });
    const load = async (calls: CallInput[]) => {
      const policies = await gw.gate.policyStore.current();
      statements = [];
      const facts = await loadBatchFacts(gw.gate.db, calls, { policies, resolver: gw.gate.policyStore.resolverFor(policies), registries: gw.gate.registries }, Date.now());
      const queried = (table: string) => statements.filter((sql) => sql.includes(table)).length;
      // Read from, not merely joined (refusals join the campaign they were given to).
      const readFrom = (table: string) => statements.filter((sql) => sql.includes(`from ${table}`)).length;
      for (const table of ['`campaigns`', '`tenants`', '`consents`', '`opt_outs`']) assert.equal(readFrom(table), 1, `one query of ${table} for the whole batch`);
      return { facts, registrationQueries: queried('tenant_registrations'), relationshipQueries: queried('business_relationships') };
    };

    it('a batch of calls to China, whose pack has no registration or relationship rule, does not query them', async () => {
      const { facts, registrationQueries, relationshipQueries } = await load([call(CN_CALLEE), call('+8613800138778')]);
      assert.equal(registrationQueries, 0);
      assert.equal(relationshipQueries, 0);
      assert.ok(statements.some((sql) => sql.includes('consents')), 'the query log is recording the batch');
      for (const resolved of facts.resolved) assert.ok(!(resolved instanceof Error) && resolved.facts.registrations.length === 0);
    });

    it('a call to Texas in the batch still gets the tenant registrations and relationships, in one query each for the whole batch', async () => {
      const { facts, registrationQueries, relationshipQueries } = await load([call(CN_CALLEE), call(TX_CALLEE), call('+15122365001')]);
      assert.equal(registrationQueries, 1);
      assert.equal(relationshipQueries, 1);
      const texas = facts.resolved[1];
      assert.ok(!(texas instanceof Error));
      assert.ok(texas.policy.pack.rules.some((r) => r.kind === 'registration'), texas.policy.revisionId);
      assert.deepEqual(texas.facts.registrations.map((r) => r.region), ['US-TX']);
      assert.deepEqual(texas.facts.relationships.map((r) => r.kind), ['transaction']);
    });
  });
}
