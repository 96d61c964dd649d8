import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from './support/db';
import { allDayPolicyDir, startTestGateway, type TestGateway, type World } from './support/gateway';

const evidence = { description: '工商登记: 示例控股集团 holds 100% of both', reference: 'SAMR-2026-0042' };

/** The shipped CN pack (whose refusals bind the group), or the same pack with a refusal reaching one tenant only. */
function policyDir(scopeFloor: 'group' | 'tenant'): string {
  const dir = allDayPolicyDir();
  const file = path.join(dir, 'cn', 'pack.json');
  const pack = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const rule of pack.rules) if (rule.kind === 'optOut') rule.params.scopeFloor = scopeFloor;
  fs.writeFileSync(file, JSON.stringify(pack));
  return dir;
}

for (const engine of ENGINES) {
  for (const scopeFloor of ['group', 'tenant'] as const) {
    describe(`affiliates in a group on ${engine}, the pack's refusals reaching ${scopeFloor}`, () => {
      let gw: TestGateway;
      let a: World;
      let b: World;
      before(async () => {
        gw = await startTestGateway(engine, { POLICY_DIR: policyDir(scopeFloor) });
        a = await gw.seed({ legalName: '示例保险代理有限公司' });
        b = await gw.seed({ legalName: '示例财富管理有限公司', caller: '+862161230000', uscc: '91110108MA01ABCD1E' });
        const group = await gw.ok('/v1/tenant-groups', gw.admin, { name: '示例控股集团', evidence });
        await gw.ok(`/v1/tenant-groups/${group.id}/members`, gw.admin, { tenantId: a.tenantId, evidence });
        await gw.ok(`/v1/tenant-groups/${group.id}/members`, gw.admin, { tenantId: b.tenantId, evidence });
      });
      after(async () => gw?.close());

      it(
        scopeFloor === 'group'
          ? 'a refusal given to one affiliate stops the calls of the other, naming the affiliate that holds it'
          : 'a refusal given to one affiliate does not stop the other where the pack binds only the tenant',
        async () => {
          const callee = '+8613800138601';
          await gw.consent(b, callee);
          assert.equal((await gw.decide(b, callee)).json().allow, true);
          const receipt = await gw.ok('/v1/opt-outs', a.dialer, { callee, scope: 'tenant', source: 'keypress' });
          const d = (await gw.decide(b, callee)).json();
          if (scopeFloor === 'tenant') return assert.equal(d.allow, true, JSON.stringify(d));
          assert.deepEqual(d.reasons.map((r: { code: string }) => r.code), ['OPTED_OUT']);
          assert.match(d.reasons[0].message, new RegExp(`to 示例保险代理有限公司 \\(affiliate in group 示例控股集团\\).*receipt ${receipt.id}`));
        },
      );

      it('a consent given to one affiliate never lets the other call', async () => {
        const callee = '+8613800138602';
        await gw.consent(a, callee);
        assert.equal((await gw.decide(a, callee)).json().allow, true);
        const d = (await gw.decide(b, callee)).json();
        assert.deepEqual(d.reasons.map((r: { code: string }) => r.code), ['NO_CONSENT']);
      });

      it('only the operator enters groups and members; a tenant is in one group at most; each step is on the trail', async () => {
        const tenantAdmin = gw.token('admin', a.tenantId);
        assert.equal((await gw.call('POST', '/v1/tenant-groups', tenantAdmin, { name: 'mine', evidence })).statusCode, 403);
        assert.equal((await gw.call('POST', '/v1/tenant-groups', gw.admin, { name: 'no evidence' })).statusCode, 400);
        const other = await gw.ok('/v1/tenant-groups', gw.admin, { name: 'another group', evidence });
        const again = await gw.call('POST', `/v1/tenant-groups/${other.id}/members`, gw.admin, { tenantId: a.tenantId, evidence });
        assert.equal(again.statusCode, 409, again.body);
        assert.equal(again.json().error.code, 'TENANT_IN_GROUP');
        assert.equal((await gw.call('POST', '/v1/tenant-groups/grp_nope/members', gw.admin, { tenantId: a.tenantId, evidence })).statusCode, 404);
        const groups = (await gw.call('GET', '/v1/tenant-groups', gw.admin)).json().groups;
        const held = groups.find((g: { name: string }) => g.name === '示例控股集团');
        assert.deepEqual(held.members.map((m: { tenantName: string }) => m.tenantName), ['示例保险代理有限公司', '示例财富管理有限公司']);
        const types = (await gw.gate.db('audit_events').whereIn('type', ['tenant_group.created', 'tenant_group.member_added']).select('type')).map((r: { type: string }) => r.type);
        assert.equal(types.filter((t) => t === 'tenant_group.member_added').length, 2);
        assert.equal(types.filter((t) => t === 'tenant_group.created').length, 2);
      });
    });
  }
}
