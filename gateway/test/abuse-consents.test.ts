import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gapVariation } from '../src/abuse/consent-provenance';
import { runSignalPass, SETTLE_MS } from '../src/abuse/signals';
import { loadAbuseThresholds } from '../src/abuse/thresholds';
import { usccCheckCharacter } from '../src/domain/uscc';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const thresholds = loadAbuseThresholds(null);
const settled = () => Date.now() + SETTLE_MS + 1;
const uscc = (n: number) => {
  const first17 = `91310000MA1CF0${String(n).padStart(3, '0')}`;
  return first17 + usccCheckCharacter(first17);
};
const callee = (t: number, i: number) => `+86138${String(t).padStart(2, '0')}${String(i * 37 + 11).padStart(6, '0')}`;

describe('gap variation', () => {
  it('is 0 for evenly spaced or identical instants and near 1 for people signing up at random', () => {
    assert.equal(gapVariation([0, 1000, 2000, 3000]), 0);
    assert.equal(gapVariation([5, 5, 5]), 0);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let at = 0;
    const human = Array.from({ length: 500 }, () => (at += -Math.log(1 - random()) * 60_000));
    assert.ok(gapVariation(human) > 0.7, String(gapVariation(human)));
  });
});

for (const engine of ENGINES) {
  describe(`consent provenance on ${engine}`, () => {
    let gw: TestGateway;
    const worlds: World[] = [];
    before(async () => {
      gw = await startTestGateway(engine);
      for (let n = 0; n < 4; n++) worlds.push(await gw.seed({ legalName: `示例${n}号保险公司`, caller: `+8621612377${String(n).padStart(2, '0')}`, uscc: uscc(n) }));
    });
    after(async () => gw?.close());

    const give = (w: World, i: number, evidence: Record<string, unknown>, obtainedAt: number) =>
      gw.consent(w, callee(worlds.indexOf(w), i), { obtainedAt: new Date(obtainedAt).toISOString(), evidence: { textShown: `我同意${worlds.indexOf(w)}号公司致电`, pageUrl: `https://t${worlds.indexOf(w)}.example/form`, ip: `198.51.100.${i % 250}`, preTicked: false, bundledWithOtherTerms: false, ...evidence } });

    it('200 consents from one IP address in a day are flagged with examples; 199 are not', async () => {
      const w = worlds[0];
      const start = Date.now() - 3_600_000;
      for (let i = 0; i < 199; i++) await give(w, i, { ip: '203.0.113.9' }, start + i * 17_000 + ((i * 7919) % 13_000));
      let pass = await runSignalPass(gw.gate.db, thresholds, settled());
      assert.deepEqual(pass.consentFlags, []);
      await give(w, 199, { ip: '203.0.113.9' }, start + 199 * 17_000);
      pass = await runSignalPass(gw.gate.db, thresholds, settled());
      assert.deepEqual(pass.consentFlags.map((f) => [f.signal, f.subject, f.consents]), [['CONSENT-SAME-IP', 'ip 203.0.113.9', 200]]);
      assert.equal(pass.consentFlags[0].exampleConsentIds.length, 1);
      const listed = (await gw.call('GET', '/v1/consent-flags', w.auditor)).json().flags;
      assert.equal(listed.length, 1);
      assert.deepEqual((await gw.call('GET', '/v1/consent-flags', worlds[1].auditor)).json().flags, []);
    });

    it('a batch of consents with evenly spaced capture instants is flagged as machine rhythm; human timing is not', async () => {
      const [machine, human] = [worlds[1], worlds[2]];
      const start = Date.now() - 7_200_000;
      for (let i = 0; i < 50; i++) await give(machine, i, {}, start + i * 60_000);
      let seed = 3;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      let at = start;
      for (let i = 0; i < 60; i++) await give(human, i, {}, (at += -Math.log(1 - random()) * 60_000));
      const pass = await runSignalPass(gw.gate.db, thresholds, settled());
      assert.deepEqual(pass.consentFlags.map((f) => [f.tenantId, f.signal]), [[machine.tenantId, 'CONSENT-MACHINE-RHYTHM']]);
      assert.match(pass.consentFlags[0].message, /50 consents from https:\/\/t1.example\/form have capture instants in machine rhythm \(gap variation 0.00/);
    });

    it('one consent text on the consents of three tenants is flagged for each of them', async () => {
      const text = '我同意贵公司及其合作伙伴致电推荐金融产品';
      for (const [t, w] of [worlds[0], worlds[2], worlds[3]].entries()) await give(w, 500 + t, { textShown: text }, Date.now() - 60_000 * (t + 1));
      const pass = await runSignalPass(gw.gate.db, thresholds, settled());
      const shared = pass.consentFlags.filter((f) => f.signal === 'CONSENT-SHARED-TEXT');
      assert.deepEqual(shared.map((f) => f.tenantId).sort(), [worlds[0].tenantId, worlds[2].tenantId, worlds[3].tenantId].sort());
      assert.ok(shared.every((f) => f.consents === 3));
    });
  });
}
