import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compilePolicy, POLICIES_DIR } from '../../gateway/src/policy/loader';
import { newId } from '../../gateway/src/storage/ids';
import { startTestGateway, type TestGateway, type World } from '../../gateway/test/support/gateway';
import { createPeople, signIn } from './support';

const filePack = (id: string) => JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, id, 'pack.json'), 'utf8'));
const rule = (pack: any, id: string) => pack.rules.find((r: { id: string }) => r.id === id);

describe('policy changes that would switch off opt-outs, fail-closed registries or composition are refused', () => {
  let gw: TestGateway;
  let world: World;
  let carol: string;
  let dave: string;

  before(async () => {
    gw = await startTestGateway('sqlite', { POLICY_DIR: POLICIES_DIR });
    world = await gw.seed();
    await createPeople(gw, world.tenantId);
    carol = await signIn(gw, 'carol');
    dave = await signIn(gw, 'dave');
  });
  after(async () => gw?.close());

  const draft = (body: Record<string, unknown>) => gw.call('POST', '/admin/api/policy-changes', carol, { reason: 'testing the guards', ...body });
  const refused = (res: { statusCode: number; json(): any; body: string }, pattern: RegExp) => {
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().error.code, 'POLICY_INVALID');
    assert.match(res.json().error.message, pattern);
  };
  const inForce = async (packId: string) => (await gw.gate.policyStore.current()).get(packId)!.revisionId;

  /** A revision stored as once in force, as a rollback could restore it. */
  async function storedRevision(pack: any): Promise<string> {
    const compiled = compilePolicy(pack);
    await gw.gate.db('policy_revisions').insert({ revision_id: compiled.revisionId, pack_id: pack.id, content: JSON.stringify(pack), created_at: Date.now() });
    return compiled.revisionId;
  }

  it('an opt-out rule in force cannot start later or end, by edit or by rollback', async () => {
    const us = filePack('us');
    const optOut = rule(us, 'US-INTERNAL-DNC');
    refused(await draft({ packId: 'us', ruleId: optOut.id, params: optOut.params, effectiveFrom: '2099-01-01' }), /opt-out rule US-INTERNAL-DNC is in force since 2025-04-11; its start cannot move later/);
    refused(await draft({ packId: 'us', ruleId: optOut.id, params: optOut.params, effectiveUntil: '2026-01-01' }), /opt-out rule US-INTERNAL-DNC is in force; it cannot be given an end date/);
    const without = { ...us, revision: 'no-opt-out', rules: us.rules.filter((r: { id: string }) => r.id !== optOut.id) };
    const res = await gw.call('POST', '/admin/api/policy-changes/rollback', carol, { packId: 'us', revisionId: await storedRevision(without), reason: 'restore the earlier revision' });
    refused(res, /opt-out rule US-INTERNAL-DNC is in force and cannot be removed/);
    // A harmless edit of the same rule still goes through.
    assert.equal((await draft({ packId: 'us', ruleId: optOut.id, params: { scopeFloor: 'tenant' } })).statusCode, 201);
  });

  it("a refusal's reach cannot be narrowed below the pack's legal minimum, and may be narrowed down to it", async () => {
    const optOut = rule(filePack('us'), 'US-INTERNAL-DNC');
    refused(await draft({ packId: 'us', ruleId: optOut.id, params: { scopeFloor: 'brand' } }), /47 CFR § 64\.1200\(d\) requires a refusal to reach at least tenant scope.*would reach brand scope/);
    // Revoke-all applies from 2027-01-31: a refusal for one purpose only is lawful until then, not after.
    refused(await draft({ packId: 'us', ruleId: optOut.id, params: { scopeFloor: 'tenant', purposes: 'same' } }), /on 2027-01-31 47 CFR § 64\.1200\(a\)\(10\).* requires a refusal to reach at least tenant scope, every purpose/);
    refused(await draft({ packId: 'us', ruleId: optOut.id, params: { scopeFloor: 'tenant', purposes: 'same', widenings: [{ from: '2027-02-01', purposes: 'all' }] } }), /on 2027-01-31/);
    const atMinimum = await draft({ packId: 'us', ruleId: optOut.id, params: { scopeFloor: 'tenant', purposes: 'same', widenings: [{ from: '2027-01-31', purposes: 'all' }] } });
    assert.equal(atMinimum.statusCode, 201, atMinimum.body);
    assert.equal((await draft({ packId: 'us', ruleId: optOut.id, params: { scopeFloor: 'group', purposes: 'all' } })).statusCode, 201);
  });

  it('a registry list that must be loaded cannot be made optional', async () => {
    const registry = rule(filePack('us'), 'US-NATIONAL-DNC');
    const lists = registry.params.lists.map((l: object) => ({ ...l, requireLoaded: false }));
    refused(await draft({ packId: 'us', ruleId: registry.id, params: { lists } }), /registry list us-national-dnc of rule US-NATIONAL-DNC must be loaded .* requireLoaded cannot be turned off/);
  });

  it('a state overlay reusing a federal rule id is refused at draft, and at approval when drafted unchecked; nothing is published', async () => {
    const states = filePack('us-states');
    const clash = { ...states, revision: 'clash', rules: states.rules.map((r: { id: string }, i: number) => (i === 0 ? { ...r, id: 'US-HOURS' } : r)) };
    const revisionId = await storedRevision(clash);
    const res = await gw.call('POST', '/admin/api/policy-changes/rollback', carol, { packId: 'us-states', revisionId, reason: 'restore the earlier revision' });
    refused(res, /composed as "us \+ us-states": rule id US-HOURS appears in two packs/);

    const before = await inForce('us-states');
    const id = newId('pch');
    await gw.gate.db('policy_changes').insert({
      id, pack_id: 'us-states', kind: 'rollback', base_revision_id: before, revision_id: revisionId, content: JSON.stringify(clash), diff: '[]',
      reason: 'drafted before the check', author: 'carol', status: 'draft', created_at: Date.now(), reviewed_by: null, reviewed_at: null, review_note: null,
    });
    refused(await gw.call('POST', `/admin/api/policy-changes/${id}/approve`, dave, {}), /rule id US-HOURS appears in two packs/);
    assert.equal(await inForce('us-states'), before, 'nothing was published');
  });

  it('a pack that would clash with another pack a campaign names beside it is refused', async () => {
    await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: 'North America', purpose: 'insurance', policyPacks: ['us', 'ca'], dialingMode: 'agent', callerNumberIds: [world.numberId] });
    const ca = filePack('ca');
    const alsoUs = { ...ca, revision: 'also-us', appliesTo: { countries: ['CA', 'US'] }, rules: ca.rules.map((r: { id: string }, i: number) => (i === 0 ? { ...r, id: 'US-HOURS' } : r)) };
    const res = await gw.call('POST', '/admin/api/policy-changes/rollback', carol, { packId: 'ca', revisionId: await storedRevision(alsoUs), reason: 'restore the earlier revision' });
    refused(res, /campaigns naming "us, ca" compose them for calls to US: rule id US-HOURS appears in two packs/);
  });

  it('an opt-out weakening drafted before the check is refused at approval', async () => {
    const us = filePack('us');
    const late = structuredClone(us);
    late.revision = 'late-opt-out';
    rule(late, 'US-INTERNAL-DNC').effectiveFrom = '2099-01-01';
    const before = await inForce('us');
    const id = newId('pch');
    await gw.gate.db('policy_changes').insert({
      id, pack_id: 'us', kind: 'edit', base_revision_id: before, revision_id: compilePolicy(late).revisionId, content: JSON.stringify(late), diff: '[]',
      reason: 'drafted before the check', author: 'carol', status: 'draft', created_at: Date.now(), reviewed_by: null, reviewed_at: null, review_note: null,
    });
    refused(await gw.call('POST', `/admin/api/policy-changes/${id}/approve`, dave, {}), /start cannot move later/);
    assert.equal(await inForce('us'), before);
  });
});
