import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CALLEE, describeRun, placeCalls, startSipGateway, UNCONSENTED, type SipGateway } from './support';
import type { Engine } from '../support/db';

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
      assert.match(trunk!.messages, /^ACK sip:trunk@127\.0\.0\.1/m, 'the ACK for the 2xx reached the trunk through the proxy');
      assert.match(trunk!.messages, /^BYE sip:trunk@127\.0\.0\.1/m, 'the BYE reached the trunk through the proxy');
      const rows = await outcomes(g);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].outcome, 'answered');
      assert.ok(Number(rows[0].duration_seconds) >= 0);
      assert.equal(rows[0].recorded_by, 'sip');
      const events = await g.gw.gate.db('audit_events').where({ type: 'call.outcome', subject_id: rows[0].decision_id });
      assert.equal(events.length, 1, 'the signalled outcome is on the audit trail');
    });

    it('a re-INVITE inside the call is routed through the Record-Route set, answered, and never decided again', async () => {
      await clearHistory(g);
      const decisions = await g.gw.count('decisions');
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-reinvite.xml', trunk: 'trunk-reinvite.xml' });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.equal(trunk?.code, 0, describeRun(trunk));
      assert.match(trunk!.logs, /trunk got re-INVITE CSeq: 2 INVITE/);
      assert.equal(await g.gw.count('decisions'), decisions + 1, 'one decision for the call, none for the re-INVITE');
    });

    it('a denied call is refused 403 with Reason and reason codes, and the trunk receives nothing', async () => {
      await clearHistory(g);
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', callees: [UNCONSENTED], fill: { expect: '403' }, trunkWaitMs: 300 });
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

    it('a silent trunk: the INVITE is retransmitted on Timer A over UDP and the dialer gets 408 after Timer B (T1 = 50 ms)', async () => {
      await clearHistory(g);
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-error.xml', trunk: 'trunk-silent.xml', fill: { expect: '408' } });
      assert.equal(dialer.code, 0, describeRun(dialer));
      const received = trunk!.messages.match(/^INVITE sip:/gm)?.length ?? 0;
      if (transport === 'u1') assert.ok(received >= 5, `the trunk saw ${received} INVITEs; Timer A retransmits 6 times in 64*T1`);
      else assert.equal(received, 1, 'no retransmission over TCP');
      assert.deepEqual((await outcomes(g)).map((r) => r.outcome), ['no_answer']);
    });

    it('Max-Forwards 0 is answered 483 Too Many Hops and never forwarded', async () => {
      const { dialer, trunk } = await placeCalls(g, { transport, dialer: 'dialer-error.xml', trunk: 'trunk-answer.xml', fill: { expect: '483', maxforwards: '0' }, trunkWaitMs: 300 });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.doesNotMatch(trunk!.messages, /INVITE/);
    });
  });
}

describe('SIP proxy between a TCP dialer and a UDP trunk', () => {
  let g: SipGateway;
  before(async () => {
    g = await startSipGateway('sqlite', { trunk: 'udp' });
  });
  after(async () => g?.close());

  it('record-routes twice (RFC 5658), so that each side reaches the proxy on its own transport for ACK and BYE', async () => {
    const { dialer, trunk } = await placeCalls(g, { transport: 't1', trunkTransport: 'u1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml' });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.equal(trunk?.code, 0, describeRun(trunk));
    // Both entries carry the same dialog token, whichever of them a side echoes back in its Route.
    assert.match(trunk!.messages, /Record-Route: <sip:127\.0\.0\.1:\d+;transport=udp;lr;cgd=([\w-]+\.[0-9a-f]{32})>\r?\nRecord-Route: <sip:127\.0\.0\.1:\d+;transport=tcp;lr;cgd=\1>/);
    assert.match(trunk!.messages, /^BYE sip:trunk@127\.0\.0\.1/m);
  });
});

describe('SIP proxy refusals with real sipp over UDP', () => {
  let g: SipGateway;
  before(async () => {
    g = await startSipGateway('sqlite');
  });
  after(async () => g?.close());

  it('a display number the tenant does not own is answered 608 Rejected (RFC 8688) with CALLER_ID_NOT_OWNED', async () => {
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', caller: '+862161234568', fill: { expect: '608' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: [A-Z_, ]*CALLER_ID_NOT_OWNED/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
  });

  it('an INVITE from an address on no tenant\'s allow-list, without credentials, is challenged 407 (digest) without a decision', async () => {
    const before = await g.gw.count('decisions');
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-error.xml', trunk: 'trunk-answer.xml', dialerAddress: '127.0.0.2', fill: { expect: '407' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.doesNotMatch(trunk!.messages, /INVITE/);
    assert.equal(await g.gw.count('decisions'), before);
  });

  it('an X-Dialing-Mode: prerecorded call on an agent campaign, with consent naming no mode, is refused 403 CONSENT_MODE_NOT_COVERED', async () => {
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '403', extra: 'X-Dialing-Mode: prerecorded' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: CONSENT_MODE_NOT_COVERED/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
    const decision = await g.gw.gate.db('decisions').where({ callee: CALLEE }).orderBy('decided_at', 'desc').first();
    assert.equal(JSON.parse(decision.input).call.mode, 'prerecorded', 'the record keeps the declared mode');
  });

  it('an unknown X-Dialing-Mode is refused 400 UNKNOWN_DIALING_MODE without a decision, not ignored', async () => {
    const before = await g.gw.count('decisions');
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '400', extra: 'X-Dialing-Mode: robocall' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: UNKNOWN_DIALING_MODE/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
    assert.equal(await g.gw.count('decisions'), before);
  });

  it('an X-Callgate-Callee-Location header reaches the decision: the record keeps the known location and the basis it was judged on', async () => {
    const { dialer } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', callees: [UNCONSENTED], fill: { expect: '403', extra: 'X-Callgate-Callee-Location: subdivision=CN-BJ; source=customer_record' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    const decision = await g.gw.gate.db('decisions').where({ callee: UNCONSENTED }).orderBy('decided_at', 'desc').first();
    const input = JSON.parse(decision.input);
    assert.deepEqual(input.call.calleeLocation, { subdivision: 'CN-BJ', source: 'customer_record' });
    assert.equal(input.location.basis, 'known_location_and_number', 'the CN pack names no setting, so every candidate binds');
    assert.deepEqual(input.location.known, { subdivision: 'CN-BJ', source: 'customer_record', origin: 'call' });
  });

  it('a malformed X-Callgate-Callee-Location is refused 400 INVALID_LOCATION without a decision, not ignored', async () => {
    const before = await g.gw.count('decisions');
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '400', extra: 'X-Callgate-Callee-Location: tz=Mars/Olympus_Mons' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: INVALID_LOCATION/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
    assert.equal(await g.gw.count('decisions'), before);
  });

  it('fails closed: with the database gone, the INVITE is refused GATEWAY_UNAVAILABLE with Retry-After and never forwarded', async () => {
    await g.gw.gate.db.destroy();
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '503' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: GATEWAY_UNAVAILABLE/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
  });
});

describe('SIP proxy under packet loss, with real sipp over UDP', () => {
  let g: SipGateway;
  before(async () => {
    g = await startSipGateway('sqlite', { env: { SIP_T1_MS: '500' } });
  });
  after(async () => g?.close());

  it('with 10 % packet loss on both sipp sides and the standard T1 of 500 ms, retransmissions still complete every call', async () => {
    await clearHistory(g);
    const callees = [1, 2, 3, 4, 5].map((i) => `+861380013800${i}`);
    for (const callee of callees) await g.gw.consent(g.world, callee);
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml', calls: 5, callees, dialerArgs: ['-lost', '10'], trunkArgs: ['-lost', '10'],
      // The trunk stays in each call for 8 s, answering the BYEs our retransmissions (Timer E) bring.
      trunkFill: { linger: '8000' },
      // Past the trunk's own -timeout (20 s), so that sipp reports how it ended instead of being killed
      // while a BYE retransmitted across lost datagrams is still on its way.
      trunkWaitMs: 25_000,
    });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.equal(trunk?.code, 0, describeRun(trunk));
    assert.equal((await outcomes(g)).filter((r) => r.outcome === 'answered').length, 5);
  });

});

for (const engine of ['mariadb'] as Engine[]) {
  describe(`SIP proxy on ${engine}`, () => {
    let g: SipGateway;
    before(async () => {
      g = await startSipGateway(engine);
    });
    after(async () => g?.close());

    it('an allowed call completes and a denied one is refused, decided against the shared database', async () => {
      const allowed = await placeCalls(g, { transport: 'u1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml' });
      assert.equal(allowed.dialer.code, 0, describeRun(allowed.dialer));
      assert.equal(allowed.trunk?.code, 0, describeRun(allowed.trunk));
      const denied = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', callees: [UNCONSENTED], fill: { expect: '403' }, trunkWaitMs: 300 });
      assert.equal(denied.dialer.code, 0, describeRun(denied.dialer));
      const rows = await outcomes(g);
      assert.deepEqual(rows.map((r) => [r.callee, r.outcome]), [[CALLEE, 'answered']]);
    });
  });
}
