import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PACKS } from '../gateway/test/support/packs';

const STATUSES = ['statute', 'regulation', 'regulator_guidance', 'draft', 'carrier_practice', 'policy_choice'];

describe('every pack', () => {
  it('ships the CN, US federal, US state, UK, CA, AU, FR, IT, SG, IN and BR packs', () => {
    assert.deepEqual([...PACKS.keys()].sort(), ['au', 'br', 'ca', 'cn', 'fr', 'in', 'it', 'sg', 'uk', 'us', 'us-states']);
  });

  for (const [id, policy] of PACKS) {
    it(`${id}: every rule carries a citation with its source, a status and a real effective date`, () => {
      assert.ok(policy.pack.rules.length > 0);
      for (const rule of policy.pack.rules) {
        assert.ok(rule.citation.instrument.trim() && rule.citation.source.trim(), `${rule.id} citation`);
        assert.ok(STATUSES.includes(rule.status), `${rule.id} status ${rule.status}`);
        assert.match(rule.effectiveFrom, /^\d{4}-\d{2}-\d{2}$/, `${rule.id} effectiveFrom`);
        assert.equal(new Date(`${rule.effectiveFrom}T00:00:00Z`).toISOString().slice(0, 10), rule.effectiveFrom, `${rule.id} effectiveFrom is a calendar date`);
        assert.ok(rule.title.trim(), `${rule.id} title`);
      }
    });
  }

  it('every unconfirmed or conflicting figure is a named parameter with its status, used by rules the pack has', () => {
    for (const [id, policy] of PACKS) {
      const ids = new Set(policy.pack.rules.map((r) => r.id));
      for (const p of policy.pack.parameters ?? []) {
        assert.ok(['unconfirmed', 'conflicting'].includes(p.status) && p.note.trim(), `${id} ${p.name}`);
        assert.ok(p.usedBy.every((r) => ids.has(r)), `${id} ${p.name} usedBy`);
      }
    }
    for (const id of ['fr', 'it', 'in', 'br']) assert.ok((PACKS.get(id)!.pack.parameters ?? []).length > 0, `${id} names its unconfirmed figures`);
  });

  it('rule ids are unique across all packs, so a composed decision names one rule unambiguously', () => {
    const ids = [...PACKS.values()].flatMap((p) => p.pack.rules.map((r) => r.id));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('registry rules of opt-out countries fail closed until their list is loaded', () => {
    for (const id of ['us', 'uk', 'ca', 'au', 'fr', 'it', 'sg', 'in', 'br']) {
      const lists = PACKS.get(id)!.pack.rules.flatMap((r) => (r.kind === 'registry' ? r.params.lists : []));
      assert.ok(lists.length > 0 && lists.every((l) => l.requireLoaded), id);
    }
  });
});
