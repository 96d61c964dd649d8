import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { isDuplicateKey } from '../src/storage/db';
import { recordCallOutcomes } from '../src/storage/outcomes';
import { importRegistry } from '../src/storage/registry';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const CALLEE = '+8613800138000';
let calleeSeq = 0;
/** A fresh callee per test, so caps and opt-outs of one test never leak into another. */
const nextCallee = () => `+86139${String(10000000 + ++calleeSeq).slice(-8)}`;
const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

for (const engine of ENGINES) {
  describe(`REST API on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;

    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('denies a call without consent, citing the rule, then allows it once consent is recorded', async () => {
      const denied = await gw.decide(world, CALLEE);
      assert.equal(denied.statusCode, 200);
      assert.equal(denied.json().allow, false);
      assert.deepEqual(denied.json().reasons.map((r: { code: string; rule: string; citation: string }) => [r.code, r.rule, r.citation]), [
        ['NO_CONSENT', 'CN-CONSENT-OPT-IN', '消费者权益保护法实施条例 arts. 23–24'],
      ]);
      await gw.consent(world, CALLEE);
      const allowed = (await gw.decide(world, CALLEE)).json();
      assert.equal(allowed.allow, true);
      assert.match(allowed.policyRevision, /^cn@test-all-day\+/);
    });

    it('records every decision, allow or deny, with input, reasons, rules, revision and timing', async () => {
      const callee = nextCallee();
      const answer = (await gw.decide(world, callee)).json();
      const stored = await gw.call('GET', `/v1/decisions/${answer.id}`, world.auditor);
      assert.equal(stored.statusCode, 200);
      const record = stored.json();
      assert.equal(record.allow, false);
      assert.equal(record.callee, callee);
      assert.deepEqual(record.reasons, answer.reasons);
      assert.ok(record.ruleIds.includes('CN-HOURS'));
      assert.equal(record.policyRevision, answer.policyRevision);
      assert.equal(record.input.call.callee, callee);
      assert.equal(typeof record.timing.engineUs, 'number');
    });

    it('an opt-out with a receipt denies the very next decision', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      assert.equal((await gw.decide(world, callee)).json().allow, true);
      const receipt = await gw.ok('/v1/opt-outs', world.dialer, { callee, scope: 'campaign', campaignId: world.campaignId, source: 'keypress' });
      assert.match(receipt.id, /^opt_/);
      assert.ok(Date.parse(receipt.effectiveAt) <= Date.now());
      const next = (await gw.decide(world, callee)).json();
      assert.deepEqual(codes(next), ['OPTED_OUT']);
      assert.ok(next.reasons[0].message.includes(receipt.id), 'the denial names the receipt');
    });

    it('a refusal reported with the call outcome records an opt-out', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const decision = (await gw.decide(world, callee)).json();
      const outcome = await gw.ok(`/v1/calls/${decision.id}/outcome`, world.dialer, { outcome: 'answered', durationSeconds: 42, refused: true });
      assert.match(outcome.optOutId, /^opt_/);
      assert.deepEqual(codes((await gw.decide(world, callee)).json()), ['OPTED_OUT']);
      const again = await gw.call('POST', `/v1/calls/${decision.id}/outcome`, world.dialer, { outcome: 'answered' });
      assert.equal(again.statusCode, 409);
    });

    it('a refusal the dialer reports after signalling recorded the outcome still stores the opt-out and completes the outcome', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const decision = (await gw.decide(world, callee)).json();
      assert.equal(decision.allow, true);
      // The SIP proxy records the answered call at its BYE, before the dialer's disposition arrives.
      await recordCallOutcomes(gw.gate.db, [{ decisionId: decision.id, tenantId: world.tenantId, outcome: 'answered', endedAt: Date.now(), durationSeconds: 12, refused: false, optOutId: null, recordedBy: 'sip' }], { ignoreDuplicates: true });
      // Should signalling's row land between the dialer's read and its insert, the clash is recognised and the row completed.
      const clash = await gw.gate.db('call_outcomes').insert({ decision_id: decision.id, tenant_id: world.tenantId, outcome: 'failed', ended_at: 0, refused: false, recorded_by: 'x', recorded_at: 0 }).catch((e) => e);
      assert.ok(isDuplicateKey(clash), String(clash));
      const report = await gw.call('POST', `/v1/calls/${decision.id}/outcome`, world.dialer, { outcome: 'abandoned', refused: true });
      assert.equal(report.statusCode, 201, report.body);
      const { optOutId } = report.json();
      assert.match(optOutId, /^opt_/);
      assert.deepEqual(codes((await gw.decide(world, callee)).json()), ['OPTED_OUT']);
      const row = await gw.gate.db('call_outcomes').where({ decision_id: decision.id }).first();
      assert.deepEqual([row.outcome, Boolean(row.refused), row.opt_out_id, row.duration_seconds], ['abandoned', true, optOutId, 12]);
      const trail = (await gw.call('GET', `/v1/audit/trail?callee=${encodeURIComponent(callee)}`, world.auditor)).json().events;
      assert.ok(trail.some((e: any) => e.type === 'opt_out.received' && e.subjectId === optOutId), 'the opt-out is on the trail');
      const outcomes = trail.filter((e: any) => e.type === 'call.outcome');
      assert.equal(outcomes.length, 2, "signalling's outcome and the dialer's report are both on the trail");
      const again = await gw.call('POST', `/v1/calls/${decision.id}/outcome`, world.dialer, { outcome: 'answered', refused: true });
      assert.equal(again.statusCode, 409, 'the dialer reports a call once');
    });

    it('caps calls per callee exactly: the fourth call within 5 minutes is denied with nextAllowedAt', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const answers = await Promise.all(Array.from({ length: 6 }, () => gw.decide(world, callee)));
      const allowed = answers.filter((a) => a.json().allow);
      assert.equal(allowed.length, 3);
      const denied = answers.find((a) => !a.json().allow)!.json();
      assert.deepEqual(codes(denied), ['FREQUENCY_CAP_EXCEEDED']);
      const next = Date.parse(denied.nextAllowedAt);
      assert.ok(next > Date.now() + 4 * 60_000 && next <= Date.now() + 5 * 60_000, `nextAllowedAt ${denied.nextAllowedAt}`);
    });

    it('imported call history counts toward the caps from day one', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const attemptedAt = new Date(Date.now() - 60_000).toISOString();
      const res = await gw.ok('/v1/call-history', world.dialer, { attempts: [1, 2, 3].map((i) => ({ callee, caller: world.caller, attemptedAt: new Date(Date.parse(attemptedAt) - i * 1000).toISOString() })) });
      assert.equal(res.imported, 3);
      assert.deepEqual(codes((await gw.decide(world, callee)).json()), ['FREQUENCY_CAP_EXCEEDED']);
    });

    it('caps one display number at 300 calls a day, counted in the database, and says when it may call again', async () => {
      const number = '+862161239999';
      const spare = await gw.ok('/v1/caller-numbers', world.compliance, { e164: number, proofOfRight: { carrierAllocation: 'CT-0099' } });
      await gw.ok(`/v1/caller-numbers/${spare.id}/verification`, gw.admin, { status: 'verified' }, 200);
      const campaign = await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: 'n', purpose: 'insurance', policyPack: 'cn', dialingMode: 'agent', callerNumberIds: [spare.id] });
      const now = Date.now();
      const oldest = now - 3_600_000;
      // 300 calls over the last hour, to 300 different people.
      const attempts = Array.from({ length: 300 }, (_, i) => ({ callee: `+86136${String(10000000 + i).slice(-8)}`, caller: number, attemptedAt: new Date(oldest + i * 1000).toISOString() }));
      await gw.ok('/v1/call-history', world.dialer, { attempts });
      const callee = nextCallee();
      await gw.consent(world, callee);
      const res = (await gw.call('POST', '/v1/decisions', world.dialer, { campaignId: campaign.id, callee, caller: number })).json();
      assert.deepEqual(res.reasons.map((r: { rule: string }) => r.rule), ['CN-CAP-PER-NUMBER']);
      // The 300th newest call is the oldest one: the number may call again 24 h after it.
      assert.equal(Date.parse(res.nextAllowedAt), Date.parse(new Date(oldest).toISOString()) + 86_400_000);
    });

    it("allows a number in the callee's region only when it is registered to the campaign (no fake local presence)", async () => {
      const beijingLine = '+861062345678';
      const local = await gw.ok('/v1/caller-numbers', world.compliance, { e164: beijingLine, proofOfRight: { carrierAllocation: 'CU-0001' } });
      await gw.ok(`/v1/caller-numbers/${local.id}/verification`, gw.admin, { status: 'verified' }, 200);
      const beijingCallee = '+8613800138123';
      await gw.consent(world, beijingCallee);
      assert.deepEqual(codes((await gw.decide(world, beijingCallee, beijingLine)).json()), ['CALLER_ID_LOCAL_PRESENCE']);
      const localCampaign = await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: '北京', purpose: 'insurance', policyPack: 'cn', dialingMode: 'agent', callerNumberIds: [local.id] });
      const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId: localCampaign.id, callee: beijingCallee, caller: beijingLine });
      assert.equal(res.json().allow, true, res.body);
    });

    it('evaluate answers for another instant and changes nothing', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const before = await gw.count('decisions');
      const attempts = await gw.count('call_attempts');
      const res = await gw.call('POST', '/v1/decisions/evaluate', world.dialer, { campaignId: world.campaignId, callee, caller: world.caller, at: new Date(Date.now() + 3_600_000).toISOString() });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().allow, true);
      assert.equal(await gw.count('decisions'), before);
      assert.equal(await gw.count('call_attempts'), attempts);
    });

    it("a call's declared prerecorded mode on an agent campaign needs consent naming it, and the record keeps the mode", async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const body = { campaignId: world.campaignId, callee, caller: world.caller };
      assert.equal((await gw.call('POST', '/v1/decisions/evaluate', world.dialer, { ...body, at: new Date().toISOString() })).json().allow, true);
      const evaluated = (await gw.call('POST', '/v1/decisions/evaluate', world.dialer, { ...body, mode: 'prerecorded', at: new Date().toISOString() })).json();
      assert.deepEqual(codes(evaluated), ['CONSENT_MODE_NOT_COVERED']);
      const answer = (await gw.call('POST', '/v1/decisions', world.dialer, { ...body, mode: 'prerecorded' })).json();
      assert.deepEqual(codes(answer), ['CONSENT_MODE_NOT_COVERED']);
      const record = (await gw.call('GET', `/v1/decisions/${answer.id}`, world.auditor)).json();
      assert.equal(record.mode, 'prerecorded');
      assert.equal(record.input.call.mode, 'prerecorded');
      const before = await gw.count('decisions');
      const unknown = await gw.call('POST', '/v1/decisions', world.dialer, { ...body, mode: 'robocall' });
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.equal(await gw.count('decisions'), before, 'an unknown mode is bad input, not a decision');
      await gw.consent(world, callee, { modes: ['prerecorded'] });
      assert.equal((await gw.call('POST', '/v1/decisions', world.dialer, { ...body, mode: 'prerecorded' })).json().allow, true);
    });

    it('refuses pre-ticked, bundled and evidence-less consent with a clear error', async () => {
      const base = { callee: nextCallee() };
      for (const evidence of [
        { textShown: 'x', pageUrl: 'https://e.com', preTicked: true, bundledWithOtherTerms: false },
        { textShown: 'x', pageUrl: 'https://e.com', preTicked: false, bundledWithOtherTerms: true },
        { textShown: 'x', preTicked: false, bundledWithOtherTerms: false },
      ]) {
        const res = await gw.call('POST', '/v1/consents', world.dialer, {
          ...base, brandId: world.brandId, purpose: 'insurance', channel: 'web', obtainedAt: new Date().toISOString(), captureMethod: 'web_form_checkbox', evidence,
        });
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().error.code, 'CONSENT_NOT_SPECIFIC');
      }
    });

    it('a suspended display number is denied', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const spare = await gw.ok('/v1/caller-numbers', world.compliance, { e164: '+862161234599', proofOfRight: { carrierAllocation: 'CT-0043' } });
      await gw.ok(`/v1/caller-numbers/${spare.id}/verification`, gw.admin, { status: 'verified' }, 200);
      await gw.ok(`/v1/caller-numbers/${spare.id}/status`, world.compliance, { status: 'suspended' }, 200);
      assert.deepEqual(codes((await gw.decide(world, callee, '+862161234599')).json()), ['CALLER_ID_SUSPENDED']);
    });

    it('a registry import replaces the list and a listed callee is denied', async () => {
      const callee = nextCallee();
      await gw.consent(world, callee);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dnc-')), 'list.txt');
      fs.writeFileSync(file, `# industry list\n${callee}\n13900000000\nnot-a-number\n`);
      const result = await importRegistry(gw.gate.db, { listId: 'cn-donotcall', name: 'Industry DNC', country: 'CN', listDate: Date.now() - 86_400_000 }, fs.createReadStream(file), { defaultCallingCode: '86' });
      assert.deepEqual([result.entries, result.rejectedLines], [2, 1]);
      assert.deepEqual(codes((await gw.decide(world, callee)).json()), ['REGISTRY_LISTED']);
      fs.writeFileSync(file, '+8613900000000\n');
      await importRegistry(gw.gate.db, { listId: 'cn-donotcall', name: 'Industry DNC', country: 'CN', listDate: Date.now() }, fs.createReadStream(file), { defaultCallingCode: null });
      assert.equal((await gw.decide(world, callee)).json().allow, true);
      const listed = (await gw.call('GET', '/v1/registries', world.dialer)).json().registries;
      assert.deepEqual(listed.map((r: { id: string; version: number; entries: number }) => [r.id, r.version, r.entries]), [['cn-donotcall', 2, 1]]);
    });

    describe('bad input gets a clear 4xx and changes nothing', () => {
      const cases: [string, () => Promise<{ statusCode: number; json: () => any }>, number, string][] = [
        ['malformed JSON', () => gw.app.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${world.dialer}`, 'content-type': 'application/json' }, payload: '{"campaignId":' }), 400, 'MALFORMED_JSON'],
        ['a number that is not E.164', () => gw.call('POST', '/v1/decisions', world.dialer, { campaignId: world.campaignId, callee: '13800138000' }), 400, 'VALIDATION_FAILED'],
        ['an unallocated number', () => gw.call('POST', '/v1/decisions', world.dialer, { campaignId: world.campaignId, callee: '+8612000' }), 400, 'INVALID_NUMBER'],
        ['an unknown campaign', () => gw.call('POST', '/v1/decisions', world.dialer, { campaignId: 'cmp_nope', callee: CALLEE }), 404, 'CAMPAIGN_NOT_FOUND'],
        ['no token', () => gw.call('POST', '/v1/decisions', null, { campaignId: world.campaignId, callee: CALLEE }), 401, 'AUTH_REQUIRED'],
        ['a forged token', () => gw.call('POST', '/v1/decisions', jwt.sign({ role: 'dialer', tenant: world.tenantId }, 'not-the-secret-not-the-secret-000', { subject: 'x', issuer: 'callgate' }), { campaignId: world.campaignId, callee: CALLEE }), 401, 'TOKEN_INVALID'],
        ['an expired token', () => gw.call('POST', '/v1/decisions', gw.token('dialer', world.tenantId, 'late', -10), { campaignId: world.campaignId, callee: CALLEE }), 401, 'TOKEN_EXPIRED'],
        ['an invalid 统一社会信用代码', () => gw.call('POST', '/v1/tenants', gw.admin, { legalName: 'X', uscc: '91350100M000100Y44', country: 'CN' }), 400, 'INVALID_USCC'],
      ];
      for (const [name, send, status, code] of cases) {
        it(`${name} → ${status} ${code}`, async () => {
          const decisions = await gw.count('decisions');
          const attempts = await gw.count('call_attempts');
          const res = await send();
          assert.equal(res.statusCode, status);
          assert.equal(res.json().error.code, code);
          assert.equal(await gw.count('decisions'), decisions);
          assert.equal(await gw.count('call_attempts'), attempts);
        });
      }
    });

    describe('tenants and roles', () => {
      let other: World;
      before(async () => {
        other = await gw.seed({ caller: '+862161230000', uscc: '91110108MA01ABCD1E' });
      });

      it("a tenant cannot read another tenant's decision or decide on its campaign", async () => {
        const decision = (await gw.decide(world, nextCallee())).json();
        const read = await gw.call('GET', `/v1/decisions/${decision.id}`, other.auditor);
        assert.equal(read.statusCode, 403);
        assert.equal(read.json().error.code, 'FORBIDDEN_TENANT');
        const cross = await gw.call('POST', '/v1/decisions', other.dialer, { campaignId: world.campaignId, callee: CALLEE, caller: world.caller });
        assert.equal(cross.statusCode, 404);
        const spoofTenant = await gw.call('POST', '/v1/decisions', other.dialer, { tenantId: world.tenantId, campaignId: world.campaignId, callee: CALLEE });
        assert.equal(spoofTenant.statusCode, 403);
      });

      it("a tenant cannot record consent under another tenant's brand", async () => {
        const res = await gw.call('POST', '/v1/consents', other.dialer, {
          callee: CALLEE, brandId: world.brandId, purpose: 'insurance', channel: 'web', obtainedAt: new Date().toISOString(), captureMethod: 'web_form_checkbox',
          evidence: { textShown: 'x', pageUrl: 'https://e.com', preTicked: false, bundledWithOtherTerms: false },
        });
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'BRAND_NOT_FOUND');
      });

      it("a tenant's opt-out list shows its own refusals, not another tenant's", async () => {
        const callee = nextCallee();
        await gw.ok('/v1/opt-outs', world.dialer, { callee, scope: 'tenant', source: 'sms_reply' });
        const theirs = (await gw.call('GET', `/v1/opt-outs?callee=${encodeURIComponent(callee)}`, other.auditor)).json();
        assert.deepEqual(theirs.optOuts, []);
        const ours = (await gw.call('GET', `/v1/opt-outs?callee=${encodeURIComponent(callee)}`, world.auditor)).json();
        assert.equal(ours.optOuts.length, 1);
      });

      it('a dialer may not manage campaigns, and a tenant may not verify its own numbers', async () => {
        const res = await gw.call('POST', '/v1/campaigns', world.dialer, { brandId: world.brandId, name: 'x', purpose: 'insurance', policyPack: 'cn', dialingMode: 'agent' });
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().error.code, 'FORBIDDEN_ROLE');
        const self = await gw.call('POST', `/v1/caller-numbers/${world.numberId}/verification`, world.compliance, { status: 'verified' });
        assert.equal(self.statusCode, 403);
      });

      it("an admin bound to one tenant cannot list every tenant, create one, or verify its own numbers", async () => {
        const tenantAdmin = gw.token('admin', world.tenantId);
        for (const [method, url, body] of [
          ['GET', '/v1/tenants', undefined],
          ['POST', '/v1/tenants', { legalName: 'X', country: 'US' }],
          ['POST', `/v1/tenants/${world.tenantId}/verification`, { status: 'verified', evidence: {} }],
          ['POST', `/v1/caller-numbers/${world.numberId}/verification`, { status: 'verified' }],
        ] as const) {
          const res = await gw.call(method, url, tenantAdmin, body);
          assert.equal(res.statusCode, 403, `${method} ${url}`);
          assert.equal(res.json().error.code, 'FORBIDDEN_ROLE');
        }
      });

      it('serves the API documentation at /docs', async () => {
        const page = await gw.app.inject({ method: 'GET', url: '/docs' });
        assert.equal(page.statusCode, 200);
        assert.match(page.body, /swagger/i);
        const document = await gw.app.inject({ method: 'GET', url: '/docs/json' });
        assert.ok(document.json().paths['/v1/decisions']);
      });

      it('every compliance, auditor and admin request is logged with who made it', async () => {
        const before = await gw.count('admin_actions');
        await gw.call('GET', `/v1/consents?callee=${encodeURIComponent(CALLEE)}`, world.auditor);
        const rows = await gw.gate.db('admin_actions').orderBy('id', 'desc').limit(1);
        assert.equal(await gw.count('admin_actions'), before + 1);
        assert.deepEqual([rows[0].actor, rows[0].role, rows[0].tenant_id, rows[0].action], ['auditor-test', 'auditor', world.tenantId, 'GET /v1/consents']);
      });
    });
  });
}
