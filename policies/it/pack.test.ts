import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentFacts } from '../../gateway/test/support/facts';
import { at, judge } from '../../gateway/test/support/packs';

const CALLEE = '+393123456789';
const NOW = at('2026-06-01T11:00:00+02:00');
const consent = (iso: string) => [consentFacts({ obtainedAt: at(iso), expiresAt: null })];

describe('Italy pack', () => {
  it('a number on the RPO is refused without consent', () => {
    assert.deepEqual(judge(CALLEE, NOW, { listed: ['it-rpo'], registeredOn: '2026-04-01' }).rules, ['IT-RPO']);
  });

  it('a consent obtained before the registration was cancelled by it; one obtained the day after survives', () => {
    const before = judge(CALLEE, NOW, { listed: ['it-rpo'], registeredOn: '2026-04-01', facts: { consents: consent('2026-04-01T09:00:00+02:00') } });
    assert.deepEqual(before.decision.reasons.map((r) => [r.code, r.rule]), [['CONSENT_PREDATES_REGISTRY', 'IT-RPO']]);
    assert.equal(judge(CALLEE, NOW, { listed: ['it-rpo'], registeredOn: '2026-04-01', facts: { consents: consent('2026-04-02T12:00:00+02:00') } }).decision.allow, true);
  });

  it('a copy of the RPO 16 days old is stale (15 days, the stricter of the conflicting figures)', () => {
    assert.deepEqual(judge(CALLEE, NOW, { ageDays: 16 }).codes, ['REGISTRY_STALE']);
    assert.equal(judge(CALLEE, NOW, { ageDays: 15 }).decision.allow, true);
  });
});
