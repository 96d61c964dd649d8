import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentFacts } from '../../gateway/test/support/facts';
import { at, judge } from '../../gateway/test/support/packs';

const CALLEE = '+33612345678';
const DAY = 86_400_000;
const fr = (instant: number, options: Parameters<typeof judge>[2] = {}) => judge(CALLEE, instant, options);

describe('France pack', () => {
  it('allows 12:59:59 and refuses 13:00:00 (lunch gap) until 14:00 Paris time, in winter (UTC+1)', () => {
    assert.equal(fr(at('2026-03-10T12:59:59+01:00')).decision.allow, true);
    const gap = fr(at('2026-03-10T13:00:00+01:00'));
    assert.deepEqual(gap.rules, ['FR-HOURS']);
    assert.equal(gap.decision.nextAllowedAt, at('2026-03-10T14:00:00+01:00'));
    assert.equal(fr(at('2026-03-10T19:59:59+01:00')).decision.allow, true);
    assert.deepEqual(fr(at('2026-03-10T20:00:00+01:00')).rules, ['FR-HOURS']);
  });

  it('the window follows Paris summer time (UTC+2) after the DST change', () => {
    assert.equal(fr(at('2026-03-30T10:00:00+02:00')).decision.allow, true);
    assert.deepEqual(fr(at('2026-03-30T09:59:59+02:00')).rules, ['FR-HOURS']);
  });

  it('no calls on Saturday, and none on a public holiday (14 July), with the reason HOLIDAY', () => {
    const saturday = fr(at('2026-03-14T11:00:00+01:00'));
    assert.deepEqual(saturday.rules, ['FR-HOURS']);
    assert.equal(saturday.decision.nextAllowedAt, at('2026-03-16T10:00:00+01:00'));
    assert.deepEqual(fr(at('2026-07-14T11:00:00+02:00')).codes, ['HOLIDAY']);
  });

  it('a fifth call within 30 days is refused by FR-FREQUENCY; a call made exactly 30 days ago no longer counts', () => {
    const now = at('2026-03-31T11:00:00+02:00');
    const attempts = (oldest: number) => [1, 2, 3].map((d) => ({ at: now - d * DAY, tenantId: 't1', caller: null })).concat({ at: oldest, tenantId: 't1', caller: null });
    assert.deepEqual(fr(now, { facts: { calleeAttempts: attempts(now - 30 * DAY + 1000) } }).rules, ['FR-FREQUENCY']);
    assert.equal(fr(now, { facts: { calleeAttempts: attempts(now - 30 * DAY) } }).decision.allow, true);
  });

  it('a refusal blocks this professional for 60 days', () => {
    const refusedAt = at('2026-03-02T11:00:00+01:00');
    const refusedCalls = [{ at: refusedAt, tenantId: 't1', caller: null }];
    assert.deepEqual(fr(at('2026-04-30T11:00:00+02:00'), { facts: { refusedCalls } }).rules, ['FR-REFUSAL-60-DAYS']);
    assert.equal(fr(at('2026-05-04T11:00:00+02:00'), { facts: { refusedCalls } }).decision.allow, true);
  });

  it('a Bloctel number is refused before the opt-in switch; a consent waives it', () => {
    const monday = at('2026-06-01T11:00:00+02:00');
    assert.deepEqual(fr(monday, { listed: ['fr-bloctel'] }).rules, ['FR-BLOCTEL']);
    const consents = [consentFacts({ obtainedAt: monday - DAY, expiresAt: null })];
    assert.equal(fr(monday, { listed: ['fr-bloctel'], facts: { consents } }).decision.allow, true);
  });

  it('opt-in: the last second of 2026-07-31 needs no consent; from 2026-08-01 (the stricter of the conflicting dates) every call does; Bloctel screening ends on 2026-08-11', () => {
    const before = fr(at('2026-07-31T19:59:59+02:00'));
    assert.equal(before.decision.allow, true);
    const after = fr(at('2026-08-03T10:00:00+02:00'));
    assert.deepEqual(after.decision.reasons.map((r) => [r.code, r.rule, r.citation]), [['NO_CONSENT', 'FR-CONSENT-OPT-IN', 'Loi du 30 juin 2025 contre les fraudes aux aides publiques (Lecamp bill, Code de la consommation L.223-1 new)']]);
    assert.ok(fr(at('2026-08-10T23:59:59+02:00')).decision.ruleIds.includes('FR-BLOCTEL'));
    assert.ok(!fr(at('2026-08-11T00:00:00+02:00')).decision.ruleIds.includes('FR-BLOCTEL'));
  });

  it('an automated call must show an Arcep platform number; an agent call need not', () => {
    const monday = at('2026-06-01T11:00:00+02:00');
    const predictive = { facts: { campaign: { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'predictive' as const, policyPack: 'fr', status: 'active' as const } } };
    assert.deepEqual(fr(monday, predictive).rules, ['FR-PLATFORM-NUMBERS']);
    assert.equal(fr(monday).decision.allow, true);
  });
});
