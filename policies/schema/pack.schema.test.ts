import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy, loadPacks, PolicyError } from '../../gateway/src/policy/loader';

const cn = () => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cn', 'pack.json'), 'utf8'));

function problems(mutate: (pack: any) => void): string {
  const pack = cn();
  mutate(pack);
  try {
    compilePolicy(pack);
  } catch (error) {
    assert.ok(error instanceof PolicyError);
    return error.message;
  }
  assert.fail('the pack was accepted');
}

describe('policy pack schema', () => {
  it('loads every shipped pack', () => {
    assert.ok(loadPacks().has('cn'));
  });

  it('rejects a rule without a citation, saying where', () => {
    assert.match(problems((p) => delete p.rules[0].citation), /\/rules\/0 must have required property 'citation'/);
  });

  it('rejects a rule without an effective date', () => {
    assert.match(problems((p) => delete p.rules[1].effectiveFrom), /must have required property 'effectiveFrom'/);
  });

  it('rejects unknown rule kinds and unknown parameters', () => {
    assert.match(problems((p) => (p.rules[0].kind = 'vibes')), /must be equal to one of the allowed values/);
    const hours = (p: any) => p.rules.find((r: any) => r.kind === 'callingHours');
    assert.match(problems((p) => (hours(p).params.lunchBreak = true)), /must NOT have additional properties/);
  });

  it('rejects a calling window that ends before it starts, a false time zone and duplicate rule ids', () => {
    const hours = (p: any) => p.rules.find((r: any) => r.kind === 'callingHours');
    assert.match(problems((p) => (hours(p).params.windows[0] = { days: [1], start: '21:00', end: '08:00' })), /must start before it ends/);
    assert.match(problems((p) => (hours(p).params.fallbackZones = ['Asia/Beijing'])), /not an IANA time zone/);
    assert.match(problems((p) => (p.rules[1].id = p.rules[0].id)), /used twice/);
  });

  it('changes the revision id when any rule changes, even without a new label', () => {
    const before = compilePolicy(cn()).revisionId;
    const pack = cn();
    pack.rules.find((r: any) => r.kind === 'frequencyCap').params.windows[0].max = 4;
    assert.notEqual(compilePolicy(pack).revisionId, before);
  });
});
