import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberInfo } from '../../gateway/src/numbers/phone';
import { consentFacts } from '../../gateway/test/support/facts';
import { at, judge, policyFor, registrationStart } from '../../gateway/test/support/packs';

const DAY = 86_400_000;

const MIAMI = '+13055551234'; // FL, Eastern
const PANHANDLE = '+18502223333'; // FL 850: Eastern and Central
const AUSTIN = '+15125550123'; // TX, Central
const BIRMINGHAM = '+12055550123'; // AL, Central
const NEW_YORK = '+12125550123';
const HOUR = 3_600_000;

describe('US pack (federal, composed with the state overlays)', () => {
  it('composes with us-states: one revision naming both packs', () => {
    const policy = policyFor(MIAMI, ['us']);
    assert.match(policy.revisionId, /^us@[^&]+&us-states@/);
    assert.ok(policy.pack.rules.some((r) => r.id === 'US-FL-HOURS'));
  });

  it('federal hours 08:00–21:00 local, end-exclusive, to the second', () => {
    assert.deepEqual(judge(NEW_YORK, at('2026-03-10T07:59:59-04:00')).rules, ['US-HOURS']);
    assert.deepEqual(judge(NEW_YORK, at('2026-03-10T08:00:00-04:00')).codes, []);
    assert.deepEqual(judge(NEW_YORK, at('2026-03-10T20:59:59-04:00')).codes, []);
    assert.deepEqual(judge(NEW_YORK, at('2026-03-10T21:00:00-04:00')).rules, ['US-HOURS']);
  });

  it('Florida ends at 20:00, and the Florida rule is the one named', () => {
    assert.deepEqual(judge(MIAMI, at('2026-03-10T19:59:59-04:00')).codes, []);
    const late = judge(MIAMI, at('2026-03-10T20:00:00-04:00')).decision;
    assert.deepEqual(late.reasons.map((r) => [r.code, r.rule, r.citation]), [['OUTSIDE_CALLING_HOURS', 'US-FL-HOURS', 'Florida Telephone Solicitation Act Fla. Stat. § 501.616']]);
    assert.equal(late.nextAllowedAt, at('2026-03-11T08:00:00-04:00'));
    assert.deepEqual(judge(MIAMI, at('2026-03-10T21:00:00-04:00')).rules, ['US-HOURS', 'US-FL-HOURS'], 'both bind after 21:00');
  });

  it('the window opens at 08:00 local on the day DST starts (one hour earlier in UTC than the day before)', () => {
    const before = judge(MIAMI, at('2026-03-07T20:30:00-05:00')).decision;
    assert.equal(before.nextAllowedAt, at('2026-03-08T08:00:00-04:00'));
    assert.deepEqual(judge(MIAMI, at('2026-03-08T07:59:59-04:00')).rules, ['US-HOURS', 'US-FL-HOURS']);
    assert.deepEqual(judge(MIAMI, at('2026-03-08T08:00:00-04:00')).codes, []);
  });

  it('an area code spanning two zones is judged in both: 850 at 08:30 Eastern is 07:30 Central', () => {
    assert.deepEqual(numberInfo(PANHANDLE)!.timeZones.sort(), ['America/Chicago', 'America/New_York']);
    const early = judge(PANHANDLE, at('2026-03-10T08:30:00-04:00')).decision;
    assert.deepEqual(early.reasons.map((r) => r.rule), ['US-HOURS', 'US-FL-HOURS']);
    assert.match(early.reasons[0].message, /America\/Chicago/);
    assert.equal(early.nextAllowedAt, at('2026-03-10T08:00:00-05:00'));
    // 19:59 Central is 20:59 Eastern: Florida's 20:00 end binds in the Eastern part.
    assert.deepEqual(judge(PANHANDLE, at('2026-03-10T19:59:00-05:00')).rules, ['US-FL-HOURS']);
  });

  it('Texas: Monday–Saturday from 09:00, Sunday from noon, to 21:00', () => {
    assert.deepEqual(judge(AUSTIN, at('2026-03-14T08:59:59-05:00')).rules, ['US-TX-HOURS'], 'Saturday 08:59:59: federal allows, Texas does not');
    assert.deepEqual(judge(AUSTIN, at('2026-03-14T09:00:00-05:00')).codes, []);
    assert.deepEqual(judge(AUSTIN, at('2026-03-15T11:59:59-05:00')).rules, ['US-TX-HOURS'], 'Sunday before noon');
    assert.deepEqual(judge(AUSTIN, at('2026-03-15T12:00:00-05:00')).codes, []);
    assert.deepEqual(judge(AUSTIN, at('2026-03-15T20:30:00-05:00')).codes, [], 'Texas is not Florida: 20:30 is fine');
  });

  it('Texas: the seller needs a registration with the Secretary of State valid on the day of the call', () => {
    const noon = at('2026-06-10T12:00:00-05:00');
    const none = judge(AUSTIN, noon, { facts: { registrations: [] } }).decision;
    assert.deepEqual(none.reasons.map((r) => [r.code, r.rule, r.citation]), [['SELLER_NOT_REGISTERED', 'US-TX-REGISTRATION', 'Tex. Bus. & Com. Code ch. 302']]);
    const lapsed = [{ region: 'US-TX', reference: 'old', validFrom: '2025-01-01', validUntil: '2025-12-31' }];
    assert.deepEqual(judge(AUSTIN, noon, { facts: { registrations: lapsed } }).codes, ['SELLER_NOT_REGISTERED']);
    assert.deepEqual(judge(AUSTIN, noon).codes, []);
    assert.deepEqual(judge(MIAMI, noon, { facts: { registrations: [] } }).codes, [], 'Florida needs none');
  });

  it('Florida, Oklahoma and Maryland: at most 3 calls in 24 hours; Texas has no such cap', () => {
    const now = at('2026-03-10T12:00:00-04:00');
    const three = [1, 2, 3].map((h) => ({ at: now - h * HOUR, tenantId: 't1', caller: '+862161234567' }));
    for (const callee of [MIAMI, '+14055550123', '+13015550123']) {
      const { rules } = judge(callee, now, { facts: { calleeAttempts: three } });
      assert.equal(rules.length, 1, callee);
      assert.match(rules[0], /^US-(FL|OK|MD)-CAP$/);
    }
    assert.deepEqual(judge(MIAMI, now, { facts: { calleeAttempts: three.slice(0, 2) } }).codes, []);
    assert.deepEqual(judge(AUSTIN, now, { facts: { calleeAttempts: three } }).codes, []);
    const edge = [{ at: now - 24 * HOUR, tenantId: 't1', caller: null }, ...three.slice(0, 2)];
    assert.deepEqual(judge(MIAMI, now, { facts: { calleeAttempts: edge } }).codes, [], 'a call exactly 24 h ago has left the window');
  });

  it('National DNC: a listed callee is denied; a copy older than 31 days or none at all fails closed', () => {
    const now = at('2026-03-10T12:00:00-04:00');
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'] }).rules, ['US-NATIONAL-DNC']);
    assert.deepEqual(judge(NEW_YORK, now, { ageDays: 31 }).codes, []);
    assert.deepEqual(judge(NEW_YORK, now, { ageDays: 32 }).codes, ['REGISTRY_STALE']);
    assert.deepEqual(judge(NEW_YORK, now, { facts: { registries: [] } }).codes, ['REGISTRY_STALE']);
  });

  it('National DNC: a number registered fewer than 31 days before the call may be absent from a lawful copy, so it binds from then; a list without dates binds at once', () => {
    const registered = registrationStart('2026-02-10');
    const noon = (day: string) => at(`${day}T12:00:00-05:00`);
    assert.ok(noon('2026-03-11') < registered + 31 * DAY && noon('2026-03-12') >= registered + 31 * DAY);
    assert.deepEqual(judge(NEW_YORK, noon('2026-03-11'), { listed: ['us-national-dnc'], registeredOn: '2026-02-10' }).codes, []);
    assert.deepEqual(judge(NEW_YORK, noon('2026-03-12'), { listed: ['us-national-dnc'], registeredOn: '2026-02-10' }).rules, ['US-NATIONAL-DNC']);
    assert.deepEqual(judge(NEW_YORK, noon('2026-03-11'), { listed: ['us-national-dnc'] }).rules, ['US-NATIONAL-DNC']);
  });

  it('consent for this brand and purpose waives the registry', () => {
    const now = at('2026-03-10T12:00:00-04:00');
    const consents = [consentFacts({ obtainedAt: now - 86_400_000, expiresAt: null })];
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { consents } }).codes, []);
  });

  it('prerecorded and AI voice need written consent naming them; live agents need none federally', () => {
    const now = at('2026-03-10T12:00:00-04:00');
    const campaign = (mode: 'prerecorded' | 'ai_voice' | 'predictive' | 'agent') => ({ id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: mode, policyPack: 'us', status: 'active' as const });
    assert.deepEqual(judge(NEW_YORK, now, { facts: { campaign: campaign('agent') } }).codes, []);
    assert.deepEqual(judge(NEW_YORK, now, { facts: { campaign: campaign('predictive') } }).codes, [], 'New York: predictive without consent (no overlay)');
    assert.deepEqual(judge(NEW_YORK, now, { facts: { campaign: campaign('ai_voice') } }).rules, ['US-CONSENT-PEWC']);
    const named = [consentFacts({ obtainedAt: now - 1000, modes: ['ai_voice'] })];
    assert.deepEqual(judge(NEW_YORK, now, { facts: { campaign: campaign('ai_voice'), consents: named } }).codes, []);
    assert.deepEqual(judge(MIAMI, now, { facts: { campaign: campaign('predictive') } }).rules, ['US-FL-CONSENT'], 'Florida: an automated system needs PEWC');
  });

  it('holiday states: no solicitation on Alabama legal holidays', () => {
    const christmas = judge(BIRMINGHAM, at('2026-12-25T12:00:00-06:00')).decision;
    assert.deepEqual(christmas.reasons.map((r) => [r.code, r.rule]), [['HOLIDAY', 'US-AL-HOLIDAYS']]);
    assert.equal(christmas.nextAllowedAt, at('2026-12-26T08:00:00-06:00'));
    assert.deepEqual(judge(BIRMINGHAM, at('2026-12-22T12:00:00-06:00')).codes, []);
    assert.deepEqual(judge(NEW_YORK, at('2026-12-25T12:00:00-05:00')).codes, [], 'New York has no holiday ban');
  });
});

describe('US operator bans', () => {
  const NEW_ORLEANS = '+15045550123';
  const emergency = [{ id: 'e1', region: 'US-LA', startsOn: '2026-08-29', endsOn: '2026-08-31', reason: 'Louisiana state of emergency (La. R.S. 45:844.31)' }];

  it('a state of emergency entered for Louisiana denies calls there on its local dates, and only there', () => {
    const during = judge(NEW_ORLEANS, at('2026-08-31T19:59:59-05:00'), { facts: { bans: emergency } }).decision; // Louisiana's own window ends at 20:00
    assert.deepEqual(during.reasons.map((r) => [r.code, r.rule]), [['HOLIDAY', 'GATEWAY-BAN-e1']]);
    assert.match(during.reasons[0].message, /state of emergency/);
    assert.equal(during.nextAllowedAt, at('2026-09-01T08:00:00-05:00'));
    assert.deepEqual(judge(NEW_ORLEANS, at('2026-08-28T12:00:00-05:00'), { facts: { bans: emergency } }).codes, [], 'the day before');
    assert.deepEqual(judge(NEW_ORLEANS, at('2026-09-01T08:00:00-05:00'), { facts: { bans: emergency } }).codes, [], 'the day after');
    assert.deepEqual(judge(AUSTIN, at('2026-08-30T12:00:00-05:00'), { facts: { bans: emergency } }).codes, [], 'Texas is not under it');
  });
});

describe('US established business relationship', () => {
  const now = at('2026-09-15T12:00:00-04:00');
  const rel = (kind: 'transaction' | 'inquiry', occurred: string, tenantId = 't1') => ({ tenantId, kind, occurredAt: at(occurred) });

  it('exempts a listed number for 18 months after a purchase and 3 months after an inquiry, to the calendar month', () => {
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { relationships: [rel('transaction', '2025-03-15T12:00:01-04:00')] } }).codes, []);
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { relationships: [rel('transaction', '2025-03-15T11:59:59-04:00')] } }).rules, ['US-NATIONAL-DNC']);
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { relationships: [rel('inquiry', '2026-06-16T00:00:00-04:00')] } }).codes, []);
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { relationships: [rel('inquiry', '2026-06-14T00:00:00-04:00')] } }).rules, ['US-NATIONAL-DNC']);
  });

  it("another seller's relationship exempts nothing, and a do-not-call request to the seller still denies", () => {
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { relationships: [rel('transaction', '2026-09-01T00:00:00-04:00', 't2')] } }).rules, ['US-NATIONAL-DNC']);
    const optOuts = [{ id: 'o1', scope: 'tenant' as const, tenantId: 't1', brandId: null, campaignId: null, effectiveAt: now - 1000 }];
    assert.deepEqual(judge(NEW_YORK, now, { listed: ['us-national-dnc'], facts: { optOuts, relationships: [rel('transaction', '2026-09-01T00:00:00-04:00')] } }).rules, ['US-INTERNAL-DNC']);
  });
});

describe('US abandonment', () => {
  it('a predictive campaign above 3% over 30 days stops dialling predictively', () => {
    const now = at('2026-03-10T12:00:00-04:00');
    const campaign = { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'predictive' as const, policyPack: 'us', status: 'active' as const };
    const over = judge(NEW_YORK, now, { facts: { campaign, campaignOutcomes: [{ windowSeconds: 2592000, live: 1000, abandoned: 31 }] } }).decision;
    assert.deepEqual(over.reasons.map((r) => [r.code, r.rule, r.citation]), [['ABANDONMENT_RATE_EXCEEDED', 'US-ABANDONMENT', '47 CFR § 64.1200(a)(7)']]);
    assert.deepEqual(judge(NEW_YORK, now, { facts: { campaign, campaignOutcomes: [{ windowSeconds: 2592000, live: 1000, abandoned: 30 }] } }).codes, []);
  });
});
