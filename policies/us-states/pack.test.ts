import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentFacts } from '../../gateway/test/support/facts';
import { at, judge, policyFor, registries } from '../../gateway/test/support/packs';

const HARTFORD = '+18605550123'; // CT, Eastern
const LOUISVILLE = '+15025550123'; // KY, Eastern
const PROVIDENCE = '+14015550123'; // RI, Eastern
const SALT_LAKE = '+18015550123'; // UT, Mountain
const PHILADELPHIA = '+12155550123'; // PA, Eastern
const JACKSON = '+16015550123'; // MS, Central
const AUSTIN = '+15125550123'; // TX, Central
const BOSTON = '+16175550123'; // MA, Eastern
const TOPEKA = '+17855550123'; // KS, Central
const SAN_FRANCISCO = '+14155550123'; // CA, Pacific
const BALTIMORE = '+14105550123'; // MD, Eastern
const NEW_YORK = '+12125550123';
const DAY_MS = 86_400_000;
const HOUR = 3_600_000;

const withConsent = (now: number) => ({ consents: [consentFacts({ obtainedAt: now - DAY_MS, expiresAt: null })] });

describe('US state overlays: hours and days at their edges', () => {
  it('Connecticut: 09:00–20:00 every day, and only with prior express written consent, live agents included', () => {
    const last = at('2026-03-10T19:59:59-04:00');
    assert.deepEqual(judge(HARTFORD, last, { facts: withConsent(last) }).codes, []);
    const closed = at('2026-03-10T20:00:00-04:00');
    assert.deepEqual(judge(HARTFORD, closed, { facts: withConsent(closed) }).rules, ['US-CT-HOURS']);
    const early = at('2026-03-15T08:59:59-04:00');
    assert.deepEqual(judge(HARTFORD, early, { facts: withConsent(early) }).rules, ['US-CT-HOURS'], 'Sunday 08:59:59 is before 09:00');
    const noon = at('2026-03-10T12:00:00-04:00');
    const none = judge(HARTFORD, noon).decision;
    assert.deepEqual(none.reasons.map((r) => [r.code, r.rule]), [['NO_CONSENT', 'US-CT-CONSENT']]);
    assert.deepEqual(judge(NEW_YORK, noon).codes, [], 'New York asks no consent of a live agent');
  });

  it('Kentucky: from 10:00, an hour after the federal window opens', () => {
    assert.deepEqual(judge(LOUISVILLE, at('2026-03-10T09:59:59-04:00')).rules, ['US-KY-HOURS']);
    assert.deepEqual(judge(LOUISVILLE, at('2026-03-10T10:00:00-04:00')).codes, []);
    assert.deepEqual(judge(LOUISVILLE, at('2026-03-10T20:59:59-04:00')).codes, []);
  });

  it('Rhode Island: weekdays 09:00–18:00, Saturday 10:00–17:00, never on Sunday', () => {
    assert.deepEqual(judge(PROVIDENCE, at('2026-03-13T17:59:59-04:00')).codes, [], 'Friday 17:59:59');
    assert.deepEqual(judge(PROVIDENCE, at('2026-03-13T18:00:00-04:00')).rules, ['US-RI-HOURS']);
    assert.deepEqual(judge(PROVIDENCE, at('2026-03-14T09:59:59-04:00')).rules, ['US-RI-HOURS'], 'Saturday before 10:00');
    assert.deepEqual(judge(PROVIDENCE, at('2026-03-14T16:59:59-04:00')).codes, []);
    assert.deepEqual(judge(PROVIDENCE, at('2026-03-14T17:00:00-04:00')).rules, ['US-RI-HOURS']);
    const sunday = judge(PROVIDENCE, at('2026-03-15T12:00:00-04:00')).decision;
    assert.deepEqual(sunday.reasons.map((r) => r.rule), ['US-RI-HOURS']);
    assert.equal(sunday.nextAllowedAt, at('2026-03-16T09:00:00-04:00'));
  });

  it('Sunday bans: Utah, Pennsylvania (conflicting sources, the stricter reading) and Mississippi; the next call waits for Monday', () => {
    const utah = judge(SALT_LAKE, at('2026-03-15T12:00:00-06:00')).decision;
    assert.deepEqual(utah.reasons.map((r) => r.rule), ['US-UT-SUNDAY']);
    assert.equal(utah.nextAllowedAt, at('2026-03-16T08:00:00-06:00'));
    assert.deepEqual(judge(SALT_LAKE, at('2026-03-14T20:59:59-06:00')).codes, [], 'Saturday until the federal 21:00');
    assert.deepEqual(judge(PHILADELPHIA, at('2026-03-15T12:00:00-04:00')).rules, ['US-PA-SUNDAY']);
    assert.deepEqual(judge(JACKSON, at('2026-03-15T12:00:00-05:00')).rules, ['US-MS-SUNDAY']);
  });

  it('Mississippi: 08:00–20:00 (the stricter of two figures) and no longer a holiday ban', () => {
    assert.deepEqual(judge(JACKSON, at('2026-03-10T19:59:59-05:00')).codes, []);
    assert.deepEqual(judge(JACKSON, at('2026-03-10T20:00:00-05:00')).rules, ['US-MS-HOURS']);
    assert.deepEqual(judge(JACKSON, at('2026-12-25T12:00:00-06:00')).codes, [], 'Christmas 2026 is a Friday: callable');
    const rule = policyFor(JACKSON, ['us']).pack.rules.find((r) => r.id === 'US-MS-HOURS')!;
    assert.equal(rule.status, 'policy_choice');
    assert.match(rule.citation.note!, /parameter us\.ms\.window\.end, status conflicting/);
  });

  it('Pennsylvania: no calls on its listed holidays, as dated data (Election Day 2026-11-03), calls the day after', () => {
    const election = judge(PHILADELPHIA, at('2026-11-03T12:00:00-05:00')).decision;
    assert.deepEqual(election.reasons.map((r) => [r.code, r.rule]), [['HOLIDAY', 'US-PA-HOLIDAYS']]);
    assert.equal(election.nextAllowedAt, at('2026-11-04T08:00:00-05:00'));
    assert.deepEqual(judge(PHILADELPHIA, at('2026-11-04T08:00:00-05:00')).codes, []);
    assert.deepEqual(judge(NEW_YORK, at('2026-11-03T12:00:00-05:00')).codes, [], 'not a New York no-call day');
  });

  it('Massachusetts and Maryland end at 20:00; Maryland allows a third call in 24 hours, not a fourth', () => {
    assert.deepEqual(judge(BOSTON, at('2026-03-10T19:59:59-04:00')).codes, []);
    assert.deepEqual(judge(BOSTON, at('2026-03-10T20:00:00-04:00')).rules, ['US-MA-HOURS']);
    const now = at('2026-03-10T12:00:00-04:00');
    const prior = (hours: number[]) => hours.map((h) => ({ at: now - h * HOUR, tenantId: 't1', caller: null }));
    assert.deepEqual(judge(BALTIMORE, now, { facts: { calleeAttempts: prior([1, 2]) } }).codes, []);
    assert.deepEqual(judge(BALTIMORE, now, { facts: { calleeAttempts: prior([1, 2, 23.99]) } }).rules, ['US-MD-CAP']);
    assert.deepEqual(judge(BALTIMORE, now, { facts: { calleeAttempts: prior([1, 2, 24]) } }).codes, [], 'the oldest left the window');
  });
});

describe('US state overlays: state do-not-call lists', () => {
  const now = at('2026-03-10T12:00:00-05:00');

  it('a callee on the Texas no-call list is denied by the Texas rule; a Texas list never loaded fails closed for Texas only', () => {
    const listed = judge(AUSTIN, now, { listed: ['us-tx-nocall'] }).decision;
    assert.deepEqual(listed.reasons.map((r) => [r.code, r.rule]), [['REGISTRY_LISTED', 'US-TX-DNC']]);
    const onlyNational = registries(policyFor(AUSTIN, ['us']), now).filter((r) => r.listId === 'us-national-dnc');
    const missing = judge(AUSTIN, now, { facts: { registries: onlyNational } }).decision;
    assert.deepEqual(missing.reasons.map((r) => [r.code, r.rule]), [['REGISTRY_STALE', 'US-TX-DNC']]);
    assert.match(missing.reasons[0].message, /us-tx-nocall/);
    assert.deepEqual(judge(NEW_YORK, now, { facts: { registries: onlyNational } }).codes, []);
  });

  it("the callee's own consent waives a state list as it waives the national one: a consented call to a Texas or Florida number is not held to a list that names it or was never loaded", () => {
    const consents = [consentFacts({ obtainedAt: now - 86_400_000, expiresAt: null })];
    assert.deepEqual(judge(AUSTIN, now, { listed: ['us-tx-nocall'], facts: { consents } }).codes, []);
    const onlyNational = registries(policyFor(AUSTIN, ['us']), now).filter((r) => r.listId === 'us-national-dnc');
    assert.deepEqual(judge(AUSTIN, now, { facts: { registries: onlyNational, consents } }).codes, []);
    assert.deepEqual(judge(AUSTIN, now, { facts: { registries: onlyNational } }).codes, ['REGISTRY_STALE'], 'without consent the missing list still fails closed');
  });

  it('each list has its own scrub age: Massachusetts 150 days, Kansas 30 for the national list', () => {
    const aged = (callee: string, listId: string, days: number) =>
      registries(policyFor(callee, ['us']), now).map((r) => (r.listId === listId ? { ...r, listDate: now - days * DAY_MS } : r));
    assert.deepEqual(judge(BOSTON, now, { facts: { registries: aged(BOSTON, 'us-ma-dnc', 150) } }).codes, []);
    assert.deepEqual(judge(BOSTON, now, { facts: { registries: aged(BOSTON, 'us-ma-dnc', 151) } }).rules, ['US-MA-DNC']);
    assert.deepEqual(judge(TOPEKA, now, { facts: { registries: aged(TOPEKA, 'us-national-dnc', 30) } }).codes, []);
    assert.deepEqual(judge(TOPEKA, now, { facts: { registries: aged(TOPEKA, 'us-national-dnc', 31) } }).rules, ['US-KS-DNC'], 'federal allows 31 days, Kansas 30');
    assert.deepEqual(judge(NEW_YORK, now, { facts: { registries: aged(NEW_YORK, 'us-national-dnc', 31) } }).codes, []);
  });

  it('every own state list fails closed until loaded, like the national list', () => {
    const lists = policyFor(NEW_YORK, ['us']).pack.rules.flatMap((r) => (r.kind === 'registry' ? r.params.lists : []));
    assert.ok(lists.length >= 13);
    assert.ok(lists.every((l) => l.requireLoaded));
  });
});

describe('US state overlays: seller registration', () => {
  it('California needs a current registration with the Attorney General; New York needs none', () => {
    const noon = at('2026-06-10T12:00:00-07:00');
    const none = judge(SAN_FRANCISCO, noon, { facts: { registrations: [] } }).decision;
    assert.deepEqual(none.reasons.map((r) => [r.code, r.rule]), [['SELLER_NOT_REGISTERED', 'US-CA-REGISTRATION']]);
    assert.match(none.reasons[0].message, /California Attorney General/);
    assert.deepEqual(judge(SAN_FRANCISCO, noon).codes, []);
    assert.deepEqual(judge(NEW_YORK, noon, { facts: { registrations: [] } }).codes, []);
  });
});
