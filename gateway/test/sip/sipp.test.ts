import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CALLEE, describeRun, placeCalls, startSipGateway, UNCONSENTED, type SipGateway } from './support';

async function outcomes(g: SipGateway) {
  await g.sip.outcomes.flush();
  return g.gw.gate.db('call_outcomes').join('decisions', 'decisions.id', 'call_outcomes.decision_id').select('call_outcomes.*', 'decisions.callee');
}

async function clearHistory(g: SipGateway) {
  // Each test starts with no earlier calls, so the frequency caps never decide for it.
  await g.gw.gate.db('call_outcomes').delete();
  await g.gw.gate.db('call_attempts').delete();
}

for (const transport of ['u1', 't1'] as const) {
  const proto = transport === 'u1' ? 'UDP' : 'TCP';
  describe(`SIP proxy with real sipp dialer and trunk over ${proto}`, () => {
    let g: SipGateway;
    before(async () => {
      g = await startSipGateway('sqlite', { trunk: transport === 'u1' ? 'udp' : 'tcp' });
    });
    after(async () => g?.close());

    it('an allowed call completes: the trunk sees Max-Forwards 69 and our Record-Route, ACK and BYE flow through it, the outcome is answered with a duration', async () => {
      await clearHistory(g);
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml' });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.equal(trunk?.code, 0, describeRun(trunk));
      assert.equal(dialer.errors, '');
      assert.match(trunk!.messages, /BYE sip:trunk@127\.0\.0\.1/, 'the BYE reached the trunk through the proxy');
      const rows = await outcomes(g);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].outcome, 'answered');
      assert.ok(Number(rows[0].duration_seconds) >= 0);
      assert.equal(rows[0].recorded_by, 'sip');
    });

    it('a denied call is refused 403 with Reason and reason codes, and the trunk receives nothing', async () => {
      await clearHistory(g);
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', keys: { callee: UNCONSENTED }, fill: { expect: '403' }, trunkWaitMs: 300 });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.match(dialer.logs, /refused Reason: Q\.850;cause=21;text="NO_CONSENT[^"]*" X-Callgate-Reasons: NO_CONSENT/);
      assert.doesNotMatch(trunk!.messages, /INVITE/, 'the trunk never sees a denied INVITE');
      const decision = await g.gw.gate.db('decisions').where({ callee: UNCONSENTED }).orderBy('decided_at', 'desc').first();
      assert.equal(Boolean(decision.allow), false);
    });

    it('the dialer cancels while ringing: 200 to the CANCEL, CANCEL forwarded, 487 back, outcome no answer', async () => {
      await clearHistory(g);
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-cancel.xml', trunk: 'trunk-ring.xml' });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.equal(trunk?.code, 0, describeRun(trunk));
      const rows = await outcomes(g);
      assert.deepEqual(rows.map((r) => r.outcome), ['no_answer']);
    });

    it('a busy callee: 486 relayed to the dialer, the trunk gets the hop-by-hop ACK, outcome busy', async () => {
      await clearHistory(g);
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-error.xml', trunk: 'trunk-busy.xml', fill: { expect: '486' } });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.equal(trunk?.code, 0, describeRun(trunk));
      assert.deepEqual((await outcomes(g)).map((r) => r.outcome), ['busy']);
    });

    it('Max-Forwards 0 is answered 483 Too Many Hops and never forwarded', async () => {
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-error.xml', trunk: 'trunk-answer.xml', fill: { expect: '483', maxforwards: '0' }, trunkWaitMs: 300 });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.doesNotMatch(trunk!.messages, /INVITE/);
    });
  });
}
