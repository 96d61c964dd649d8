import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberInfo } from '../../gateway/src/numbers/phone';
import { consentFacts } from '../../gateway/test/support/facts';
import { at, judge, registrationStart } from '../../gateway/test/support/packs';

const SYDNEY = '+61289876543';
const BRISBANE = '+61731234567'; // QLD: no DST
const MOBILE = '+61412345678'; // anywhere in Australia
const DAY = 86_400_000;

describe('AU pack', () => {
  it('weekdays 09:00–20:00, Saturday 09:00–17:00, to the second', () => {
    assert.deepEqual(judge(SYDNEY, at('2026-03-10T08:59:59+11:00')).rules, ['AU-HOURS']);
    assert.deepEqual(judge(SYDNEY, at('2026-03-10T19:59:59+11:00')).codes, []);
    assert.deepEqual(judge(SYDNEY, at('2026-03-10T20:00:00+11:00')).rules, ['AU-HOURS']);
    assert.deepEqual(judge(SYDNEY, at('2026-03-14T16:59:59+11:00')).codes, []);
    assert.deepEqual(judge(SYDNEY, at('2026-03-14T17:00:00+11:00')).rules, ['AU-HOURS']);
  });

  it('no calls on Sunday: Saturday evening waits until Monday 09:00', () => {
    assert.deepEqual(judge(SYDNEY, at('2026-03-15T12:00:00+11:00')).rules, ['AU-HOURS']);
    assert.equal(judge(SYDNEY, at('2026-03-14T18:00:00+11:00')).decision.nextAllowedAt, at('2026-03-16T09:00:00+11:00'));
  });

  it('no calls on a national public holiday (Australia Day, a Monday)', () => {
    const holiday = judge(SYDNEY, at('2026-01-26T12:00:00+11:00')).decision;
    assert.deepEqual(holiday.reasons.map((r) => [r.code, r.rule]), [['HOLIDAY', 'AU-HOURS']]);
    assert.equal(holiday.nextAllowedAt, at('2026-01-27T09:00:00+11:00'));
  });

  it('DST: Sydney is UTC+11 in summer and Brisbane stays UTC+10', () => {
    assert.deepEqual(numberInfo(BRISBANE)!.timeZones, ['Australia/Brisbane']);
    // 20:30 in Sydney is 19:30 in Brisbane.
    assert.deepEqual(judge(BRISBANE, at('2026-03-10T19:30:00+10:00')).codes, []);
    assert.deepEqual(judge(SYDNEY, at('2026-03-10T19:30:00+10:00')).rules, ['AU-HOURS']);
    // After DST ends (5 April 2026) Sydney is UTC+10 too.
    assert.deepEqual(judge(SYDNEY, at('2026-04-07T19:30:00+10:00')).codes, []);
  });

  it('a mobile may be anywhere: judged in every mainland zone', () => {
    assert.ok(numberInfo(MOBILE)!.timeZones.includes('Australia/Perth'));
    const early = judge(MOBILE, at('2026-03-10T10:00:00+11:00')).decision;
    assert.deepEqual(early.reasons.map((r) => r.rule), ['AU-HOURS'], '07:00 in Perth');
    assert.match(early.reasons[0].message, /Australia\/(Perth|Darwin|Adelaide|Brisbane)/);
    assert.equal(early.nextAllowedAt, at('2026-03-10T09:00:00+08:00'));
  });

  it('DNCR: washed within 30 days; a listed callee with consent may be called, consent without a period lapses after 3 months', () => {
    const noon = at('2026-03-10T12:00:00+11:00');
    assert.deepEqual(judge(SYDNEY, noon, { ageDays: 30 }).codes, []);
    assert.deepEqual(judge(SYDNEY, noon, { ageDays: 31 }).codes, ['REGISTRY_STALE']);
    assert.deepEqual(judge(SYDNEY, noon, { listed: ['au-dncr'] }).rules, ['AU-DNCR']);
    const recent = [consentFacts({ obtainedAt: noon - 88 * DAY, expiresAt: null })];
    assert.deepEqual(judge(SYDNEY, noon, { listed: ['au-dncr'], facts: { consents: recent } }).codes, []);
    const lapsed = [consentFacts({ obtainedAt: noon - 89 * DAY, expiresAt: null })];
    assert.deepEqual(judge(SYDNEY, noon, { listed: ['au-dncr'], facts: { consents: lapsed } }).rules, ['AU-DNCR']);
    const withPeriod = [consentFacts({ obtainedAt: noon - 200 * DAY, expiresAt: noon + DAY })];
    assert.deepEqual(judge(SYDNEY, noon, { listed: ['au-dncr'], facts: { consents: withPeriod } }).codes, [], 'a stated period stands');
  });

  it('DNCR: telemarketers have 30 days to recognise a registration; a list without dates binds at once', () => {
    const registered = registrationStart('2026-02-10');
    const noon = (day: string) => at(`${day}T12:00:00+11:00`);
    assert.ok(noon('2026-03-11') < registered + 30 * DAY && noon('2026-03-12') >= registered + 30 * DAY);
    assert.deepEqual(judge(SYDNEY, noon('2026-03-11'), { listed: ['au-dncr'], registeredOn: '2026-02-10' }).codes, []);
    assert.deepEqual(judge(SYDNEY, noon('2026-03-12'), { listed: ['au-dncr'], registeredOn: '2026-02-10' }).rules, ['AU-DNCR']);
    assert.deepEqual(judge(SYDNEY, noon('2026-03-11'), { listed: ['au-dncr'] }).rules, ['AU-DNCR']);
  });
});
