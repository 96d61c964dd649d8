import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runSignalPass, SETTLE_MS } from '../src/abuse/signals';
import { loadAbuseThresholds } from '../src/abuse/thresholds';
import { usccCheckCharacter } from '../src/domain/uscc';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const thresholds = loadAbuseThresholds(null);
const settled = () => Date.now() + SETTLE_MS + 1;
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);
/** Numbers spread over the national plan, as a real customer list is: no two in one 10 000-number block. */
const PREFIXES = ['138', '139', '136', '150', '186', '135', '158'];
const scattered = (i: number, salt: number) => `+86${PREFIXES[i % PREFIXES.length]}${String((i * 7919 + salt * 104_729) % 10_000).padStart(4, '0')}${String((i * 31 + salt) % 10_000).padStart(4, '0')}`;

for (const engine of ENGINES) {
  describe(`behaviour signals on ${engine}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(engine);
    });
    after(async () => gw?.close());

    const usccOf = (n: number) => {
      const first17 = `91310000MA1FL0${String(n).padStart(3, '0')}`;
      return first17 + usccCheckCharacter(first17);
    };
    const tenant = (n: number) => gw.seed({ legalName: `示例${n}号公司`, caller: `+8621612300${String(10 + n)}`, uscc: usccOf(n) });

    it('a robot sweeping one number block without consents is suspended at the block threshold, and its next call is denied', async () => {
      const robot = await tenant(1);
      const block = '+86138001500';
      let calls = 0;
      for (; calls < 50; calls++) assert.deepEqual(codes((await gw.decide(robot, `${block}${String(calls).padStart(2, '0')}`)).json()), ['NO_CONSENT']);
      const pass = await runSignalPass(gw.gate.db, thresholds, settled());
      assert.equal(pass.decisions, 50);
      assert.deepEqual(pass.suspensions.map((s) => [s.signal, s.subjectKind, s.subject]), [['ABUSE-TENANT-BLOCK-SWEEP', 'tenant', robot.tenantId]]);
      assert.match(pass.suspensions[0].message, /50 calls into the number block \+861380015xxxx within 60 minutes/);
      const next = (await gw.decide(robot, '+8613800159999')).json();
      assert.ok(codes(next).includes('TENANT_SUSPENDED_ABUSE'), JSON.stringify(next));
    });

    it('49 calls into one block trip nothing: the threshold is the 50th', async () => {
      const careful = await tenant(2);
      for (let i = 0; i < 49; i++) await gw.decide(careful, `+86139002000${String(i).padStart(2, '0')}`);
      const pass = await runSignalPass(gw.gate.db, thresholds, settled());
      assert.deepEqual(pass.suspensions.filter((s) => s.tenantId === careful.tenantId), []);
    });

    it('a lawful campaign of consented, scattered callees with real conversations is never flagged', async () => {
      const lawful = await tenant(3);
      for (let i = 0; i < 120; i++) {
        const callee = scattered(i, 3);
        await gw.consent(lawful, callee);
        const d = (await gw.decide(lawful, callee)).json();
        assert.equal(d.allow, true, JSON.stringify(d));
        await gw.ok(`/v1/calls/${d.id}/outcome`, lawful.dialer, { outcome: 'answered', durationSeconds: 95 }, 201);
      }
      const pass = await runSignalPass(gw.gate.db, thresholds, settled());
      assert.deepEqual(pass.suspensions.filter((s) => s.tenantId === lawful.tenantId), []);
      assert.equal(await gw.gate.db('abuse_suspensions').where({ tenant_id: lawful.tenantId }).count({ n: '*' }).then((r) => Number(r[0].n)), 0);
    });

    it('a display number whose answered calls mostly last two seconds is placed under observation: flagged, not blocked', async () => {
      const hangsUp = await tenant(5);
      let last = '';
      for (let i = 0; i < 30; i++) {
        last = scattered(i, 5);
        await gw.consent(hangsUp, last);
        const d = (await gw.decide(hangsUp, last)).json();
        await gw.ok(`/v1/calls/${d.id}/outcome`, hangsUp.dialer, { outcome: 'answered', durationSeconds: 2 }, 201);
      }
      const pass = await runSignalPass(gw.gate.db, thresholds, settled());
      const flagged = pass.suspensions.filter((s) => s.tenantId === hangsUp.tenantId);
      assert.deepEqual(flagged.map((s) => [s.signal, s.action, s.subject]), [['ABUSE-NUMBER-SHORT-CALLS', 'observe', hangsUp.caller]]);
      assert.match(flagged[0].message, /30 of 30 answered calls within 60 minutes lasted under 6 s/);
      assert.equal((await gw.decide(hangsUp, scattered(40, 5))).json().reasons.some((r: { code: string }) => r.code.endsWith('_ABUSE')), false);
    });

    it('a tenant whose decisions are mostly refused for want of consent (a bought list) is suspended; two passes at once count each decision once', async () => {
      const buyer = await tenant(4);
      for (let i = 0; i < 100; i++) await gw.decide(buyer, scattered(i, 9));
      const [p1, p2] = await Promise.all([runSignalPass(gw.gate.db, thresholds, settled()), runSignalPass(gw.gate.db, thresholds, settled())]);
      const counted = await gw.gate.db('abuse_signal_counts').where({ subject_kind: 'tenant', subject: buyer.tenantId, metric: 'decisions' }).sum({ n: 'n' }).first();
      assert.equal(Number(counted!.n), 100);
      const tripped = [...p1.suspensions, ...p2.suspensions].filter((s) => s.tenantId === buyer.tenantId);
      assert.deepEqual(tripped.map((s) => s.signal), ['ABUSE-TENANT-NO-CONSENT']);
      assert.match(tripped[0].message, /100 of 100 decisions within 60 minutes were refused for want of consent/);
    });
  });
}
