import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberInfo } from '../../gateway/src/numbers/phone';
import { at, judge, registrationStart } from '../../gateway/test/support/packs';

const DAY = 86_400_000;

const TORONTO = '+14165550123';
const THUNDER_BAY = '+18075550123'; // ON 807: Eastern and Central

describe('CA pack', () => {
  it('weekdays 09:00–21:30, end-exclusive, to the second', () => {
    assert.deepEqual(judge(TORONTO, at('2026-03-10T08:59:59-04:00')).rules, ['CA-HOURS']);
    assert.deepEqual(judge(TORONTO, at('2026-03-10T09:00:00-04:00')).codes, []);
    assert.deepEqual(judge(TORONTO, at('2026-03-10T21:29:59-04:00')).codes, []);
    const late = judge(TORONTO, at('2026-03-10T21:30:00-04:00')).decision;
    assert.deepEqual(late.reasons.map((r) => [r.rule, r.citation]), [['CA-HOURS', 'Unsolicited Telecommunications Rules Part III']]);
    assert.equal(late.nextAllowedAt, at('2026-03-11T09:00:00-04:00'));
  });

  it('weekends 10:00–18:00; Friday evening waits until Saturday 10:00', () => {
    assert.deepEqual(judge(TORONTO, at('2026-03-14T09:59:59-04:00')).rules, ['CA-HOURS']);
    assert.deepEqual(judge(TORONTO, at('2026-03-15T17:59:59-04:00')).codes, []);
    assert.deepEqual(judge(TORONTO, at('2026-03-15T18:00:00-04:00')).rules, ['CA-HOURS']);
    assert.equal(judge(TORONTO, at('2026-03-13T22:00:00-04:00')).decision.nextAllowedAt, at('2026-03-14T10:00:00-04:00'));
  });

  it('an area code spanning two zones (807) is judged in both', () => {
    assert.deepEqual(numberInfo(THUNDER_BAY)!.timeZones.sort(), ['America/Toronto', 'America/Winnipeg']);
    assert.deepEqual(judge(THUNDER_BAY, at('2026-03-10T09:30:00-04:00')).rules, ['CA-HOURS'], '08:30 in Winnipeg');
    assert.deepEqual(judge(THUNDER_BAY, at('2026-03-10T10:00:00-04:00')).codes, []);
  });

  it('National DNCL: listed is denied; 31 days old is fine, 32 fails closed', () => {
    const noon = at('2026-03-10T12:00:00-04:00');
    assert.deepEqual(judge(TORONTO, noon, { listed: ['ca-dncl'] }).rules, ['CA-DNCL']);
    assert.deepEqual(judge(TORONTO, noon, { ageDays: 31 }).codes, []);
    assert.deepEqual(judge(TORONTO, noon, { ageDays: 32 }).codes, ['REGISTRY_STALE']);
  });

  it('National DNCL: a registration becomes effective 31 days after it; a list without dates binds at once', () => {
    const registered = registrationStart('2026-02-10');
    const noon = (day: string) => at(`${day}T12:00:00-05:00`);
    assert.ok(noon('2026-03-11') < registered + 31 * DAY && noon('2026-03-12') >= registered + 31 * DAY);
    assert.deepEqual(judge(TORONTO, noon('2026-03-11'), { listed: ['ca-dncl'], registeredOn: '2026-02-10' }).codes, []);
    assert.deepEqual(judge(TORONTO, noon('2026-03-12'), { listed: ['ca-dncl'], registeredOn: '2026-02-10' }).rules, ['CA-DNCL']);
    assert.deepEqual(judge(TORONTO, noon('2026-03-11'), { listed: ['ca-dncl'] }).rules, ['CA-DNCL']);
  });

  it('ADAD (recorded or AI voice) needs express consent naming it', () => {
    const campaign = { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'ai_voice' as const, policyPack: 'ca', status: 'active' as const };
    assert.deepEqual(judge(TORONTO, at('2026-03-10T12:00:00-04:00'), { facts: { campaign } }).rules, ['CA-ADAD-CONSENT']);
  });
});

describe('CA established business relationship', () => {
  it('an inquiry exempts a DNCL-listed number for 6 months', () => {
    const noon = at('2026-09-15T12:00:00-04:00');
    const inquiry = (occurred: string) => [{ tenantId: 't1', kind: 'inquiry' as const, occurredAt: at(occurred) }];
    assert.deepEqual(judge(TORONTO, noon, { listed: ['ca-dncl'], facts: { relationships: inquiry('2026-03-16T00:00:00-04:00') } }).codes, []);
    assert.deepEqual(judge(TORONTO, noon, { listed: ['ca-dncl'], facts: { relationships: inquiry('2026-03-14T00:00:00-04:00') } }).rules, ['CA-DNCL']);
  });
});
