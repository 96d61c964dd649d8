import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../src/engine/engine';
import type { CallInput, Facts, KnownLocation } from '../src/engine/types';
import { AppError } from '../src/errors';
import { knownLocation, knownLocationFromHeader } from '../src/numbers/known-location';
import { composePolicies } from '../src/policy/loader';
import { call, goodFacts } from './support/facts';
import { PACKS, STATE_REGISTRATIONS, at, judge, policyFor, registries } from './support/packs';

const NEW_YORK = '+12125551234'; // area code of New York, Eastern
const SAN_FRANCISCO = '+14155551234'; // area code of California, Pacific
const MIAMI = '+13055551234'; // area code of Florida (state hours end at 20:00), Eastern
const CALIFORNIA: KnownLocation = { subdivision: 'US-CA', source: 'customer_record' };
const NEW_YORK_STATE: KnownLocation = { subdivision: 'US-NY', source: 'customer_record' };
// Tuesday 10 March 2026, both coasts on daylight time.
const ET_2030 = at('2026-03-10T20:30:00-04:00'); // 17:30 Pacific
const ET_2130 = at('2026-03-10T21:30:00-04:00'); // 18:30 Pacific

/** The US packs as shipped, but set to judge every candidate (a pack that asks for most_restrictive). */
function mostRestrictive(callee: string, location: KnownLocation | undefined, now: number) {
  const policy = policyFor(callee, ['us']);
  const strict = { ...policy, pack: { ...policy.pack, calleeLocation: 'most_restrictive' as const } };
  const facts = goodFacts({ consents: [], registries: registries(strict, now), registrations: STATE_REGISTRATIONS });
  const input: CallInput = call({ callee, ...(location ? { calleeLocation: location } : {}) });
  const decision = decide(input, facts, strict, now);
  return { decision, rules: decision.reasons.map((r) => r.rule) };
}

const withLocation = (calleeLocation: KnownLocation) => ({ input: { calleeLocation } });

describe("the callee's known location (US packs: the called party's location decides)", () => {
  it('the shipped US composition lets a known location decide, as 47 CFR 64.1200(c)(1) speaks of the called party\'s location', () => {
    assert.equal(policyFor(NEW_YORK, ['us']).pack.calleeLocation, 'known_location_decides');
  });

  it('a New York number known to be in California is allowed at 21:30 Eastern / 18:30 Pacific, and the decision names the basis', () => {
    assert.deepEqual(judge(NEW_YORK, ET_2130).rules, ['US-HOURS'], 'by the number alone the call is refused');
    const { decision } = judge(NEW_YORK, ET_2130, withLocation(CALIFORNIA));
    assert.deepEqual(decision.reasons, []);
    assert.equal(decision.allow, true);
    assert.equal(decision.location?.basis, 'known_location');
    assert.deepEqual(decision.location?.timeZones, ['America/Los_Angeles']);
    assert.deepEqual(decision.location?.known, { ...CALIFORNIA, origin: 'call' });
  });

  it('a New York number known to be in California is allowed at 20:30 Eastern / 17:30 Pacific on the known-location basis', () => {
    const { decision } = judge(NEW_YORK, ET_2030, withLocation(CALIFORNIA));
    assert.equal(decision.allow, true);
    assert.equal(decision.location?.basis, 'known_location');
  });

  it("a Florida number known to be in California escapes Florida's 20:00 end at 20:30 Eastern: the state's rules bind the known state", () => {
    assert.deepEqual(judge(MIAMI, ET_2030).rules, ['US-FL-HOURS'], 'by the number alone Florida hours bind');
    assert.deepEqual(judge(MIAMI, ET_2030, withLocation(CALIFORNIA)).rules, []);
  });

  it('the converse: a California number known to be in New York, where it is 21:30, is refused and the reason names the known location', () => {
    assert.deepEqual(judge(SAN_FRANCISCO, ET_2130).rules, [], 'by the number alone it is 18:30 and allowed');
    const { decision } = judge(SAN_FRANCISCO, ET_2130, withLocation(NEW_YORK_STATE));
    assert.equal(decision.allow, false);
    assert.deepEqual(decision.reasons.map((r) => r.rule), ['US-HOURS']);
    assert.match(decision.reasons[0].message, /America\/New_York/);
    assert.match(decision.reasons[0].message, /known location US-NY \(customer_record\)/);
    assert.equal(decision.nextAllowedAt, at('2026-03-11T08:00:00-04:00'));
  });

  it('a known subdivision brings its own state rules: a California number known to be in Florida is held to Florida hours', () => {
    assert.deepEqual(judge(SAN_FRANCISCO, ET_2030).rules, []);
    assert.deepEqual(judge(SAN_FRANCISCO, ET_2030, withLocation({ subdivision: 'US-FL', source: 'dialer' })).rules, ['US-FL-HOURS']);
  });

  it('a known time zone alone decides the zone; the state rules stay those of the number', () => {
    assert.deepEqual(judge(NEW_YORK, ET_2130, withLocation({ timeZone: 'America/Los_Angeles', source: 'dialer' })).rules, []);
    assert.deepEqual(judge(MIAMI, ET_2030, withLocation({ timeZone: 'America/Los_Angeles', source: 'dialer' })).rules, [], 'Florida 08:00–20:00 judged at 17:30 Pacific');
  });

  it('a postal code alone is recorded but not used: the number decides, and the record says so', () => {
    const { decision } = judge(NEW_YORK, ET_2130, withLocation({ postalCode: '94105', source: 'customer_record' }));
    assert.deepEqual(decision.reasons.map((r) => r.rule), ['US-HOURS']);
    assert.equal(decision.location?.basis, 'number');
    assert.equal(decision.location?.postalCodeUsed, false);
  });

  it("the tenant's callee record places the callee when the call names no location; the call's own location wins over it", () => {
    const stored: Partial<Facts> = { calleeLocation: { ...CALIFORNIA, observedAt: at('2026-01-05T10:00:00Z') } };
    const fromRecord = judge(NEW_YORK, ET_2130, { facts: stored }).decision;
    assert.equal(fromRecord.allow, true);
    assert.equal(fromRecord.location?.known?.origin, 'callee_record');
    const overridden = judge(NEW_YORK, ET_2130, { facts: stored, input: { calleeLocation: NEW_YORK_STATE } }).decision;
    assert.deepEqual(overridden.reasons.map((r) => r.rule), ['US-HOURS']);
  });
});

describe('a pack set to most_restrictive judges the number and the known location together', () => {
  it('denies the New York number known to be in California at 21:30 Eastern (the number binds)', () => {
    const { decision, rules } = mostRestrictive(NEW_YORK, CALIFORNIA, ET_2130);
    assert.deepEqual(rules, ['US-HOURS']);
    assert.equal(decision.location?.basis, 'known_location_and_number');
    assert.deepEqual(decision.location?.timeZones, ['America/New_York', 'America/Los_Angeles']);
    assert.match(decision.reasons[0].message, /most restrictive/);
  });

  it('denies the California number known to be in New York at 21:30 Eastern (the known location binds)', () => {
    assert.deepEqual(mostRestrictive(SAN_FRANCISCO, NEW_YORK_STATE, ET_2130).rules, ['US-HOURS']);
  });

  it("applies the known state's rules and the number's: a Florida number known to be in California, and the converse", () => {
    assert.deepEqual(mostRestrictive(MIAMI, CALIFORNIA, ET_2030).rules, ['US-FL-HOURS']);
    assert.deepEqual(mostRestrictive(SAN_FRANCISCO, { subdivision: 'US-FL', source: 'dialer' }, ET_2030).rules, ['US-FL-HOURS']);
  });

  it('a pack composition is most restrictive as soon as one of its packs asks for it', () => {
    const us = PACKS.get('us')!;
    const strictPart = { ...PACKS.get('us-states')!, pack: { ...PACKS.get('us-states')!.pack, calleeLocation: 'most_restrictive' as const } };
    assert.equal(composePolicies([us, PACKS.get('us-states')!]).pack.calleeLocation, 'known_location_decides');
    assert.equal(composePolicies([us, strictPart]).pack.calleeLocation, 'most_restrictive');
  });

  it('a pack without the setting (the CA pack) is most restrictive', () => {
    assert.equal(policyFor('+14165550123', ['ca']).pack.calleeLocation, undefined);
  });
});

describe('a known location is strictly checked', () => {
  const refused = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof AppError && e.code === 'INVALID_LOCATION' && e.status === 400 && pattern.test(e.message));

  it('refuses an unknown IANA zone, an abbreviation, an unknown subdivision, a bad source and an empty location', () => {
    refused(() => knownLocation({ timeZone: 'America/Nowhere', source: 'dialer' }), /not an IANA zone/);
    refused(() => knownLocation({ timeZone: 'EST', source: 'dialer' }), /not an IANA zone/);
    refused(() => knownLocation({ subdivision: 'US-XX', source: 'dialer' }), /no ISO 3166-2 subdivision of US/);
    refused(() => knownLocation({ subdivision: 'California', source: 'dialer' }), /not an ISO 3166-2 code/);
    refused(() => knownLocation({ subdivision: 'US-CA', source: 'guess' }), /source must be one of/);
    refused(() => knownLocation({ source: 'dialer' }), /names a subdivision, a time zone or a postal code/);
  });

  it('refuses a time zone that is not in the named subdivision', () => {
    refused(() => knownLocation({ subdivision: 'US-CA', timeZone: 'America/New_York', source: 'dialer' }), /not in US-CA/);
    assert.deepEqual(knownLocation({ subdivision: 'US-FL', timeZone: 'America/Chicago', source: 'dialer' }), { subdivision: 'US-FL', timeZone: 'America/Chicago', source: 'dialer' });
  });

  it('reads the SIP header form, with dialer as the default source, and refuses unknown parameters', () => {
    assert.deepEqual(knownLocationFromHeader('subdivision=US-CA; tz=America/Los_Angeles; postal=94105'), { subdivision: 'US-CA', timeZone: 'America/Los_Angeles', postalCode: '94105', source: 'dialer' });
    assert.deepEqual(knownLocationFromHeader('subdivision=US-CA;source=customer_record'), { subdivision: 'US-CA', source: 'customer_record' });
    refused(() => knownLocationFromHeader('state=US-CA'), /Unknown location parameter/);
    refused(() => knownLocationFromHeader('tz=Mars/Olympus'), /not an IANA zone/);
  });
});
