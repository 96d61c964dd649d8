import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goodFacts } from '../../gateway/test/support/facts';
import { at, judge } from '../../gateway/test/support/packs';

const CALLEE = '+919876543210';
const PROMO = '+911401234567';
const SERVICE = '+911600123456';

function asIndia(purpose: string, caller: string, instant: number, options: { listed?: string[]; registeredOn?: string } = {}) {
  const base = goodFacts();
  const facts = { campaign: { ...base.campaign, purpose, policyPack: 'in' }, callerNumber: { ...base.callerNumber!, e164: caller } };
  return judge(CALLEE, instant, { facts, input: { caller }, ...options });
}

describe('India pack', () => {
  const noon = at('2026-06-01T12:00:00+05:30');
  it('a promotional call from the 140 series passes; from 1600 or an ordinary mobile it is refused', () => {
    assert.equal(asIndia('promotional', PROMO, noon).decision.allow, true);
    assert.deepEqual(asIndia('promotional', SERVICE, noon).rules, ['IN-NUMBER-SERIES']);
    assert.deepEqual(asIndia('promotional', '+919812345678', noon).rules, ['IN-NUMBER-SERIES']);
  });

  it('a service call from 1600 passes; a purpose with no series is refused', () => {
    assert.equal(asIndia('service', SERVICE, noon).decision.allow, true);
    assert.deepEqual(asIndia('insurance', PROMO, noon).rules, ['IN-NUMBER-SERIES']);
  });

  it('calls 09:00:00–20:59:59 IST; 21:00:00 waits for 09:00 next day', () => {
    assert.equal(asIndia('promotional', PROMO, at('2026-06-01T20:59:59+05:30')).decision.allow, true);
    const late = asIndia('promotional', PROMO, at('2026-06-01T21:00:00+05:30'));
    assert.deepEqual(late.rules, ['IN-HOURS']);
    assert.equal(late.decision.nextAllowedAt, at('2026-06-02T09:00:00+05:30'));
  });

  it('a number on the NCPR binds 7 days after registration, not before', () => {
    assert.deepEqual(asIndia('promotional', PROMO, noon, { listed: ['in-ncpr'], registeredOn: '2026-05-20' }).rules, ['IN-NCPR']);
    assert.equal(asIndia('promotional', PROMO, noon, { listed: ['in-ncpr'], registeredOn: '2026-05-30' }).decision.allow, true);
  });
});
