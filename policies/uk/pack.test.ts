import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentFacts } from '../../gateway/test/support/facts';
import { at, judge, policyFor, registrationStart } from '../../gateway/test/support/packs';

const DAY = 86_400_000;

const LONDON = '+442079460000';
const NOON = at('2026-03-10T12:00:00Z');

describe('UK pack', () => {
  it('is judged by the UK pack alone, with no calling-hours rule (none found in law)', () => {
    const policy = policyFor(LONDON, ['uk']);
    assert.match(policy.revisionId, /^uk@/);
    assert.equal(policy.pack.rules.some((r) => r.kind === 'callingHours'), false);
    assert.deepEqual(judge(LONDON, at('2026-03-10T23:30:00Z')).codes, []);
  });

  it('TPS: a listed number is denied; a copy 28 days old is fine, 29 days fails closed', () => {
    const listed = judge(LONDON, NOON, { listed: ['uk-tps'] }).decision;
    assert.deepEqual(listed.reasons.map((r) => [r.rule, r.citation]), [['UK-TPS', 'Privacy and Electronic Communications Regulations 2003 reg 21(1)(b), (3), (4)']]);
    assert.deepEqual(judge(LONDON, NOON, { ageDays: 28 }).codes, []);
    assert.deepEqual(judge(LONDON, NOON, { ageDays: 29 }).rules, ['UK-TPS', 'UK-CTPS']);
  });

  it('TPS grace (reg 21(3)): a number registered 27 days 23:59 before the call is not yet binding, at 28 days it is; a list without dates binds at once', () => {
    // A registration day is counted from its earliest start anywhere, so the grace never ends late.
    const registered = registrationStart('2026-02-10');
    const inGrace = registered + 28 * DAY - 60_000;
    assert.deepEqual(judge(LONDON, inGrace, { listed: ['uk-tps'], registeredOn: '2026-02-10' }).codes, []);
    assert.deepEqual(judge(LONDON, registered + 28 * DAY, { listed: ['uk-tps'], registeredOn: '2026-02-10' }).rules, ['UK-TPS']);
    assert.deepEqual(judge(LONDON, inGrace, { listed: ['uk-tps'] }).rules, ['UK-TPS'], 'no registration date known');
    assert.deepEqual(judge(LONDON, inGrace, { listed: ['uk-ctps'], registeredOn: '2026-02-10' }).codes, [], 'CTPS alike');
    assert.deepEqual(judge(LONDON, registered + 28 * DAY, { listed: ['uk-ctps'], registeredOn: '2026-02-10' }).rules, ['UK-CTPS']);
  });

  it('a subscriber who said they do not object may be called despite TPS (reg 21(4)), until they withdraw it', () => {
    const consents = [consentFacts({ obtainedAt: NOON - 86_400_000, expiresAt: null })];
    assert.deepEqual(judge(LONDON, NOON, { listed: ['uk-tps'], facts: { consents } }).codes, []);
    const withdrawn = [consentFacts({ obtainedAt: NOON - 86_400_000, expiresAt: null, revokedAt: NOON - 1000 })];
    assert.deepEqual(judge(LONDON, NOON, { listed: ['uk-tps'], facts: { consents: withdrawn } }).rules, ['UK-TPS']);
  });

  it('automated (recorded or AI voice) marketing calls need prior consent naming them (reg 19)', () => {
    const campaign = { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'prerecorded' as const, policyPack: 'uk', status: 'active' as const };
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign } }).rules, ['UK-CONSENT-AUTOMATED']);
  });

  it("a prerecorded call declared on an agent campaign needs that consent too; declaring agent on a prerecorded campaign lifts nothing", () => {
    assert.deepEqual(judge(LONDON, NOON).codes, [], 'an agent call in an opt-out regime needs no consent');
    assert.deepEqual(judge(LONDON, NOON, { input: { mode: 'prerecorded' } }).rules, ['UK-CONSENT-AUTOMATED']);
    const campaign = { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'prerecorded' as const, policyPack: 'uk', status: 'active' as const };
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign }, input: { mode: 'agent' } }).rules, ['UK-CONSENT-AUTOMATED']);
  });

  it('the CLI must be presented and held by the caller', () => {
    assert.deepEqual(judge(LONDON, NOON, { input: { caller: null } }).codes, ['CALLER_ID_MISSING']);
  });
});

describe('UK abandoned calls', () => {
  const predictive = { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'predictive' as const, policyPack: 'uk', status: 'active' as const };
  const stats = (live: number, abandoned: number) => [{ windowSeconds: 86400, live, abandoned }];

  it('a predictive campaign above 3% of live calls in 24 hours stops; at 3% it goes on; agent mode is never stopped', () => {
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive, campaignOutcomes: stats(100, 3) } }).codes, []);
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive, campaignOutcomes: stats(100, 4) } }).rules, ['UK-ABANDONMENT']);
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaignOutcomes: stats(100, 4) } }).codes, [], 'agent mode');
  });

  it('no predictive call within 72 hours of an abandoned call to the same callee', () => {
    const abandonedCalls = [{ at: NOON - 71 * 3_600_000, tenantId: 't1', caller: null }];
    const held = judge(LONDON, NOON, { facts: { campaign: predictive, abandonedCalls } }).decision;
    assert.deepEqual(held.reasons.map((r) => r.code), ['ABANDONED_CALL_REDIAL']);
    assert.equal(held.nextAllowedAt, NOON + 3_600_000);
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive, abandonedCalls: [{ ...abandonedCalls[0], at: NOON - 72 * 3_600_000 }] } }).codes, []);
    assert.deepEqual(judge(LONDON, NOON, { facts: { abandonedCalls } }).codes, [], 'an agent-mode call guarantees a live agent');
    assert.deepEqual(judge(LONDON, NOON, { facts: { abandonedCalls }, input: { mode: 'predictive' } }).codes, ['ABANDONED_CALL_REDIAL'], 'a predictive call declared on an agent campaign');
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive, abandonedCalls }, input: { mode: 'agent' } }).codes, ['ABANDONED_CALL_REDIAL'], 'declaring agent on a predictive campaign');
  });
});
