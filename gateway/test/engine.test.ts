import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../src/engine/engine';
import { numberInfo } from '../src/numbers/phone';
import { BEIJING_MORNING, CALLEE, CALLER, CN, call, consentFacts, goodFacts, withParams } from './support/facts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

describe('decision engine', () => {
  it('allows a lawful call and records the policy revision and every rule evaluated', () => {
    const d = decide(call(), goodFacts(), CN, BEIJING_MORNING);
    assert.deepEqual(d.reasons, []);
    assert.equal(d.allow, true);
    assert.equal(d.nextAllowedAt, null);
    assert.match(d.policyRevision, /^cn@2026\.11\.1\+[0-9a-f]{12}$/);
    assert.ok(d.ruleIds.includes('CN-CONSENT-OPT-IN'));
  });

  it('returns every failing reason in a stable order, not only the first', () => {
    const facts = goodFacts({ tenant: { id: 't1', verificationStatus: 'pending' }, consents: [], optOuts: [{ id: 'o1', scope: 'tenant', tenantId: 't1', brandId: null, campaignId: null, effectiveAt: BEIJING_MORNING - MIN }] });
    const d = decide(call(), facts, CN, BEIJING_MORNING + 12 * HOUR);
    assert.deepEqual(codes(d), ['TENANT_NOT_VERIFIED', 'NO_CONSENT', 'OPTED_OUT', 'OUTSIDE_CALLING_HOURS']);
    assert.equal(d.nextAllowedAt, null, 'non-time reasons mean no nextAllowedAt');
    for (const r of d.reasons) assert.ok(r.citation.length > 0 && r.rule.length > 0 && r.message.length > 0);
  });

  describe('caller identity', () => {
    it('denies a missing display number', () => {
      assert.deepEqual(codes(decide(call({ caller: null }), goodFacts(), CN, BEIJING_MORNING)), ['CALLER_ID_MISSING']);
    });
    it('denies an invalid display number', () => {
      assert.deepEqual(codes(decide(call({ caller: '+86123' }), goodFacts(), CN, BEIJING_MORNING)), ['CALLER_ID_INVALID']);
    });
    it("denies a number registered to another tenant (spoofing someone else's number)", () => {
      const facts = goodFacts();
      facts.callerNumber = { ...facts.callerNumber!, tenantId: 'other' };
      assert.deepEqual(codes(decide(call(), facts, CN, BEIJING_MORNING)), ['CALLER_ID_NOT_OWNED']);
    });
    it('denies an unverified and suspended number with both reasons', () => {
      const facts = goodFacts();
      facts.callerNumber = { ...facts.callerNumber!, verificationStatus: 'pending', status: 'suspended' };
      assert.deepEqual(codes(decide(call(), facts, CN, BEIJING_MORNING)), ['CALLER_ID_UNVERIFIED', 'CALLER_ID_SUSPENDED']);
    });
    it('denies a 170 virtual-operator number without real-name proof and allows it with proof', () => {
      const vno = '+8617012345678';
      const facts = goodFacts();
      facts.callerNumber = { ...facts.callerNumber!, e164: vno, lineType: 'mobile', realNameProof: false, region: null };
      assert.deepEqual(codes(decide(call({ caller: vno }), facts, CN, BEIJING_MORNING)), ['CALLER_ID_VIRTUAL_OPERATOR']);
      facts.callerNumber.realNameProof = true;
      assert.deepEqual(codes(decide(call({ caller: vno }), facts, CN, BEIJING_MORNING)), []);
    });
    it("denies a number matching the callee's region that is not registered to the campaign (fake local presence)", () => {
      const beijingLine = '+861062345678';
      const facts = goodFacts({ callerInCampaign: false });
      facts.callerNumber = { ...facts.callerNumber!, e164: beijingLine, region: null };
      assert.deepEqual(codes(decide(call({ caller: beijingLine }), facts, CN, BEIJING_MORNING)), ['CALLER_ID_LOCAL_PRESENCE']);
      facts.callerInCampaign = true;
      assert.deepEqual(codes(decide(call({ caller: beijingLine }), facts, CN, BEIJING_MORNING)), []);
    });
    it('denies a third distinct display number toward one callee within the rotation window', () => {
      const calleeAttempts = [
        { at: BEIJING_MORNING - 2 * 86_400_000, tenantId: 't1', caller: '+862161234501' },
        { at: BEIJING_MORNING - 3 * 86_400_000, tenantId: 't1', caller: '+862161234502' },
      ];
      const d = decide(call(), goodFacts({ calleeAttempts }), CN, BEIJING_MORNING);
      assert.deepEqual(codes(d), ['CALLER_ID_ROTATION']);
      assert.equal(d.nextAllowedAt, BEIJING_MORNING - 3 * 86_400_000 + 7 * 86_400_000);
      // Reusing a number already used is not rotation.
      assert.deepEqual(codes(decide(call({ caller: CALLER }), goodFacts({ calleeAttempts: [{ ...calleeAttempts[0], caller: CALLER }, calleeAttempts[1]] }), CN, BEIJING_MORNING)), []);
    });
  });

  describe('consent', () => {
    const at = BEIJING_MORNING;
    it('denies without consent', () => assert.deepEqual(codes(decide(call(), goodFacts({ consents: [] }), CN, at)), ['NO_CONSENT']));
    it('denies an expired consent, one instant after expiry', () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ consents: [consentFacts({ expiresAt: at })] }), CN, at)), ['CONSENT_EXPIRED']);
      assert.deepEqual(codes(decide(call(), goodFacts({ consents: [consentFacts({ expiresAt: at + 1 })] }), CN, at)), []);
    });
    it('denies consent given to another brand (no sharing between brands)', () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ consents: [consentFacts({ brandId: 'b2' })] }), CN, at)), ['CONSENT_SCOPE_MISMATCH']);
    });
    it('denies consent for another purpose', () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ consents: [consentFacts({ purpose: 'finance' })] }), CN, at)), ['CONSENT_SCOPE_MISMATCH']);
    });
    it('denies an AI-voice call whose consent does not name AI voice', () => {
      const facts = goodFacts();
      facts.campaign.dialingMode = 'ai_voice';
      assert.deepEqual(codes(decide(call(), facts, CN, at)), ['CONSENT_MODE_NOT_COVERED']);
      facts.consents = [consentFacts({ modes: ['ai_voice'] })];
      assert.deepEqual(codes(decide(call(), facts, CN, at)), []);
    });
    it('denies after the consent was revoked', () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ consents: [consentFacts({ revokedAt: at - 1 })] }), CN, at)), ['CONSENT_REVOKED']);
    });
    it("ignores another tenant's consent", () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ consents: [consentFacts({ tenantId: 't2' })] }), CN, at)), ['NO_CONSENT']);
    });
  });

  describe("a call's declared dialing mode", () => {
    const at = BEIJING_MORNING;
    it('a prerecorded call on an agent campaign needs consent naming prerecorded calls', () => {
      assert.deepEqual(codes(decide(call(), goodFacts(), CN, at)), []);
      const d = decide(call({ mode: 'prerecorded' }), goodFacts(), CN, at);
      assert.deepEqual(codes(d), ['CONSENT_MODE_NOT_COVERED']);
      assert.match(d.reasons[0].message, /prerecorded/);
      assert.deepEqual(codes(decide(call({ mode: 'prerecorded' }), goodFacts({ consents: [consentFacts({ modes: ['prerecorded'] })] }), CN, at)), []);
    });
    it("adds the declared mode's demands to the campaign mode's and never lifts them", () => {
      const facts = goodFacts({ consents: [consentFacts({ modes: ['ai_voice'] })] });
      facts.campaign.dialingMode = 'ai_voice';
      assert.deepEqual(codes(decide(call({ mode: 'agent' }), facts, CN, at)), []);
      const added = decide(call({ mode: 'prerecorded' }), facts, CN, at);
      assert.deepEqual(codes(added), ['CONSENT_MODE_NOT_COVERED']);
      assert.match(added.reasons[0].message, /prerecorded/);
      facts.consents = [consentFacts({ modes: ['prerecorded'] })];
      const kept = decide(call({ mode: 'prerecorded' }), facts, CN, at);
      assert.deepEqual(codes(kept), ['CONSENT_MODE_NOT_COVERED'], 'consent naming only the declared mode does not cover the campaign mode');
      assert.match(kept.reasons[0].message, /ai_voice/);
      facts.consents = [consentFacts()];
      assert.deepEqual(codes(decide(call({ mode: 'agent' }), facts, CN, at)), ['CONSENT_MODE_NOT_COVERED'], 'declaring agent does not dodge named consent');
      facts.consents = [consentFacts({ modes: ['prerecorded', 'ai_voice'] })];
      assert.deepEqual(codes(decide(call({ mode: 'prerecorded' }), facts, CN, at)), []);
    });
    it('reports a finding that does not depend on the mode once, not once per mode', () => {
      const facts = goodFacts({ consents: [consentFacts({ modes: ['ai_voice'] })] });
      facts.campaign.dialingMode = 'ai_voice';
      const d = decide(call({ mode: 'prerecorded' }), facts, CN, at + 12 * HOUR);
      assert.deepEqual(codes(d), ['CONSENT_MODE_NOT_COVERED', 'OUTSIDE_CALLING_HOURS']);
      assert.equal(d.nextAllowedAt, null);
    });
  });

  describe('opt-outs', () => {
    const optOut = (scope: 'campaign' | 'brand' | 'tenant' | 'all', tenantId: string | null = 't1') => ({
      id: 'o1', scope, tenantId, brandId: 'b9', campaignId: 'c9', effectiveAt: BEIJING_MORNING - 1000,
    });
    it('a campaign-scoped refusal stops the whole tenant under the CN scope floor', () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [optOut('campaign')] }), CN, BEIJING_MORNING)), ['OPTED_OUT']);
    });
    it('a campaign-scoped refusal stops only that campaign when the floor is campaign', () => {
      const narrow = withParams(CN, 'CN-REFUSAL-IMMEDIATE', { scopeFloor: 'campaign' });
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [optOut('campaign')] }), narrow, BEIJING_MORNING)), []);
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [{ ...optOut('campaign'), campaignId: 'c1' }] }), narrow, BEIJING_MORNING)), ['OPTED_OUT']);
    });
    it("another tenant's refusal does not stop this tenant unless it is for every tenant", () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [optOut('tenant', 't2')] }), CN, BEIJING_MORNING)), []);
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [optOut('all', null)] }), CN, BEIJING_MORNING)), ['OPTED_OUT']);
    });
    it('a refusal widened for its own purpose only stops calls of another purpose from the date the pack widens it, not before', () => {
      const dated = withParams(CN, 'CN-REFUSAL-IMMEDIATE', { scopeFloor: 'tenant', purposes: 'same', widenings: [{ from: '2026-03-11', purposes: 'all' }] });
      const otherPurpose = { ...optOut('campaign'), purpose: 'finance' };
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [otherPurpose] }), dated, BEIJING_MORNING)), [], 'the day before: another purpose is not reached');
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [{ ...otherPurpose, purpose: 'insurance' }] }), dated, BEIJING_MORNING)), ['OPTED_OUT'], 'the same purpose is');
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [otherPurpose] }), dated, BEIJING_MORNING + 24 * HOUR)), ['OPTED_OUT'], 'from the date: every purpose');
    });
    it("an affiliate's refusal stops this tenant only where the pack's reach is the group, and the reason names the affiliate", () => {
      const group = { id: 'g1', name: 'Example Holdings', members: [{ tenantId: 't1', name: 'Example Insurance' }, { tenantId: 't2', name: 'Example Wealth' }] };
      const facts = goodFacts({ optOuts: [optOut('tenant', 't2')], group });
      const d = decide(call(), facts, withParams(CN, 'CN-REFUSAL-IMMEDIATE', { scopeFloor: 'group' }), BEIJING_MORNING);
      assert.deepEqual(codes(d), ['OPTED_OUT']);
      assert.match(d.reasons[0].message, /to Example Wealth \(affiliate in group Example Holdings\).*receipt o1/);
      assert.deepEqual(codes(decide(call(), facts, withParams(CN, 'CN-REFUSAL-IMMEDIATE', { scopeFloor: 'tenant' }), BEIJING_MORNING)), []);
      assert.deepEqual(codes(decide(call(), { ...facts, group: null }, withParams(CN, 'CN-REFUSAL-IMMEDIATE', { scopeFloor: 'group' }), BEIJING_MORNING)), [], 'no group: no affiliate');
    });
    it('a refusal stored with a clock slightly ahead of this instance still blocks', () => {
      const ahead = { ...optOut('tenant'), effectiveAt: BEIJING_MORNING + 5000 };
      assert.deepEqual(codes(decide(call(), goodFacts({ optOuts: [ahead] }), CN, BEIJING_MORNING)), ['OPTED_OUT']);
    });
  });

  describe('registries', () => {
    const strict = withParams(CN, 'CN-DNC-PREFERENCES', { lists: [{ listId: 'cn-donotcall', maxAgeDays: 31, requireLoaded: true }] });
    it('fails closed when a required list was never loaded', () => {
      assert.deepEqual(codes(decide(call(), goodFacts(), strict, BEIJING_MORNING)), ['REGISTRY_STALE']);
    });
    it('fails closed when the list is older than its maximum age, to the day', () => {
      const listDate = (days: number) => [{ listId: 'cn-donotcall', listDate: BEIJING_MORNING - days * 86_400_000, listed: false }];
      assert.deepEqual(codes(decide(call(), goodFacts({ registries: listDate(31) }), strict, BEIJING_MORNING)), []);
      assert.deepEqual(codes(decide(call(), goodFacts({ registries: listDate(32) }), strict, BEIJING_MORNING)), ['REGISTRY_STALE']);
    });
    it('denies a listed callee', () => {
      const registries = [{ listId: 'cn-donotcall', listDate: BEIJING_MORNING - 86_400_000, listed: true }];
      assert.deepEqual(codes(decide(call(), goodFacts({ registries }), CN, BEIJING_MORNING)), ['REGISTRY_LISTED']);
    });
  });

  describe('frequency caps', () => {
    const attempts = (...minutesAgo: number[]) => minutesAgo.map((m) => ({ at: BEIJING_MORNING - m * MIN, tenantId: 't1', caller: CALLER }));
    it('allows the third call in 5 minutes and denies the fourth until the oldest leaves the window', () => {
      assert.deepEqual(codes(decide(call(), goodFacts({ calleeAttempts: attempts(1, 2) }), CN, BEIJING_MORNING)), []);
      const d = decide(call(), goodFacts({ calleeAttempts: attempts(1, 2, 4) }), CN, BEIJING_MORNING);
      assert.deepEqual(codes(d), ['FREQUENCY_CAP_EXCEEDED']);
      assert.equal(d.nextAllowedAt, BEIJING_MORNING - 4 * MIN + 5 * MIN);
    });
    it('denies a sixth call in 24 hours across display numbers', () => {
      const calleeAttempts = attempts(10, 20, 30, 40, 50).map((a, i) => ({ ...a, caller: i % 2 ? CALLER : '+862161234599' }));
      const d = decide(call(), goodFacts({ calleeAttempts }), CN, BEIJING_MORNING);
      assert.deepEqual(codes(d), ['FREQUENCY_CAP_EXCEEDED']);
      assert.equal(d.nextAllowedAt, BEIJING_MORNING - 50 * MIN + 24 * 60 * MIN);
    });
    it('counts calls from every tenant toward the gateway-wide cap', () => {
      const calleeAttempts = Array.from({ length: 10 }, (_, i) => ({ at: BEIJING_MORNING - (i + 1) * HOUR, tenantId: `other${i}`, caller: null }));
      assert.deepEqual(codes(decide(call(), goodFacts({ calleeAttempts }), CN, BEIJING_MORNING)), ['FREQUENCY_CAP_EXCEEDED']);
    });
    it('caps calls from one display number per day', () => {
      const window = (count: number, kthNewest: number | null) => goodFacts({ callerWindows: [{ seconds: 86400, max: 300, count, kthNewest }] });
      assert.deepEqual(codes(decide(call(), window(299, null), CN, BEIJING_MORNING)), []);
      const full = decide(call(), window(300, BEIJING_MORNING - 60 * MIN), CN, BEIJING_MORNING);
      assert.deepEqual(codes(full), ['FREQUENCY_CAP_EXCEEDED']);
      assert.equal(full.nextAllowedAt, BEIJING_MORNING - 60 * MIN + 24 * 60 * MIN);
      // Filled within the same batch: the cap holds, only the hint is missing.
      const filledNow = decide(call(), window(300, null), CN, BEIJING_MORNING);
      assert.deepEqual([codes(filledNow), filledNow.nextAllowedAt], [['FREQUENCY_CAP_EXCEEDED'], null]);
    });
  });

  describe('calling hours', () => {
    const beijing = (iso: string) => Date.parse(`${iso}+08:00`);
    it('allows at 08:00:00 and 20:59:59, denies at 07:59:59 and at 21:00:00', () => {
      assert.equal(decide(call(), goodFacts(), CN, beijing('2026-03-10T08:00:00')).allow, true);
      assert.equal(decide(call(), goodFacts(), CN, beijing('2026-03-10T20:59:59')).allow, true);
      const early = decide(call(), goodFacts(), CN, beijing('2026-03-10T07:59:59'));
      assert.deepEqual(codes(early), ['OUTSIDE_CALLING_HOURS']);
      assert.equal(early.nextAllowedAt, beijing('2026-03-10T08:00:00'));
      const late = decide(call(), goodFacts(), CN, beijing('2026-03-10T21:00:00'));
      assert.equal(late.nextAllowedAt, beijing('2026-03-11T08:00:00'));
    });
    it('denies on a configured holiday and points to the next open day', () => {
      const withHoliday = withParams(CN, 'CN-HOURS', { holidays: { dates: ['2026-03-10'] } });
      const d = decide(call(), goodFacts(), withHoliday, beijing('2026-03-10T10:00:00'));
      assert.deepEqual(codes(d), ['HOLIDAY']);
      assert.equal(d.nextAllowedAt, beijing('2026-03-11T08:00:00'));
    });
    it('uses a maintained public-holiday calendar when the pack names one', () => {
      const withCalendar = withParams(CN, 'CN-HOURS', { holidays: { calendar: 'CN' } });
      assert.deepEqual(codes(decide(call(), goodFacts(), withCalendar, beijing('2026-10-01T10:00:00'))), ['HOLIDAY']);
    });
    it("judges a US number in the callee's zone across DST and takes every zone of a multi-zone number", () => {
      const us = { ...CN, pack: { ...CN.pack, appliesTo: { countries: ['US', 'CN'] } } };
      const eight = withParams(us, 'CN-HOURS', { windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '21:00' }] });
      const facts = goodFacts({ consents: [] });
      const hours = (at: number) => codes(decide(call({ callee: ny }), facts, eight, at)).includes('OUTSIDE_CALLING_HOURS');
      const ny = '+12125551234';
      // 2026-03-08 is the US spring-forward day: 08:00 EDT is 12:00Z, not 13:00Z.
      assert.equal(hours(Date.parse('2026-03-08T11:59:59Z')), true);
      assert.equal(hours(Date.parse('2026-03-08T12:00:00Z')), false);
      // Blocked at 06:00 local on the spring-forward day: next allowed at 08:00 EDT, not 08:00 EST.
      const consented = goodFacts({ consents: [consentFacts({ obtainedAt: 0 })] });
      assert.equal(decide(call({ callee: ny }), consented, eight, Date.parse('2026-03-08T10:00:00Z')).nextAllowedAt, Date.parse('2026-03-08T12:00:00Z'));
      // The day before, still on EST, 08:00 local is 13:00Z.
      assert.equal(hours(Date.parse('2026-03-07T12:30:00Z')), true);
      assert.equal(hours(Date.parse('2026-03-07T13:00:00Z')), false);
      // South Dakota's 605 range spans Central and Mountain time: allowed only where both zones allow.
      const multi = '+16053001234';
      const zones = numberInfo(multi)!.timeZones;
      assert.ok(zones.length > 1, `expected several zones, got ${zones}`);
      const both = (at: number) => codes(decide(call({ callee: multi }), facts, eight, at)).includes('OUTSIDE_CALLING_HOURS');
      // 14:30Z on a winter weekday is 08:30 Central but 07:30 Mountain: the stricter zone binds.
      assert.equal(both(Date.parse('2026-01-13T14:30:00Z')), true);
      assert.equal(both(Date.parse('2026-01-13T15:00:00Z')), false);
    });
  });

  it('computes nextAllowedAt past several time blockers at once', () => {
    const beijing = (iso: string) => Date.parse(`${iso}+08:00`);
    const late = beijing('2026-03-10T20:58:00');
    const calleeAttempts = [1, 2, 3].map((m) => ({ at: late - m * MIN, tenantId: 't1', caller: CALLER }));
    const d = decide(call(), goodFacts({ calleeAttempts }), CN, late);
    assert.deepEqual(codes(d), ['FREQUENCY_CAP_EXCEEDED']);
    // The cap clears at 21:00, exactly when calling hours close: next is 08:00 the next day.
    assert.equal(d.nextAllowedAt, beijing('2026-03-11T08:00:00'));
  });

  it('denies a callee outside the pack coverage', () => {
    assert.deepEqual(codes(decide(call({ callee: '+442079460000' }), goodFacts(), CN, BEIJING_MORNING)).slice(0, 1), ['NO_POLICY_FOR_DESTINATION']);
  });

  it('is pure: the same inputs give the same decision', () => {
    const facts = goodFacts({ consents: [] });
    assert.deepEqual(decide(call(), facts, CN, BEIJING_MORNING), decide(call(), facts, CN, BEIJING_MORNING));
    assert.equal(CALLEE.startsWith('+86'), true);
  });
});
