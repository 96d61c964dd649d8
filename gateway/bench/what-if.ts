/**
 * Admin figures for `npm run bench`: what-if replay throughput over recorded decisions, and the
 * cost of the per-batch check that picks up published policy revisions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileCandidate } from '../../admin/api/policy-changes';
import { whatIf } from '../../admin/api/what-if';
import { toRow } from '../src/decisions/record';
import { decide } from '../src/engine/engine';
import { loadConfig } from '../src/config';
import { loadPacks } from '../src/policy/loader';
import { PolicyStore } from '../src/policy/store';
import { connect, migrate } from '../src/storage/db';
import { call, goodFacts } from '../test/support/facts';

const DECISIONS = 20_000;

export async function adminBench(): Promise<void> {
  const db = connect(loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-admin-')) }));
  try {
    await migrate(db);
    const policies = loadPacks();
    const cn = policies.get('cn')!;
    await db('policy_revisions').insert({ revision_id: cn.revisionId, pack_id: 'cn', content: JSON.stringify(cn.pack), created_at: Date.now() });
    const now = Date.now();
    const rows = [];
    for (let i = 0; i < DECISIONS; i++) {
      const at = now - (i % 1000) * 60_000;
      const facts = goodFacts({ calleeAttempts: [1, 2].map((m) => ({ at: at - m * 60_000, tenantId: 't1', caller: '+862161234567' })) });
      const c = call({ callee: `+86138${String(10000000 + i).slice(-8)}` });
      const decision = decide(c, facts, cn, at);
      rows.push(toRow({ ...decision, id: `dec_bench${i}`, decidedAt: at, instanceId: 'bench', call: c, input: { call: c, facts }, timing: { queuedUs: 0, engineUs: 0, batchSize: 1 } }));
    }
    for (let i = 0; i < rows.length; i += 500) await db('decisions').insert(rows.slice(i, i + 500));

    const draft = structuredClone(cn.pack);
    const cap = draft.rules.find((r) => r.id === 'CN-CAP-PER-CALLEE')!;
    if (cap.kind === 'frequencyCap') cap.params.windows = [{ seconds: 86400, max: 5 }, { seconds: 300, max: 1 }];
    const compiled = compileCandidate(draft);
    const started = process.hrtime.bigint();
    const report = await whatIf(db, compiled, { from: now - 7 * 86_400_000, to: now + 1, tenantId: null, limit: 100_000 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`what-if replay (SQLite): ${report.replayed} recorded decisions in ${ms.toFixed(0)} ms, ${((ms * 1000) / report.replayed).toFixed(1)} µs each (read, parse, self-check and replay); ${report.allowToDeny} would be denied`);

    const store = new PolicyStore(db, policies);
    await store.current();
    const n = 5_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await store.current();
    console.log(`published-policy check per decision batch (SQLite): ${(Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(1)} µs`);
  } finally {
    await db.destroy();
  }
}
