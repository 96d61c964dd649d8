import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSipConfig } from '../../src/sip/config';
import type { SipMessage } from '../../src/sip/message/message';
import { parseMessage } from '../../src/sip/message/parse';
import { newBranch } from '../../src/sip/proxy/branch';
import { ProxyCore } from '../../src/sip/proxy/proxy-core';
import type { Admission, Verdict } from '../../src/sip/proxy/types';
import { FakeClock } from '../../src/sip/transaction/clock';
import type { Peer, Transport } from '../../src/sip/transport/types';

const DIALER: Peer = { proto: 'udp', host: '10.0.0.7', port: 40_000 };
const TRUNK = { host: '192.0.2.50', port: 5070 };

class FakeTransport implements Transport {
  readonly proto = 'udp' as const;
  readonly host = '127.0.0.1';
  readonly port = 5060;
  sent: { peer: Peer; msg: SipMessage; bytes: Buffer }[] = [];
  send(peer: Peer, bytes: Buffer): void {
    // A 400 copies the malformed header it complains about, so it is read leniently here.
    const text = bytes.toString('latin1');
    const lenient = text.replace(/^CSeq: x /m, 'CSeq: 1 ');
    this.sent.push({ peer, msg: parseMessage(Buffer.from(lenient, 'latin1')), bytes });
  }
  async close(): Promise<void> {}
  take() {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

class ControlledAdmission implements Admission {
  calls = 0;
  private resolvers: ((v: Verdict) => void)[] = [];
  admit(): Promise<Verdict> {
    this.calls++;
    return new Promise((resolve) => this.resolvers.push(resolve));
  }
  answer(verdict: Verdict = { allow: true, decisionId: 'dec_1', tenantId: 't1', headers: [] }) {
    for (const r of this.resolvers.splice(0)) r(verdict);
  }
}

function setup(env: Record<string, string> = {}) {
  const config = loadSipConfig({ SIP_LISTEN: 'udp:127.0.0.1:5060', SIP_TRUNK: `sip:${TRUNK.host}:${TRUNK.port}`, SIP_T1_MS: '50', ...env }, (m) => {
    throw new Error(m);
  })!;
  const admission = new ControlledAdmission();
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const proxy = new ProxyCore(config, admission, null, clock, { warn: () => undefined, error: (o) => assert.fail(String((o as { err: Error }).err?.stack)), debug: () => undefined });
  proxy.attach(transport);
  proxy.setDialerSources([DIALER.host]);
  return { proxy, admission, clock, transport };
}

const settle = () => new Promise((r) => setImmediate(r));

function invite(extra: string[] = [], options: { maxForwards?: string; branch?: string } = {}): Buffer {
  return Buffer.from(
    [
      'INVITE sip:+8613800138000@127.0.0.1:5060 SIP/2.0',
      `Via: SIP/2.0/UDP 10.0.0.7:5080;branch=${options.branch ?? 'z9hG4bKdialer1'};rport`,
      ...extra,
      `Max-Forwards: ${options.maxForwards ?? '70'}`,
      'From: "Agent" <sip:+862161234567@10.0.0.7>;tag=d1',
      'To: <sip:+8613800138000@127.0.0.1>',
      'Call-ID: proxy-test-1@10.0.0.7',
      'CSeq: 1 INVITE',
      'X-Campaign: cmp_1',
      'X-Custom:    keeps   its   spacing',
      'Contact: <sip:agent@10.0.0.7:5080>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

const statuses = (sent: { msg: SipMessage }[]) => sent.map((s) => (s.msg.isRequest ? s.msg.method : s.msg.status));

describe('proxy core (RFC 3261 §16) on a fake transport and clock', () => {
  it('answers 100 Trying at once, before the decision is made (§16.2)', () => {
    const { proxy, transport, admission } = setup();
    proxy.receive(invite(), DIALER);
    assert.deepEqual(statuses(transport.take()), [100]);
    assert.equal(admission.calls, 1);
  });

  it('sends responses to the source port and records it in rport and received (RFC 3581)', () => {
    const { proxy, transport } = setup();
    proxy.receive(invite(), DIALER);
    const [trying] = transport.take();
    assert.deepEqual(trying.peer, { proto: 'udp', host: '10.0.0.7', port: 40_000 });
    assert.equal(trying.msg.get('via'), 'SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bKdialer1;rport=40000;received=10.0.0.7');
  });

  it('forwards an allowed INVITE to the trunk with our Via, Record-Route and Max-Forwards 69, without the campaign, dialing-mode and callee-location headers, other bytes unchanged (§16.6)', async () => {
    const { proxy, transport, admission } = setup();
    proxy.receive(invite(['X-Dialing-Mode: agent', 'X-Callgate-Callee-Location: subdivision=CN-BJ;source=customer_record']), DIALER);
    transport.take();
    admission.answer();
    await settle();
    const [out] = transport.take();
    assert.deepEqual([out.peer.proto, out.peer.host, out.peer.port], ['udp', TRUNK.host, TRUNK.port]);
    assert.equal(out.msg.uri, `sip:+8613800138000@${TRUNK.host}:${TRUNK.port}`);
    assert.match(out.msg.get('via')!, /^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bK[\w-]{10}\.[0-9a-f]{12}[0-9a-z]+$/);
    assert.equal(out.msg.getAll('via')[1], 'SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bKdialer1;rport=40000;received=10.0.0.7');
    assert.equal(out.msg.get('max-forwards'), '69');
    assert.match(out.msg.get('record-route')!, /^<sip:127\.0\.0\.1:5060;transport=udp;lr;cgd=[\w-]+\.[0-9a-f]{32}>$/);
    assert.equal(out.msg.has('x-campaign'), false);
    assert.equal(out.msg.has('x-dialing-mode'), false);
    assert.equal(out.msg.has('x-callgate-callee-location'), false, "the callee's address is not the carrier's to read");
    assert.match(out.bytes.toString('latin1'), /\r\nX-Custom:    keeps   its   spacing\r\n/);
  });

  it('refuses Max-Forwards 0 with 483 and never asks for a decision (§16.3 step 3)', () => {
    const { proxy, transport, admission } = setup();
    proxy.receive(invite([], { maxForwards: '0' }), DIALER);
    assert.deepEqual(statuses(transport.take()), [100, 483]);
    assert.equal(admission.calls, 0);
  });

  it('detects a loop: our own Via with the branch hash of this very request is answered 482 (§16.3 step 4)', () => {
    const { proxy, transport } = setup();
    const first = parseMessage(invite());
    const looped = invite([`Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${newBranch(first)}`], { branch: 'z9hG4bKdialer2' });
    proxy.receive(looped, DIALER);
    assert.deepEqual(statuses(transport.take()), [100, 482]);
  });

  it('a spiral (our Via with another request\'s hash) is not a loop', () => {
    const { proxy, transport, admission } = setup();
    proxy.receive(invite(['Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKotherhash0.0011223344556677']), DIALER);
    assert.deepEqual(statuses(transport.take()), [100]);
    assert.equal(admission.calls, 1);
  });

  it('answers an unknown URI scheme 416 and an unsupported Proxy-Require 420 with Unsupported', () => {
    const { proxy, transport } = setup();
    proxy.receive(Buffer.from(invite().toString('latin1').replace('INVITE sip:+86', 'INVITE xmpp:+86')), DIALER);
    assert.deepEqual(statuses(transport.take()), [100, 416]);
    proxy.receive(invite(['Proxy-Require: foo'], { branch: 'z9hG4bKpr' }), DIALER);
    const sent = transport.take();
    assert.deepEqual(statuses(sent), [100, 420]);
    assert.equal(sent[1].msg.get('unsupported'), 'foo');
  });

  it('answers 503 with Retry-After, keeping no state, when too many calls are pending, and takes calls again once they are answered', async () => {
    const { proxy, transport, admission } = setup({ SIP_MAX_PENDING_CALLS: '10', SIP_RETRY_AFTER: '7' });
    for (let i = 0; i < 10; i++) proxy.receive(invite([], { branch: `z9hG4bKload${i}` }), DIALER);
    transport.take();
    proxy.receive(invite([], { branch: 'z9hG4bKload10' }), DIALER);
    const [busy] = transport.take();
    assert.equal(busy.msg.status, 503);
    assert.equal(busy.msg.get('retry-after'), '7');
    assert.equal(proxy.transactionCount, 10);
    admission.answer({ allow: false, status: 403, decisionId: null, headers: [] });
    await settle();
    transport.take();
    proxy.receive(invite([], { branch: 'z9hG4bKload11' }), DIALER);
    assert.deepEqual(statuses(transport.take()), [100]);
  });

  it('answers 400 to a malformed but answerable request, drops unanswerable bytes, and never throws', () => {
    const { proxy, transport } = setup();
    proxy.receive(Buffer.from(invite().toString('latin1').replace('CSeq: 1 INVITE', 'CSeq: x INVITE')), DIALER);
    const sent = transport.take();
    assert.deepEqual(statuses(sent), [400]);
    assert.match(sent[0].msg.reason, /^Bad Request \(malformed CSeq/);
    for (const junk of ['', 'hello', '\r\n\r\n', 'SIP/2.0 200 OK\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n']) proxy.receive(Buffer.from(junk), DIALER);
    assert.deepEqual(transport.take(), []);
  });

  it('a CANCEL during the decision is answered 200, the INVITE 487, and the call is never forwarded (§16.10)', async () => {
    const { proxy, transport, admission } = setup();
    proxy.receive(invite(), DIALER);
    const cancel = invite().toString('latin1').replace('INVITE sip:', 'CANCEL sip:').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL');
    proxy.receive(Buffer.from(cancel), DIALER);
    admission.answer();
    await settle();
    const sent = transport.take();
    assert.deepEqual(statuses(sent), [100, 200, 487]);
    assert.equal(sent[1].msg.get('cseq'), '1 CANCEL');
    assert.ok(sent.every((s) => s.peer.host !== TRUNK.host), 'nothing went to the trunk');
  });

  it('retransmits a refusal on Timer G until the ACK, which is absorbed and never forwarded (§17.2.1)', async () => {
    const { proxy, transport, admission, clock } = setup();
    proxy.receive(invite(), DIALER);
    admission.answer({ allow: false, status: 403, decisionId: 'dec_2', headers: [['Reason', 'Q.850;cause=21']] });
    await settle();
    clock.advance(50 + 100 + 10);
    assert.deepEqual(statuses(transport.take()), [100, 403, 403, 403]);
    const ack = invite().toString('latin1').replace('INVITE sip:', 'ACK sip:').replace('CSeq: 1 INVITE', 'CSeq: 1 ACK');
    proxy.receive(Buffer.from(ack), DIALER);
    clock.advance(10_000);
    assert.deepEqual(transport.take(), []);
  });

  it('refuses an in-dialog request that does not carry our Route: no open relay', () => {
    const { proxy, transport } = setup();
    const bye = invite().toString('latin1').replace('INVITE sip:', 'BYE sip:').replace('CSeq: 1 INVITE', 'CSeq: 2 BYE').replace('To: <sip:+8613800138000@127.0.0.1>', 'To: <sip:+8613800138000@127.0.0.1>;tag=t1');
    proxy.receive(Buffer.from(bye), DIALER);
    assert.deepEqual(statuses(transport.take()), [403]);
  });

  it('in redirect mode, answers an allowed call 302 with the trunk as Contact, and forwards nothing', async () => {
    const { proxy, transport, admission } = setup({ SIP_MODE: 'redirect' });
    proxy.receive(invite(), DIALER);
    admission.answer();
    await settle();
    const sent = transport.take();
    assert.deepEqual(statuses(sent), [100, 302]);
    assert.equal(sent[1].msg.get('contact'), `<sip:+8613800138000@${TRUNK.host}:${TRUNK.port}>`);
    assert.equal(sent[1].msg.get('x-callgate-decision'), 'dec_1');
  });

  it('an admission that throws refuses the call (fail closed), never forwards it', async () => {
    const { proxy, transport } = setup();
    (proxy as unknown as { admission: Admission }).admission = { admit: async () => Promise.reject(new Error('database gone')) };
    (proxy as unknown as { log: unknown }).log = { warn: () => undefined, error: () => undefined, debug: () => undefined };
    proxy.receive(invite(), DIALER);
    await settle();
    const sent = transport.take();
    assert.deepEqual(statuses(sent), [100, 503]);
    assert.equal(sent[1].msg.get('x-callgate-reasons'), 'GATEWAY_UNAVAILABLE');
  });

  describe('in-dialog requests are routed only with our Record-Route dialog token (§16.4, §16.12; no open relay)', () => {
    const STRANGER: Peer = { proto: 'udp', host: '198.51.100.66', port: 5060 };

    function inDialog(method: string, route: string | null, options: { callId?: string; from?: string; to?: string; uri?: string } = {}): Buffer {
      return Buffer.from(
        [
          `${method} ${options.uri ?? `sip:+8613800138000@${TRUNK.host}:${TRUNK.port}`} SIP/2.0`,
          `Via: SIP/2.0/UDP ${STRANGER.host}:5060;branch=z9hG4bKforged${method}${Math.random().toString(36).slice(2)}`,
          ...(route === null ? [] : [`Route: ${route}`]),
          'Max-Forwards: 70',
          `From: ${options.from ?? '<sip:+862161234567@10.0.0.7>;tag=d1'}`,
          `To: ${options.to ?? '<sip:+8613800138000@127.0.0.1>;tag=x'}`,
          `Call-ID: ${options.callId ?? 'proxy-test-1@10.0.0.7'}`,
          `CSeq: 2 ${method}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    }

    const toTrunk = (sent: { peer: Peer }[]) => sent.filter((s) => s.peer.host === TRUNK.host);
    const TRUNK_PEER: Peer = { proto: 'udp', host: TRUNK.host, port: TRUNK.port };

    /** The trunk's response to a request callgate forwarded to it, with its To tag x. */
    function answer(request: SipMessage, status: number): Buffer {
      const lines = [`SIP/2.0 ${status} Whatever`, ...request.getAll('via').map((v) => `Via: ${v}`), ...request.getAll('record-route').map((r) => `Record-Route: ${r}`)];
      const to = request.get('to')!;
      lines.push(`From: ${request.get('from')}`, `To: ${/;tag=/.test(to) ? to : `${to};tag=x`}`, `Call-ID: ${request.get('call-id')}`, `CSeq: ${request.get('cseq')}`, `Contact: <sip:+8613800138000@${TRUNK.host}:${TRUNK.port}>`, 'Content-Length: 0', '', '');
      return Buffer.from(lines.join('\r\n'));
    }

    /** An admitted call, forwarded to the trunk: returns the Record-Route its dialog got. */
    async function admittedDialog() {
      const env = setup();
      env.proxy.receive(invite(), DIALER);
      env.admission.answer();
      await settle();
      const forwarded = env.transport.take().find((s) => s.msg.method === 'INVITE')!;
      // The trunk answers with its tag x: the dialog is confirmed.
      env.proxy.receive(answer(forwarded.msg, 200), TRUNK_PEER);
      env.transport.take();
      return { ...env, recordRoute: forwarded.msg.get('record-route')!, forwarded: forwarded.msg };
    }

    for (const method of ['INVITE', 'BYE', 'OPTIONS']) {
      it(`a forged in-dialog ${method} with a To tag and a bare Route naming us is refused 403, from a registered dialer or not, and the trunk sees nothing`, async () => {
        const { proxy, transport, admission } = setup();
        proxy.receive(inDialog(method, '<sip:127.0.0.1:5060;lr>'), DIALER);
        await settle();
        let sent = transport.take();
        assert.deepEqual(toTrunk(sent), []);
        assert.deepEqual(statuses(sent), method === 'INVITE' ? [100, 403] : [403]);
        proxy.receive(inDialog(method, '<sip:127.0.0.1:5060;lr>'), STRANGER);
        await settle();
        sent = transport.take();
        assert.deepEqual(toTrunk(sent), []);
        // A stranger gets one answer at most (none when it would be larger than the request): no 100 Trying, no retransmission.
        assert.ok(statuses(sent).length <= 1 && statuses(sent).every((s) => s === 403), String(statuses(sent)));
        assert.equal(admission.calls, 0, 'never decided as a new call either');
      });
    }

    it('a forged ACK with a bare Route naming us is dropped, not forwarded', () => {
      const { proxy, transport } = setup();
      proxy.receive(inDialog('ACK', '<sip:127.0.0.1:5060;lr>'), DIALER);
      proxy.receive(inDialog('ACK', '<sip:127.0.0.1:5060;lr>'), STRANGER);
      assert.deepEqual(transport.take(), []);
    });

    it('a Route with a made-up token is refused like a bare one', () => {
      const { proxy, transport } = setup();
      proxy.receive(inDialog('BYE', `<sip:127.0.0.1:5060;lr;cgd=${'0'.repeat(32)}>`), DIALER);
      proxy.receive(inDialog('BYE', `<sip:127.0.0.1:5060;lr;cgd=eA.${'0'.repeat(32)}>`), DIALER);
      const sent = transport.take();
      assert.deepEqual(statuses(sent), [403, 403]);
      assert.deepEqual(toTrunk(sent), []);
    });

    it('the dialog token of an admitted call is forwarded in that dialog, both ways, and is worth nothing for another Call-ID', async () => {
      const { proxy, transport, recordRoute } = await admittedDialog();
      // The dialer's BYE toward the trunk.
      proxy.receive(inDialog('BYE', recordRoute), DIALER);
      assert.deepEqual(statuses(toTrunk(transport.take())), ['BYE']);
      // The trunk's BYE toward the dialer: tags swapped, Request-URI the dialer's Contact.
      proxy.receive(inDialog('BYE', recordRoute, { from: '<sip:+8613800138000@127.0.0.1>;tag=x', to: '<sip:+862161234567@10.0.0.7>;tag=d1', uri: 'sip:agent@10.0.0.7:5080' }), TRUNK_PEER);
      const back = transport.take();
      assert.deepEqual(back.map((s) => [s.msg.method, s.peer.host]), [['BYE', '10.0.0.7']]);
      // The same token on another call is refused.
      proxy.receive(inDialog('INVITE', recordRoute, { callId: 'another-call@10.0.0.7' }), DIALER);
      await settle();
      const sent = transport.take();
      assert.deepEqual(toTrunk(sent), []);
      assert.deepEqual(statuses(sent), [100, 403]);
    });

    it('a dialog ends with its answered BYE: during the grace of 64*T1 it is still routed, after it the token is refused', async () => {
      const { proxy, transport, clock, recordRoute } = await admittedDialog();
      proxy.receive(inDialog('BYE', recordRoute), DIALER);
      const [bye] = toTrunk(transport.take());
      proxy.receive(answer(bye.msg, 200), TRUNK_PEER);
      transport.take();
      clock.advance(64 * 50 - 10);
      proxy.receive(inDialog('INFO', recordRoute), DIALER);
      assert.deepEqual(statuses(toTrunk(transport.take())), ['INFO'], 'still routed within the grace');
      clock.advance(20);
      proxy.receive(inDialog('BYE', recordRoute), DIALER);
      const sent = transport.take();
      assert.deepEqual(toTrunk(sent), []);
      assert.deepEqual(statuses(sent), [403]);
      assert.match(sent[0].msg.reason, /dialog ended/);
    });

    it('a failed initial INVITE ends its dialog: the token its Record-Route carried is refused after the grace', async () => {
      const { proxy, transport, admission, clock } = setup();
      proxy.receive(invite(), DIALER);
      admission.answer();
      await settle();
      const forwarded = transport.take().find((s) => s.msg.method === 'INVITE')!.msg;
      proxy.receive(answer(forwarded, 486), TRUNK_PEER);
      transport.take();
      clock.advance(64 * 50 + 10);
      proxy.receive(inDialog('INVITE', forwarded.get('record-route')!), DIALER);
      await settle();
      const sent = transport.take();
      assert.deepEqual(toTrunk(sent), []);
      assert.equal(sent.at(-1)!.msg.status, 403);
    });

    it('a dialog token expires with the configured maximum dialog lifetime (SIP_MAX_DIALOG_SECONDS)', async () => {
      const env = setup({ SIP_MAX_DIALOG_SECONDS: '60' });
      env.proxy.receive(invite(), DIALER);
      env.admission.answer();
      await settle();
      const forwarded = env.transport.take().find((s) => s.msg.method === 'INVITE')!.msg;
      env.proxy.receive(answer(forwarded, 200), TRUNK_PEER);
      env.transport.take();
      env.clock.advance(60_001);
      env.proxy.receive(inDialog('BYE', forwarded.get('record-route')!), DIALER);
      const sent = env.transport.take();
      assert.deepEqual(toTrunk(sent), []);
      assert.deepEqual(statuses(sent), [403]);
    });

    it('an in-dialog request from a registered dialer that is not the dialog\'s own dialer leg is refused', async () => {
      const { proxy, transport, recordRoute } = await admittedDialog();
      proxy.setDialerSources([DIALER.host, '10.0.0.8']);
      proxy.receive(inDialog('BYE', recordRoute), { proto: 'udp', host: '10.0.0.8', port: 5060 });
      const sent = transport.take();
      assert.deepEqual(toTrunk(sent), []);
      assert.match(sent[0].msg.reason, /not from the dialog's dialer/);
    });

    it('an initial INVITE with a Route beyond callgate\'s own is refused 403 before any decision', () => {
      const { proxy, transport, admission } = setup();
      proxy.receive(invite(['Route: <sip:127.0.0.1:5060;lr>', 'Route: <sip:198.51.100.9;lr>']), DIALER);
      assert.deepEqual(statuses(transport.take()), [100, 403]);
      assert.equal(admission.calls, 0);
    });

    it('with SIP_ROUTE_SECRET (or JWT_SECRET) configured, a dialog token survives a restart; another key does not accept it, and a short secret is refused', async () => {
      const secret = 'route-secret-of-at-least-32-characters';
      const first = setup({ SIP_ROUTE_SECRET: secret });
      first.proxy.receive(invite(), DIALER);
      first.admission.answer();
      await settle();
      const recordRoute = first.transport.take().find((s) => s.msg.method === 'INVITE')!.msg.get('record-route')!;
      const restarted = setup({ SIP_ROUTE_SECRET: secret });
      restarted.proxy.receive(inDialog('BYE', recordRoute), DIALER);
      const [bye] = toTrunk(restarted.transport.take());
      assert.equal(bye?.msg.method, 'BYE');
      // The adopted dialog ends with its BYE like any other, and is not adopted again.
      restarted.proxy.receive(answer(bye.msg, 200), TRUNK_PEER);
      restarted.clock.advance(64 * 50 + 10);
      restarted.transport.take();
      restarted.proxy.receive(inDialog('BYE', recordRoute), DIALER);
      assert.deepEqual(statuses(restarted.transport.take()), [403]);
      const other = setup({ SIP_ROUTE_SECRET: `${secret}-other` });
      other.proxy.receive(inDialog('BYE', recordRoute), DIALER);
      assert.deepEqual(statuses(other.transport.take()), [403]);
      assert.throws(() => setup({ SIP_ROUTE_SECRET: 'short' }), /SIP_ROUTE_SECRET must be at least 32 characters/);
    });
  });
});
