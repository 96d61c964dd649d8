/**
 * Abuse detection on generated traffic: a sweeping robot dialler (a number block in order, no
 * consents, two-second answered calls) against a lawful consented campaign of the same volume.
 * Prints after how many calls the robot is stopped, the lawful campaign's false positives (which
 * must be 0), and what a signal pass costs per decision beside what the decision itself costs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSignalPass, SETTLE_MS } from '../src/abuse/signals';
import { loadAbuseThresholds } from '../src/abuse/thresholds';
import { usccCheckCharacter } from '../src/domain/uscc';
import { startTestGateway, type TestGateway, type World } from '../test/support/gateway';

const DAY_S = 86_400;
const PASS_S = 5;
const PREFIXES = ['138', '139', '136', '150', '186', '135', '158'];
const scattered = (i: number) => `+86${PREFIXES[i % PREFIXES.length]}${String((i * 7919) % 10_000).padStart(4, '0')}${String((i * 31 + 7) % 10_000).padStart(4, '0')}`;

function uscc(n: number): string {
  const first17 = `91310000MA1BN0${String(n).padStart(3, '0')}`;
  return first17 + usccCheckCharacter(first17);
}

/** Calls the robot places between two passes at its daily rate (at least one). */
const callsPerPass = (perDay: number) => Math.max(1, Math.round((perDay / DAY_S) * PASS_S));

async function robotRun(gw: TestGateway, robot: World, perDay: number, block: string): Promise<number> {
  const thresholds = loadAbuseThresholds(null);
  const every = callsPerPass(perDay);
  for (let call = 1; call <= 10_000; call++) {
    const d = (await gw.decide(robot, `${block}${String(call % 10_000).padStart(4, "0")}`)).json();
    if (!d.reasons) throw new Error(`the robot's call ${call} was refused: ${JSON.stringify(d)}`);
    if (d.reasons.some((r: { code: string }) => r.code === 'TENANT_SUSPENDED_ABUSE')) return call;
    if (d.allow) await gw.call('POST', `/v1/calls/${d.id}/outcome`, robot.dialer, { outcome: 'answered', durationSeconds: 2 });
    if (call % every === 0) await runSignalPass(gw.gate.db, thresholds, Date.now() + SETTLE_MS + 1);
  }
  return Number.NaN;
}

export async function abuseBench(): Promise<void> {
  const thresholds = loadAbuseThresholds(null);
  const gw = await startTestGateway('sqlite', { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-abuse-')) });
  try {
    for (const [i, perDay] of [20_000, 480_000].entries()) {
      const robot = await gw.seed({ legalName: `扫号机器人${i}`, caller: `+8621612399${String(i).padStart(2, '0')}`, uscc: uscc(i) });
      const stoppedAt = await robotRun(gw, robot, perDay, `+86139${String(1000 + i).padStart(4, "0")}`);
      console.log(`abuse: a sweeping robot at ${perDay.toLocaleString('en')} calls/day (a signal pass every ${PASS_S} s = every ${callsPerPass(perDay)} calls) is stopped at call ${stoppedAt}`);
    }
    const seeded = await gw.seed({ legalName: '合规续保公司', caller: '+862161239950', uscc: uscc(50) });
    // Enough display numbers that the CN pack's 300 calls per number per day never binds.
    const numbers: { id: string; e164: string }[] = [];
    for (let n = 0; n < 15; n++) {
      const e164 = `+8621612398${String(n).padStart(2, '0')}`;
      const number = await gw.ok('/v1/caller-numbers', seeded.compliance, { e164, proofOfRight: { carrierAllocation: `CT-${n}` } });
      await gw.ok(`/v1/caller-numbers/${number.id}/verification`, gw.admin, { status: 'verified' }, 200);
      numbers.push({ id: number.id, e164 });
    }
    const campaign = await gw.ok('/v1/campaigns', seeded.compliance, { brandId: seeded.brandId, name: '续保', purpose: 'insurance', policyPack: 'cn', dialingMode: 'agent', callerNumberIds: numbers.map((n) => n.id) });
    const lawful = { ...seeded, campaignId: campaign.id };
    const calls = 2_000;
    let allowed = 0;
    let decideUs = 0;
    const place = async (i: number, passEvery: number) => {
      await gw.consent(lawful, scattered(i));
      const start = process.hrtime.bigint();
      const d = (await gw.decide(lawful, scattered(i), numbers[i % numbers.length].e164)).json();
      if (d.allow) allowed++;
      decideUs += Number(process.hrtime.bigint() - start) / 1000;
      if (d.allow) await gw.call('POST', `/v1/calls/${d.id}/outcome`, lawful.dialer, { outcome: i % 5 === 0 ? 'no_answer' : 'answered', durationSeconds: 40 + (i % 200) });
      if (passEvery > 0 && i % passEvery === passEvery - 1) await runSignalPass(gw.gate.db, thresholds, Date.now() + SETTLE_MS + 1);
    };
    for (let i = 0; i < calls; i++) await place(i, 2);
    const flagged = await gw.gate.db('abuse_suspensions').where({ tenant_id: lawful.tenantId }).count({ n: '*' });
    console.log(`abuse: a lawful consented campaign, ${calls} calls to scattered callees (${allowed} allowed) with real conversations, judged every 2 calls: ${Number(flagged[0].n)} false positives (must be 0)`);
    // The cost at a busy gateway: one pass reads what thousands of decisions left since the last.
    decideUs = 0;
    for (let i = calls; i < 2 * calls; i++) await place(i, 0);
    const t = process.hrtime.bigint();
    const pass = await runSignalPass(gw.gate.db, thresholds, Date.now() + SETTLE_MS + 1);
    const passUs = Number(process.hrtime.bigint() - t) / 1000;
    console.log(
      `abuse: one signal pass over ${pass.decisions} decisions and ${pass.outcomes} outcomes: ${(passUs / 1000).toFixed(0)} ms, ${(passUs / pass.decisions).toFixed(0)} µs per decision, ` +
        `beside ${(decideUs / calls).toFixed(0)} µs to answer one (${((100 * passUs) / decideUs).toFixed(1)} % of the decision work, in a job off the decision path)`,
    );
  } finally {
    await gw.close();
  }
}

