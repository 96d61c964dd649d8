import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goodFacts } from '../../gateway/test/support/facts';
import { at, judge } from '../../gateway/test/support/packs';

const CALLEE = '+5511987654321';
const ORDINARY = '+551130001234';

function telemarketing(caller: string, instant: number) {
  const base = goodFacts();
  const facts = { campaign: { ...base.campaign, purpose: 'telemarketing', policyPack: 'br' }, callerNumber: { ...base.callerNumber!, e164: caller } };
  return judge(CALLEE, instant, { facts, input: { caller } });
}

describe('Brazil pack', () => {
  it('telemarketing from an ordinary number was refused while 0303 was mandatory, through August 2025', () => {
    assert.deepEqual(telemarketing(ORDINARY, at('2025-08-31T12:00:00-03:00')).rules, ['BR-0303']);
    assert.equal(telemarketing('+553031234567', at('2025-08-31T12:00:00-03:00')).decision.allow, true);
  });

  it('from September 2025 0303 is optional', () => {
    assert.equal(telemarketing(ORDINARY, at('2025-09-01T12:00:00-03:00')).decision.allow, true);
  });

  it('a number on Não Me Perturbe is refused; a copy 31 days old is stale', () => {
    const now = at('2026-06-01T12:00:00-03:00');
    assert.deepEqual(judge(CALLEE, now, { listed: ['br-nao-me-perturbe'] }).rules, ['BR-NAO-ME-PERTURBE']);
    assert.deepEqual(judge(CALLEE, now, { ageDays: 31 }).codes, ['REGISTRY_STALE']);
  });
});
