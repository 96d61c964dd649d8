import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy, composePolicies, loadPacks, PolicyError } from '../../gateway/src/policy/loader';
import { PolicyResolver } from '../../gateway/src/policy/resolve';

const read = (id: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', id, 'pack.json'), 'utf8'));

function rejects(id: string, mutate: (pack: any) => void, pattern: RegExp): void {
  const pack = read(id);
  mutate(pack);
  assert.throws(() => compilePolicy(pack), (e: unknown) => e instanceof PolicyError && pattern.test(e.message));
}

describe('pack composition and the new rule kinds', () => {
  it('rejects a registration rule without regions, an abandonment rate above 1 and a region outside the pack', () => {
    rejects('us-states', (p) => delete p.rules.find((r: any) => r.kind === 'registration').regions, /regions/);
    rejects('us', (p) => (p.rules.find((r: any) => r.kind === 'abandonment').params.maxRate = 3), /maxRate/);
    rejects('us-states', (p) => (p.rules[0].regions = ['CA-ON']), /lies outside the pack's countries/);
    rejects('au', (p) => (p.rules.find((r: any) => r.kind === 'registry').params.lists[0].waivedByRelationship = { transactionMonths: 18 }), /inquiryMonths/);
  });

  it('refuses a pack composed with one that is not loaded, and packs sharing a rule id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packs-'));
    const us = read('us');
    fs.mkdirSync(path.join(dir, 'us'));
    fs.writeFileSync(path.join(dir, 'us', 'pack.json'), JSON.stringify(us));
    assert.throws(() => loadPacks(dir), /composeWith names packs that are not loaded: us-states/);
    const a = compilePolicy(read('uk'));
    assert.throws(() => composePolicies([a, a]), /appears in two packs/);
  });

  it('a campaign naming several packs gets the ones covering the callee, with their overlays', () => {
    const resolver = new PolicyResolver(loadPacks());
    assert.match(resolver.forCall(['uk', 'us'], 'US')!.revisionId, /^us@.+&us-states@/);
    assert.match(resolver.forCall(['uk', 'us'], 'GB')!.revisionId, /^uk@[^&]+$/);
    assert.match(resolver.forCall(['uk', 'us'], 'FR')!.revisionId, /^uk@/, 'none covers: the first pack judges, and denies the destination');
    assert.equal(resolver.forCall(['uk', 'nope'], 'GB'), null);
    assert.deepEqual(resolver.missing(['uk', 'nope']), ['nope']);
  });
});
