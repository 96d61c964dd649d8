import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyDatabase } from '../../src/audit/verify-db';
import { recordSuperseded } from '../../src/decisions/superseded';
import { parseMessage } from '../../src/sip/message/parse';
import type { Verdict } from '../../src/sip/proxy/types';
import { RemoteAdmission } from '../../src/sip/remote-admission';
import type { FromWorker } from '../../src/sip/worker-protocol';
import { startTestGateway, type TestGateway, type World } from '../support/gateway';
import { CALLEE, sleep } from './support';

const SOURCE = { proto: 'udp' as const, host: '127.0.0.1', port: 5080 };
const INVITE = parseMessage(
  Buffer.from(
    ['INVITE sip:+8613800138000@127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKlate1', 'Max-Forwards: 70', 'From: <sip:+862161234567@127.0.0.1>;tag=l1', 'To: <sip:+8613800138000@127.0.0.1>', 'Call-ID: late-1@127.0.0.1', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n'),
  ),
);
const ALLOW: Verdict = { allow: true, decisionId: 'dec_late', tenantId: 't1', headers: [] };
const DENY: Verdict = { allow: false, status: 403, decisionId: 'dec_deny', headers: [] };

function remote(timeoutMs: number) {
  const posted: FromWorker[] = [];
  return { admission: new RemoteAdmission((m) => posted.push(m), timeoutMs), unplaced: () => posted.filter((m) => m.type === 'unplaced') };
}

describe('an allowed INVITE refused for a late decision is reported as not placed', () => {
  it('an allow that arrives after the admission timeout is reported back as unplaced, with its decision and a reason', async () => {
    const { admission, unplaced } = remote(20);
    await assert.rejects(admission.admit(INVITE, SOURCE), /no decision within/);
    admission.settle(1, ALLOW, null);
    assert.deepEqual(
      unplaced().map((m) => m.type === 'unplaced' && [m.decisionId, m.tenantId]),
      [['dec_late', 't1']],
    );
    admission.settle(1, ALLOW, null);
    assert.equal(unplaced().length, 1, 'reported once');
  });

  it('an in-time allow and a late denial report nothing', async () => {
    const { admission, unplaced } = remote(20);
    const admitted = admission.admit(INVITE, SOURCE);
    admission.settle(1, ALLOW, null);
    assert.equal((await admitted).allow, true);
    await assert.rejects(admission.admit(INVITE, SOURCE));
    admission.settle(2, DENY, null);
    await sleep(5);
    assert.deepEqual(unplaced(), []);
  });
});

describe('a superseded allow is recorded durably (SQLite)', () => {
  let gw: TestGateway;
  let world: World;
  before(async () => {
    gw = await startTestGateway('sqlite');
    world = await gw.seed();
    await gw.consent(world, CALLEE);
  });
  after(async () => gw?.close());

  it('the attempt leaves the caps, the outcome is failed, the trail holds decision.superseded, and verification still passes', async () => {
    const decision = (await gw.decide(world, CALLEE)).json();
    assert.equal(decision.allow, true);
    assert.equal(await gw.gate.db('call_attempts').where({ decision_id: decision.id }).first() !== undefined, true);

    const recorded = await recordSuperseded(gw.gate.db, { decisionId: decision.id, tenantId: world.tenantId, reason: 'the decision came too late', recordedBy: 'sip' });
    assert.equal(recorded, true);
    assert.equal(await gw.gate.db('call_attempts').where({ decision_id: decision.id }).first(), undefined);
    const outcome = await gw.gate.db('call_outcomes').where({ decision_id: decision.id }).first();
    assert.equal(outcome.outcome, 'failed');
    const event = await gw.gate.db('audit_events').where({ type: 'decision.superseded', subject_id: decision.id }).first();
    assert.ok(event, 'the trail says the allow was superseded');
    assert.deepEqual([JSON.parse(event.payload).superseded.placed, JSON.parse(event.payload).superseded.reason], [false, 'the decision came too late']);
    assert.equal((await verifyDatabase(gw.gate.db)).ok, true);

    assert.equal(await recordSuperseded(gw.gate.db, { decisionId: decision.id, tenantId: world.tenantId, reason: 'again', recordedBy: 'sip' }), false, 'recorded once');
    assert.equal(await gw.gate.db('audit_events').where({ type: 'decision.superseded', subject_id: decision.id }).count({ n: '*' }).then(([r]) => Number(r.n)), 1);
  });
});
