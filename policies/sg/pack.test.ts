import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { at, judge } from '../../gateway/test/support/packs';

const CALLEE = '+6591234567';

describe('Singapore pack', () => {
  it('a No Voice Call check 21 days old is valid; 22 days is stale', () => {
    const now = at('2026-06-01T11:00:00+08:00');
    assert.equal(judge(CALLEE, now, { ageDays: 21 }).decision.allow, true);
    assert.deepEqual(judge(CALLEE, now, { ageDays: 22 }).rules, ['SG-DNC-VOICE']);
  });

  it('before 2021-02-01 a check was valid 30 days', () => {
    const now = at('2021-01-31T11:00:00+08:00');
    assert.equal(judge(CALLEE, now, { ageDays: 30 }).decision.allow, true);
    assert.deepEqual(judge(CALLEE, now, { ageDays: 31 }).rules, ['SG-DNC-VOICE-30']);
  });

  it('a number on the No Voice Call register is refused, citing the PDPA', () => {
    const { decision } = judge(CALLEE, at('2026-06-01T11:00:00+08:00'), { listed: ['sg-dnc-voice'] });
    assert.deepEqual(decision.reasons.map((r) => [r.code, r.rule, r.citation]), [['REGISTRY_LISTED', 'SG-DNC-VOICE', 'Personal Data Protection Act 2012 s 43 (PDP (Amendment) Act 2020)']]);
  });
});
