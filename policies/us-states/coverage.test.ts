import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PACKS } from '../../gateway/test/support/packs';

interface Parameter { name: string; status: 'unconfirmed' | 'conflicting' | 'confirmed-secondary'; shipped: string; values: string[]; rule?: string }
interface StateEntry { coverage: 'full' | 'partial'; applies: string; rules: string[]; source: string; notes?: string[]; parameters?: Parameter[] }

const coverage = JSON.parse(fs.readFileSync(path.join(__dirname, 'coverage.json'), 'utf8')) as { states: Record<string, StateEntry> };
const STATES = 'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY'.split(' ');
const rules = PACKS.get('us-states')!.pack.rules;

describe('us-states coverage', () => {
  it('every state and DC has an entry, full or partial, with a source and what it applies', () => {
    assert.deepEqual(Object.keys(coverage.states).sort(), STATES.map((s) => `US-${s}`).sort());
    for (const [region, entry] of Object.entries(coverage.states)) {
      assert.ok(['full', 'partial'].includes(entry.coverage), region);
      assert.ok(entry.source.trim() && entry.applies.trim(), region);
    }
  });

  it('a partial entry says what is missing', () => {
    for (const [region, entry] of Object.entries(coverage.states)) {
      if (entry.coverage === 'partial') assert.ok((entry.notes ?? []).length > 0, region);
    }
  });

  it('each entry lists exactly the pack rules that bind its state', () => {
    for (const [region, entry] of Object.entries(coverage.states)) {
      assert.deepEqual(entry.rules, rules.filter((r) => r.regions?.includes(region)).map((r) => r.id), region);
    }
  });

  it('every parameter a rule names is listed with its status, and a conflicting one ships as a policy choice', () => {
    const listed = new Map(Object.values(coverage.states).flatMap((e) => (e.parameters ?? []).map((p) => [p.name, p] as const)));
    let named = 0;
    for (const rule of rules) {
      for (const [, name, status] of (rule.citation.note ?? '').matchAll(/parameter (us\.[a-z.]+[a-zA-Z]*), status (\w+)/g)) {
        named += 1;
        const p = listed.get(name);
        assert.ok(p, `${rule.id} names ${name}`);
        assert.equal(p.rule, rule.id, name);
        assert.equal(p.status, status, name);
        if (status === 'conflicting') assert.equal(rule.status, 'policy_choice', rule.id);
      }
    }
    assert.ok(named >= 8, `${named} parameters named in rules`);
    for (const p of listed.values()) {
      if (p.rule) assert.ok(rules.some((r) => r.id === p.rule), `${p.name} names ${p.rule}`);
    }
  });

  it('Mississippi carries no holiday ban (lifted), and Connecticut ends at 20:00', () => {
    assert.ok(!rules.some((r) => r.id === 'US-MS-HOLIDAYS'));
    const ct = rules.find((r) => r.id === 'US-CT-HOURS')!;
    assert.ok(ct.kind === 'callingHours' && ct.params.windows.every((w) => w.start === '09:00' && w.end === '20:00'));
  });
});
