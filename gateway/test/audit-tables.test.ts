import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { purgeExpired } from '../src/audit/purge';
import { reconcileTables, type TableFinding, type TablesReport } from '../src/audit/reconcile';
import { BINDINGS } from '../src/audit/table-bindings';
import { restoreOptOuts } from '../src/audit/restore-opt-outs';
import { verifyDatabase } from '../src/audit/verify-db';
import { fromRow, toRow } from '../src/decisions/record';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

let calleeSeq = 0;
const nextCallee = () => `+86137${String(20000000 + ++calleeSeq).slice(-8)}`;

/** More decisions than one reconciliation page, so that keyset paging is crossed. */
const MANY = 2300;

for (const engine of ENGINES) {
  describe(`the engine's tables bound to the trail on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    const callee = nextCallee();
    let consentId: string;
    let deniedId: string;
    let allowedId: string;
    let optOutId: string;

    const verify = async (): Promise<{ ok: boolean; tables: TablesReport }> => {
      const res = await gw.call('POST', '/v1/audit/verify', gw.admin);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const findingsOf = (report: { tables: TablesReport }, table: string, rowId: string): TableFinding[] => report.tables.findings.filter((f) => f.table === table && f.rowId === rowId);

    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
      deniedId = (await gw.decide(world, callee)).json().id;
      consentId = (await gw.consent(world, callee)).id;
      const allowed = (await gw.decide(world, callee)).json();
      assert.equal(allowed.allow, true, JSON.stringify(allowed));
      allowedId = allowed.id;
      await gw.ok(`/v1/calls/${allowedId}/outcome`, world.dialer, { outcome: 'answered', durationSeconds: 42 });
      for (let i = 0; i < MANY; i += 100) {
        const answers = await Promise.all(Array.from({ length: 100 }, () => gw.decide(world, nextCallee())));
        for (const a of answers) assert.equal(a.statusCode, 200, a.body);
      }
    });
    after(async () => gw?.close());

    it('an untampered database with many decisions verifies, every row reconciled with its event', async () => {
      const report = await verify();
      assert.equal(report.ok, true, JSON.stringify(report.tables?.findings));
      assert.equal(report.tables.ok, true);
      assert.deepEqual(report.tables.findings, []);
      assert.ok(report.tables.checked.decisions >= MANY + 2, JSON.stringify(report.tables.checked));
      assert.equal(report.tables.checked.consents, 1);
      assert.equal(report.tables.checked.call_outcomes, 1);
    });

    it('a decision whose allow was edited in its table is named: table, row and field', async () => {
      const db = gw.gate.db;
      await db('decisions').where({ id: deniedId }).update({ allow: true });
      await db('consents').insert({ ...(await db('consents').where({ id: consentId }).first()), id: 'cns_0forged', callee: nextCallee() });
      try {
        const report = await verify();
        assert.equal(report.ok, false);
        assert.deepEqual(findingsOf(report, 'decisions', deniedId), [
          { table: 'decisions', rowId: deniedId, problem: 'row differs', differs: [{ field: 'allow', table: true, trail: false }], event: report.tables.findings[1].event },
        ]);
        // Where the database orders ids otherwise than JavaScript, subjects are looked up page by page instead: the same findings.
        assert.deepEqual(await reconcileTables(db, BINDINGS, { merge: false }), report.tables);
      } finally {
        await db('decisions').where({ id: deniedId }).update({ allow: false });
        await db('consents').where({ id: 'cns_0forged' }).delete();
      }
      assert.equal((await verify()).ok, true);
    });

    it('a consent whose expiry was edited in its table is named', async () => {
      const db = gw.gate.db;
      const row = await db('consents').where({ id: consentId }).first();
      await db('consents').where({ id: consentId }).update({ expires_at: Number(row.expires_at) + 10 * 365 * 86_400_000 });
      try {
        const [finding] = findingsOf(await verify(), 'consents', consentId);
        assert.equal(finding.problem, 'row differs');
        assert.deepEqual(finding.differs!.map((d) => [d.field, d.trail]), [['expires_at', Number(row.expires_at)]]);
      } finally {
        await db('consents').where({ id: consentId }).update({ expires_at: row.expires_at });
      }
    });

    it('a consent row inserted without its trail event is named', async () => {
      const db = gw.gate.db;
      const row = await db('consents').where({ id: consentId }).first();
      const forged = { ...row, id: 'cns_forged', callee: nextCallee() };
      await db('consents').insert(forged);
      try {
        const report = await verify();
        assert.equal(report.ok, false);
        assert.deepEqual(findingsOf(report, 'consents', 'cns_forged'), [{ table: 'consents', rowId: 'cns_forged', problem: 'row without trail event' }]);
      } finally {
        await db('consents').where({ id: 'cns_forged' }).delete();
      }
      assert.equal((await verify()).ok, true);
    });

    it('an outcome edited in its table is named', async () => {
      const db = gw.gate.db;
      await db('call_outcomes').where({ decision_id: allowedId }).update({ outcome: 'abandoned' });
      try {
        const [finding] = findingsOf(await verify(), 'call_outcomes', allowedId);
        assert.equal(finding.problem, 'row differs');
        assert.deepEqual(finding.differs, [{ field: 'outcome', table: 'abandoned', trail: 'answered' }]);
      } finally {
        await db('call_outcomes').where({ decision_id: allowedId }).update({ outcome: 'answered' });
      }
    });

    it('a deleted outcome is named', async () => {
      const db = gw.gate.db;
      const row = await db('call_outcomes').where({ decision_id: allowedId }).first();
      await db('call_outcomes').where({ decision_id: allowedId }).delete();
      try {
        const [finding] = findingsOf(await verify(), 'call_outcomes', allowedId);
        assert.equal(finding.problem, 'row missing');
      } finally {
        await db('call_outcomes').insert(row);
      }
    });

    it('an opt-out row deleted from its table is named, and the refusal still blocks the next call', async () => {
      const db = gw.gate.db;
      optOutId = (await gw.ok('/v1/opt-outs', world.dialer, { callee, scope: 'tenant', source: 'keypress' })).id;
      await db('opt_outs').where({ id: optOutId }).delete();
      const report = await verify();
      assert.equal(report.ok, false);
      assert.deepEqual(findingsOf(report, 'opt_outs', optOutId).map((f) => f.problem), ['row missing']);
      // The guard writes the refusal back from the trail, and records that it did.
      const { restored } = await restoreOptOuts(db, gw.gate.audit.trail);
      assert.deepEqual(restored.map((f) => [f.rowId, f.problem]), [[optOutId, 'row missing']]);
      const next = (await gw.decide(world, callee)).json();
      assert.equal(next.allow, false);
      assert.ok(next.reasons.some((r: { code: string }) => r.code === 'OPTED_OUT'), JSON.stringify(next.reasons));
      const note = await db('audit_events').where({ type: 'admin.action', subject_id: optOutId }).first();
      assert.match(String(note.payload), /opt_out\.restored/);
      assert.equal((await verify()).ok, true);
    });

    it('an opt-out narrowed in its table is named and written back as the trail has it', async () => {
      const db = gw.gate.db;
      await db('opt_outs').where({ id: optOutId }).update({ scope: 'campaign', effective_at: Date.now() + 86_400_000 });
      const [finding] = findingsOf(await verify(), 'opt_outs', optOutId);
      assert.deepEqual(finding.differs!.map((d) => d.field), ['scope', 'effective_at']);
      await restoreOptOuts(db, gw.gate.audit.trail);
      assert.equal((await db('opt_outs').where({ id: optOutId }).first()).scope, 'tenant');
      assert.equal((await gw.decide(world, callee)).json().allow, false);
      assert.equal((await verify()).ok, true);
    });

    it('a revoked consent verifies, and one revived in its table is named', async () => {
      const db = gw.gate.db;
      await gw.ok(`/v1/consents/${consentId}/revoke`, world.dialer, { reason: 'asked by phone' }, 200);
      assert.equal((await verify()).ok, true);
      const revokedAt = (await db('consents').where({ id: consentId }).first()).revoked_at;
      await db('consents').where({ id: consentId }).update({ revoked_at: null });
      try {
        const [finding] = findingsOf(await verify(), 'consents', consentId);
        assert.deepEqual(finding.differs, [{ field: 'revoked_at', table: null, trail: Number(revokedAt) }]);
      } finally {
        await db('consents').where({ id: consentId }).update({ revoked_at: revokedAt });
      }
    });

    it('fail-closed denials drained from the spool verify, rows and events together', async () => {
      const record = fromRow(toRow({ id: `dec_spooled_${engine}`, decidedAt: Date.now(), instanceId: 'x', call: { tenantId: world.tenantId, campaignId: world.campaignId, callee, caller: null }, allow: false, reasons: [], nextAllowedAt: null, policyRevision: 'unknown', ruleIds: [], input: {}, timing: { queuedUs: 0, engineUs: 0, batchSize: 1 } }));
      gw.gate.spool.append([toRow(record)]);
      assert.equal((await verify()).ok, true, 'a denial still in the spool has neither row nor event');
      assert.equal(await gw.gate.spool.drain(gw.gate.db), 1);
      const report = await verify();
      assert.equal(report.ok, true, JSON.stringify(report.tables.findings));
    });

    it('verification while decisions are being written reports no mismatch', async () => {
      const writing = Promise.all(Array.from({ length: 200 }, () => gw.decide(world, nextCallee())));
      const [report] = await Promise.all([verify(), writing]);
      assert.equal(report.ok, true, JSON.stringify(report.tables.findings));
    });

    it('after a retention purge, a row whose event content was purged may be gone', async () => {
      const db = gw.gate.db;
      assert.ok((await purgeExpired(db, gw.gate.audit.trail, 1, Date.now() + 2 * 86_400_000)) > 0);
      await db('decisions').where({ id: deniedId }).delete();
      const report = await verifyDatabase(db);
      assert.equal(report.ok, true, JSON.stringify(report.tables?.findings ?? report.firstBad));
      assert.ok(report.tables!.purged >= MANY);
      // A row written after the purge, without an event, is still named.
      await db('decisions').insert({ ...(await db('decisions').where({ id: allowedId }).first()), id: 'dec_forged' });
      const forged = await verifyDatabase(db);
      assert.deepEqual(forged.tables!.findings.map((f) => [f.table, f.rowId, f.problem]), [['decisions', 'dec_forged', 'row without trail event']]);
    });
  });
}
