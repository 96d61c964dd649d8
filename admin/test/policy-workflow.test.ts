import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, createGateway, createLogger } from '../../gateway/src/server';
import { freshConfig } from '../../gateway/test/support/db';
import { allDayPolicyDir, startTestGateway, TestGateway, type World } from '../../gateway/test/support/gateway';
import { capParams, createPeople, signIn } from './support';

let seq = 0;
const nextCallee = () => `+86137${String(20000000 + ++seq).slice(-8)}`;
const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

/** Two gateway instances on one MariaDB database, as in production. */
async function twoInstances(): Promise<[TestGateway, TestGateway]> {
  const config = await freshConfig('mariadb', { POLICY_DIR: allDayPolicyDir() });
  const log = createLogger('silent');
  const a = await createGateway({ ...config, instanceId: 'a' }, log);
  const b = await createGateway({ ...config, instanceId: 'b', jwtSecret: a.signingSecret }, log);
  return [new TestGateway(await buildApp(a, log), a), new TestGateway(await buildApp(b, log), { ...b, signingSecret: a.signingSecret })];
}

describe('policy changes: four eyes, publication to every instance, what-if, rollback', () => {
  let a: TestGateway;
  let b: TestGateway;
  let world: World;
  let carol: string;
  let dave: string;

  before(async () => {
    [a, b] = await twoInstances();
    world = await a.seed();
    await createPeople(a, world.tenantId);
    carol = await signIn(a, 'carol');
    dave = await signIn(b, 'dave');
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('a rule change needs a second compliance officer, then instance B decides under it without a restart', async () => {
    const callee = nextCallee();
    await a.consent(world, callee);
    assert.equal((await b.decide(world, callee)).json().allow, true);

    const draft = await a.ok('/admin/api/policy-changes', carol, { packId: 'cn', ruleId: 'CN-CAP-PER-CALLEE', params: capParams(1), reason: 'Carrier notice 2026-11: one call per 5 minutes' });
    assert.equal(draft.status, 'draft');
    assert.deepEqual(draft.diff.filter((d: { path: string }) => d.path !== 'revision'), [{ path: 'CN-CAP-PER-CALLEE › params.windows[1].max', before: 3, after: 1 }]);
    // A draft changes nothing.
    assert.equal((await b.decide(world, callee)).json().allow, true);

    const selfApproval = await a.call('POST', `/admin/api/policy-changes/${draft.id}/approve`, carol, {});
    assert.equal(selfApproval.statusCode, 403);
    assert.equal(selfApproval.json().error.code, 'FOUR_EYES');

    const published = await b.ok(`/admin/api/policy-changes/${draft.id}/approve`, dave, { note: 'checked against the notice' }, 200);
    assert.equal(published.status, 'published');
    assert.equal(published.reviewedBy, 'dave');

    // Instance A, which neither drafted nor approved in its process, applies it from its next decision.
    const denied = (await a.decide(world, callee)).json();
    assert.deepEqual(codes(denied), ['FREQUENCY_CAP_EXCEEDED']);
    assert.equal(denied.policyRevision, draft.revisionId);
    assert.equal((await b.decide(world, nextCallee())).json().policyRevision, draft.revisionId);

    const logged = await a.gate.db('admin_actions').where({ action: 'policy change approved and published', actor: 'dave', target: draft.id });
    assert.equal(logged.length, 1);
    const [event] = await a.gate.db('audit_events').where({ type: 'policy.published', subject_id: draft.revisionId });
    assert.ok(event, 'the publication is on the audit trail');
    assert.deepEqual(
      (({ author, approver, revisionId }) => ({ author, approver, revisionId }))(JSON.parse(event.payload)),
      { author: 'carol', approver: 'dave', revisionId: draft.revisionId },
    );

    // Replaying on MariaDB: every recorded decision comes out as recorded under its own revision.
    const report = await b.ok(`/admin/api/policy-changes/${draft.id}/what-if`, dave, {}, 200);
    assert.ok(report.replayed >= 3);
    assert.equal(report.reproduced, report.replayed);
  });

  it('refuses invalid values with plain words naming the rule and field', async () => {
    const res = await a.call('POST', '/admin/api/policy-changes', carol, {
      packId: 'cn', ruleId: 'CN-CAP-PER-CALLEE', params: { scope: 'callee_per_tenant', windows: [{ seconds: 0, max: 2 }] }, reason: 'testing validation',
    });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'POLICY_INVALID');
    assert.match(res.json().error.message, /CN-CAP-PER-CALLEE › windows #1 › seconds must be at least 1/);

    const hours = await a.call('POST', '/admin/api/policy-changes', carol, {
      packId: 'cn', ruleId: 'CN-HOURS', params: { windows: [{ days: [1], start: '21:00', end: '08:00' }], fallbackZones: ['Asia/Shanghai'] }, reason: 'testing validation',
    });
    assert.equal(hours.statusCode, 422);
    assert.match(hours.json().error.message, /window 21:00–08:00 must start before it ends/);
  });

  it('a second draft on the same base is refused once the first is published (stale), and a rollback restores the old revision', async () => {
    const revisions = (await a.call('GET', '/admin/api/policies/cn/revisions', carol)).json().revisions;
    const shipped = revisions.find((r: { label: string }) => r.label === 'test-all-day');
    assert.ok(shipped, 'the shipped revision is listed');

    const one = await a.ok('/admin/api/policy-changes', carol, { packId: 'cn', ruleId: 'CN-CAP-GATEWAY', params: { scope: 'callee_all_tenants', windows: [{ seconds: 86400, max: 8 }] }, reason: 'gateway cap eight' });
    const two = await a.ok('/admin/api/policy-changes', carol, { packId: 'cn', ruleId: 'CN-CAP-GATEWAY', params: { scope: 'callee_all_tenants', windows: [{ seconds: 86400, max: 9 }] }, reason: 'gateway cap nine' });
    await b.ok(`/admin/api/policy-changes/${one.id}/approve`, dave, {}, 200);
    const stale = await b.call('POST', `/admin/api/policy-changes/${two.id}/approve`, dave, {});
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().error.code, 'POLICY_CHANGE_STALE');

    const rollback = await b.ok('/admin/api/policy-changes/rollback', dave, { packId: 'cn', revisionId: shipped.revisionId, reason: 'back to the shipped pack' });
    assert.equal(rollback.revisionId, shipped.revisionId, 'a rollback restores the very revision id');
    await a.ok(`/admin/api/policy-changes/${rollback.id}/approve`, carol, {}, 200);
    const callee = nextCallee();
    await a.consent(world, callee);
    const decision = (await b.decide(world, callee)).json();
    assert.equal(decision.allow, true);
    assert.equal(decision.policyRevision, shipped.revisionId);
  });
});

describe('what-if, roles and tenants', () => {
  let gw: TestGateway;
  let world: World;
  let other: World;
  const P1 = nextCallee();
  const P2 = nextCallee();
  const P3 = nextCallee();
  let secondCallToP1: string;

  before(async () => {
    gw = await startTestGateway('sqlite');
    world = await gw.seed();
    other = await gw.seed({ caller: '+862161234599', uscc: '91110108MA01ABCD1E' });
    await createPeople(gw, world.tenantId);
    for (const callee of [P1, P2]) await gw.consent(world, callee);
    assert.equal((await gw.decide(world, P1)).json().allow, true);
    secondCallToP1 = (await gw.decide(world, P1)).json().id;
    assert.equal((await gw.decide(world, P2)).json().allow, true);
    assert.deepEqual(codes((await gw.decide(world, P3)).json()), ['NO_CONSENT']);
    // Another tenant's call to P1 must never show in this tenant's what-if.
    await gw.consent(other, P1);
    assert.equal((await gw.decide(other, P1)).json().allow, true);
  });
  after(async () => gw?.close());

  it('replays each recorded decision under its own revision exactly, and counts what a stricter cap would deny', async () => {
    const carol = await signIn(gw, 'carol');
    const draft = await gw.ok('/admin/api/policy-changes', carol, { packId: 'cn', ruleId: 'CN-CAP-PER-CALLEE', params: capParams(1), reason: 'stricter five-minute cap' });
    const report = await gw.ok(`/admin/api/policy-changes/${draft.id}/what-if`, carol, { tenantId: world.tenantId }, 200);
    assert.equal(report.considered, 4);
    assert.equal(report.replayed, 4);
    assert.equal(report.reproduced, 4, 'the replay reproduces every recorded decision under its own revision');
    assert.equal(report.unchanged, 3);
    assert.equal(report.allowToDeny, 1);
    assert.equal(report.denyToAllow, 0);
    assert.deepEqual(report.byReason, [{ code: 'FREQUENCY_CAP_EXCEEDED', gained: 1, lost: 0 }]);
    assert.equal(report.examples[0].decisionId, secondCallToP1);
    assert.equal(report.byCampaign.find((c: { campaignId: string }) => c.campaignId === world.campaignId).allowToDeny, 1);

    const everyone = await gw.ok(`/admin/api/policy-changes/${draft.id}/what-if`, carol, {}, 200);
    assert.equal(everyone.considered, 5, "the operator's officers replay every tenant");

    const newest = await gw.ok(`/admin/api/policy-changes/${draft.id}/what-if`, carol, { tenantId: world.tenantId, limit: 2 }, 200);
    assert.equal(newest.considered, 2);
    assert.equal(newest.truncated, true);
    assert.match(newest.warnings.join(' '), /Only the newest 2 decisions/);
  });

  it('counts decisions a looser rule would let through', async () => {
    const carol = await signIn(gw, 'carol');
    const draft = await gw.ok('/admin/api/policy-changes', carol, {
      packId: 'cn', ruleId: 'CN-CONSENT-OPT-IN', params: { modesNeedingNamedConsent: ['prerecorded', 'ai_voice'], exemptPurposes: ['insurance'] }, reason: 'exempt insurance (what-if only)',
    });
    const report = await gw.ok(`/admin/api/policy-changes/${draft.id}/what-if`, carol, { tenantId: world.tenantId }, 200);
    assert.equal(report.denyToAllow, 1);
    assert.equal(report.examples[0].callee, P3);
  });

  it("a tenant's auditor sees only that tenant and may not draft; a tenant's compliance officer may not change shared packs", async () => {
    const erin = await signIn(gw, 'erin');
    const tina = await signIn(gw, 'tina');
    const body = { packId: 'cn', ruleId: 'CN-CAP-PER-CALLEE', params: capParams(2), reason: 'not allowed to' };
    const byAuditor = await gw.call('POST', '/admin/api/policy-changes', erin, body);
    assert.equal(byAuditor.statusCode, 403);
    assert.equal(byAuditor.json().error.code, 'FORBIDDEN_ROLE');
    const byTenantOfficer = await gw.call('POST', '/admin/api/policy-changes', tina, body);
    assert.equal(byTenantOfficer.statusCode, 403);

    const mine = (await gw.call('GET', `/admin/api/decisions?callee=${encodeURIComponent(P1)}`, erin)).json().decisions;
    assert.equal(mine.length, 2);
    assert.ok(mine.every((d: { tenantId: string }) => d.tenantId === world.tenantId));
    const theirs = await gw.call('GET', `/admin/api/decisions?tenantId=${other.tenantId}`, erin);
    assert.equal(theirs.statusCode, 403);
    const dashboard = (await gw.call('GET', '/admin/api/dashboard', erin)).json();
    assert.equal(dashboard.totals.decisions, 4);
    assert.deepEqual((await gw.call('GET', '/admin/api/tenants', erin)).json().tenants.map((t: { id: string }) => t.id), [world.tenantId]);

    const logged = await gw.gate.db('admin_actions').where({ actor: 'erin' }).select('action');
    assert.ok(logged.some((l: { action: string }) => l.action === 'GET /admin/api/dashboard'), 'every auditor request is logged');
  });

  it('imports a registry copy streamed as text, for the gateway operator only', async () => {
    const listed = nextCallee();
    const inject = (token: string) =>
      gw.app.inject({ method: 'POST', url: '/v1/registries/cn-donotcall/versions?name=test&listDate=2026-11-20&callingCode=86', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, payload: `${listed}\n0137 0000 0011\nrubbish\n` });
    const byOfficer = await inject(await signIn(gw, 'carol'));
    assert.equal(byOfficer.statusCode, 403);
    const byTenantAdmin = await inject(gw.token('admin', world.tenantId));
    assert.equal(byTenantAdmin.statusCode, 403, "one tenant's admin may not replace a list every tenant is decided on");
    assert.equal(byTenantAdmin.json().error.code, 'FORBIDDEN_ROLE');
    const res = await inject(await signIn(gw, 'olga'));
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual({ ...res.json(), version: undefined }, { listId: 'cn-donotcall', version: undefined, entries: 2, rejectedLines: 1, firstRejected: ['rubbish'], format: 'plain', dated: false, undatedLines: 0, firstUndated: [] });
    await gw.consent(world, listed);
    assert.ok(codes((await gw.decide(world, listed)).json()).includes('REGISTRY_LISTED'));
  });

  it('signs in only with the right password of an enabled user; admins manage users of their own tenant only', async () => {
    assert.equal((await gw.call('POST', '/admin/api/session', null, { username: 'carol', password: 'wrong password!' })).statusCode, 401);
    assert.equal((await gw.call('POST', '/admin/api/session', null, { username: 'nobody', password: 'whatever it is' })).statusCode, 401);
    const olga = await signIn(gw, 'olga');
    const user = await gw.ok('/admin/api/users', olga, { username: 'tenant-admin', role: 'admin', tenantId: other.tenantId, password: 'a long enough password' });
    const tenantAdmin = await signIn(gw, 'tenant-admin', 'a long enough password');
    const stillSignedIn = await signIn(gw, 'tenant-admin', 'a long enough password');
    const foreign = await gw.call('POST', '/admin/api/users', tenantAdmin, { username: 'sneaky', role: 'auditor', tenantId: world.tenantId, password: 'a long enough password' });
    assert.equal(foreign.statusCode, 403);
    const listed = (await gw.call('GET', '/admin/api/users', tenantAdmin)).json().users;
    assert.deepEqual(listed.map((u: { username: string }) => u.username), ['tenant-admin']);
    assert.equal((await gw.call('GET', `/v1/campaigns?tenantId=${other.tenantId}`, stillSignedIn)).statusCode, 200);
    await gw.ok(`/admin/api/users/${user.id}/disabled`, olga, { disabled: true }, 200);
    assert.equal((await gw.call('POST', '/admin/api/session', null, { username: 'tenant-admin', password: 'a long enough password' })).statusCode, 401);
    const afterDisable = await gw.call('GET', `/v1/campaigns?tenantId=${other.tenantId}`, stillSignedIn);
    assert.equal(afterDisable.statusCode, 401, "a disabled account's token stops working, on /v1 routes too");
    const refused = await gw.gate.db('admin_actions').where({ action: 'sign in refused' });
    assert.ok(refused.length >= 3, 'refused sign-ins are logged');

    for (let i = 0; i < 5; i++) assert.equal((await gw.call('POST', '/admin/api/session', null, { username: 'dave', password: `guess number ${i}` })).statusCode, 401);
    const locked = await gw.call('POST', '/admin/api/session', null, { username: 'dave', password: 'correct horse battery staple' });
    assert.equal(locked.statusCode, 429, 'after five failures even the right password waits');
    assert.equal(locked.json().error.code, 'TOO_MANY_SIGN_INS');
  });
});
