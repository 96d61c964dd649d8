import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadAbuseThresholds, parseAbuseThresholds } from '../../gateway/src/abuse/thresholds';

describe('the shipped abuse thresholds', () => {
  it('load, and every threshold says where its figure comes from and how sure it is', () => {
    const policy = loadAbuseThresholds(null);
    assert.ok(policy.thresholds.length >= 2);
    for (const t of policy.thresholds) {
      assert.ok(t.source.length > 20, t.id);
      assert.ok(['statute', 'guidance', 'carrier_practice', 'policy_choice', 'unconfirmed'].includes(t.status), t.id);
    }
    assert.deepEqual(new Set(policy.thresholds.map((t) => t.subject)), new Set(['caller_number', 'tenant', 'consent']));
  });

  it('a thresholds file that is not valid stops the start with the problem named', () => {
    const text = fs.readFileSync(path.join(__dirname, 'thresholds.json'), 'utf8');
    const broken = JSON.parse(text);
    broken.thresholds[0].count = 0;
    assert.throws(() => parseAbuseThresholds(JSON.stringify(broken), 'test'), /count must be >= 1/);
    broken.thresholds[0].count = 2;
    broken.thresholds[1].id = broken.thresholds[0].id;
    assert.throws(() => parseAbuseThresholds(JSON.stringify(broken), 'test'), /unique/);
  });
});
