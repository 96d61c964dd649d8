import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../src/engine/engine';
import { compilePolicy } from '../src/policy/loader';
import type { PackRule } from '../src/policy/types';
import type { Facts, RegistryFacts } from '../src/engine/types';
import { call, consentFacts, goodFacts } from './support/facts';

const DAY = 86_400_000;
const cite = { instrument: 'test law', source: 'test' };

function policy(rules: object[], extra: object = {}) {
  const full = rules.map((r, i) => ({ id: `T-RULE-${i}`, title: 't', citation: cite, status: 'statute', effectiveFrom: '2020-01-01', ...r }));
  return compilePolicy({ id: 'fr-test', name: 't', revision: '1', jurisdiction: 'FR', timeZone: 'Europe/Paris', appliesTo: { countries: ['FR', 'IN', 'IT'] }, rules: full as PackRule[], ...extra });
}

const FR_CALLEE = '+33612345678';
const judge = (p: ReturnType<typeof policy>, now: number, facts: Partial<Facts> = {}, input: object = {}) =>
  decide(call({ callee: FR_CALLEE, ...input }), goodFacts({ consents: [], ...facts }), p, now);

describe('calling windows with a midday gap', () => {
  const p = policy([{ kind: 'callingHours', params: { windows: [{ days: [1, 2, 3, 4, 5], start: '10:00', end: '13:00' }, { days: [1, 2, 3, 4, 5], start: '14:00', end: '20:00' }], fallbackZones: ['Europe/Paris'] } }]);
  it('allows 12:59:59, refuses 13:00:00 until 14:00 and allows 14:00:00 (Paris, winter)', () => {
    assert.equal(judge(p, Date.parse('2026-03-10T11:59:59Z')).allow, true);
    const gap = judge(p, Date.parse('2026-03-10T12:00:00Z'));
    assert.deepEqual(gap.reasons.map((r) => r.code), ['OUTSIDE_CALLING_HOURS']);
    assert.equal(gap.nextAllowedAt, Date.parse('2026-03-10T13:00:00Z'));
    assert.equal(judge(p, Date.parse('2026-03-10T13:00:00Z')).allow, true);
  });
});

describe('a cap over 30 days per consumer across the tenant', () => {
  const p = policy([{ kind: 'frequencyCap', params: { scope: 'callee_per_tenant', windows: [{ seconds: 30 * 86_400, max: 4 }] } }]);
  const now = Date.parse('2026-03-31T10:00:00Z');
  const attempts = (oldest: number) => [now - DAY, now - 2 * DAY, now - 3 * DAY, oldest].map((at) => ({ at, tenantId: 't1', caller: null }));
  it('a fourth call 30 days minus one ms ago still counts; the fifth call waits until it leaves', () => {
    const d = judge(p, now, { calleeAttempts: attempts(now - 30 * DAY + 1) });
    assert.deepEqual(d.reasons.map((r) => r.code), ['FREQUENCY_CAP_EXCEEDED']);
    assert.equal(d.nextAllowedAt, now + 1);
  });
  it('a call exactly 30 days ago has left the window', () => {
    assert.equal(judge(p, now, { calleeAttempts: attempts(now - 30 * DAY) }).allow, true);
  });
  it("another tenant's calls do not count", () => {
    assert.equal(judge(p, now, { calleeAttempts: attempts(now - DAY).map((a) => ({ ...a, tenantId: 't2' })) }).allow, true);
  });
});

describe('a refusal that blocks for a period', () => {
  const p = policy([{ kind: 'refusalWait', params: { days: 60 } }]);
  const refusedAt = Date.parse('2026-03-01T10:00:00Z');
  const refusedCalls = [{ at: refusedAt, tenantId: 't1', caller: null }];
  it('refuses until 60 days after the refused call, with nextAllowedAt at its end', () => {
    const d = judge(p, refusedAt + 60 * DAY - 1, { refusedCalls });
    assert.deepEqual(d.reasons.map((r) => [r.code, r.rule]), [['REFUSAL_WAIT', 'T-RULE-0']]);
    assert.equal(d.nextAllowedAt, refusedAt + 60 * DAY);
    assert.equal(judge(p, refusedAt + 60 * DAY, { refusedCalls }).allow, true);
  });
  it("another tenant's refused call does not bind this tenant", () => {
    assert.equal(judge(p, refusedAt + DAY, { refusedCalls: [{ ...refusedCalls[0], tenantId: 't2' }] }).allow, true);
  });
  it('the loader asks storage for 60 days of refused calls', () => {
    assert.equal(p.needs?.refusalLookbackMs, 60 * DAY);
  });
});

describe('display-number series required by the purpose', () => {
  const p = policy([
    { kind: 'numberSeries', params: { series: [{ purposes: ['promotional'], prefixes: ['140'] }, { purposes: ['service', 'transactional'], prefixes: ['1600'] }], unlistedPurposes: 'deny' } },
  ]);
  const withPurpose = (purpose: string, caller: string) => {
    const facts = goodFacts({ consents: [] });
    facts.campaign = { ...facts.campaign, purpose };
    return decide(call({ callee: '+919876543210', caller }), facts, p, Date.parse('2026-03-10T06:00:00Z'));
  };
  it('a promotional call from 140 passes, from 1600 or a 10-digit mobile it is refused', () => {
    assert.equal(withPurpose('promotional', '+911401234567').allow, true);
    assert.deepEqual(withPurpose('promotional', '+911600123456').reasons.map((r) => r.code), ['CALLER_ID_SERIES']);
    assert.deepEqual(withPurpose('promotional', '+919876500000').reasons.map((r) => r.code), ['CALLER_ID_SERIES']);
  });
  it('a service call from 1600 passes; a purpose with no series is refused', () => {
    assert.equal(withPurpose('service', '+911600123456').allow, true);
    assert.deepEqual(withPurpose('insurance', '+911600123456').reasons.map((r) => r.code), ['CALLER_ID_SERIES']);
  });
  it('a call without a display number is refused', () => {
    assert.equal(withPurpose('promotional', null as unknown as string).allow, false);
  });
});

describe('a registration that cancels consents obtained before it', () => {
  const p = policy([{ kind: 'registry', params: { lists: [{ listId: 'it-rpo', maxAgeDays: 15, requireLoaded: true, waivedByConsent: true, cancelsEarlierConsents: true }] } }]);
  const now = Date.parse('2026-06-01T10:00:00Z');
  const listed = (registeredOn?: string): RegistryFacts[] => [{ listId: 'it-rpo', listDate: now - DAY, listed: true, ...(registeredOn ? { registeredOn } : {}) }];
  const consent = (obtained: string) => [consentFacts({ obtainedAt: Date.parse(obtained), expiresAt: null })];
  it('a consent obtained before the registration day no longer waives the register', () => {
    const d = judge(p, now, { registries: listed('2026-04-01'), consents: consent('2026-03-01T10:00:00Z') });
    assert.deepEqual(d.reasons.map((r) => r.code), ['CONSENT_PREDATES_REGISTRY']);
  });
  it('a consent obtained after the registration day still waives it', () => {
    assert.equal(judge(p, now, { registries: listed('2026-04-01'), consents: consent('2026-04-03T10:00:00Z') }).allow, true);
  });
  it('without a published registration day no consent can be shown to come after it', () => {
    assert.equal(judge(p, now, { registries: listed(), consents: consent('2026-05-30T10:00:00Z') }).allow, false);
  });
  it('a callee not on the register is no business of the rule', () => {
    assert.equal(judge(p, now, { registries: [{ listId: 'it-rpo', listDate: now - DAY, listed: false }] }).allow, true);
  });
});

describe('a registry check valid for a period per channel', () => {
  const p = policy([{ kind: 'registry', params: { lists: [{ listId: 'sg-dnc-voice', maxAgeDays: 21, requireLoaded: true }] } }]);
  const now = Date.parse('2026-06-01T10:00:00Z');
  it('a check 21 days old is valid, one 22 days old is stale; a listing on another register does not bind a voice call', () => {
    assert.equal(judge(p, now, { registries: [{ listId: 'sg-dnc-voice', listDate: now - 21 * DAY, listed: false }] }).allow, true);
    assert.deepEqual(judge(p, now, { registries: [{ listId: 'sg-dnc-voice', listDate: now - 22 * DAY, listed: false }] }).reasons.map((r) => r.code), ['REGISTRY_STALE']);
    const otherChannel = [{ listId: 'sg-dnc-voice', listDate: now - DAY, listed: false }, { listId: 'sg-dnc-text', listDate: now - DAY, listed: true }];
    assert.equal(judge(p, now, { registries: otherChannel }).allow, true);
  });
});

describe('effective dating', () => {
  const p = policy([
    { id: 'T-OPT-OUT-ERA', kind: 'registry', effectiveUntil: '2026-08-11', params: { lists: [{ listId: 'fr-bloctel', maxAgeDays: 30, requireLoaded: true }] } },
    { id: 'T-OPT-IN-ERA', kind: 'consent', effectiveFrom: '2026-08-11', params: { modesNeedingNamedConsent: [], exemptPurposes: [] } },
  ]);
  const registries = (now: number) => [{ listId: 'fr-bloctel', listDate: now - DAY, listed: false }];
  it('the last second of 2026-08-10 in Paris is judged by the opt-out rule, the first of 08-11 by the opt-in rule', () => {
    const before = Date.parse('2026-08-10T21:59:59Z');
    const after = Date.parse('2026-08-10T22:00:00Z');
    assert.ok(judge(p, before, { registries: registries(before) }).ruleIds.includes('T-OPT-OUT-ERA'));
    assert.equal(judge(p, before, { registries: registries(before) }).allow, true);
    const d = judge(p, after, { registries: registries(after) });
    assert.deepEqual(d.reasons.map((r) => [r.code, r.rule]), [['NO_CONSENT', 'T-OPT-IN-ERA']]);
    assert.ok(!d.ruleIds.includes('T-OPT-OUT-ERA'));
  });
  it('a pack parameter naming a rule the pack lacks is refused', () => {
    assert.throws(() => policy([{ kind: 'refusalWait', params: { days: 60 } }], { parameters: [{ name: 'testFigure', value: 1, status: 'unconfirmed', usedBy: ['NOPE'], note: 'n' }] }), /NOPE/);
  });
});
