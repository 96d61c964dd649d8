import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SipMessage } from '../../src/sip/message/message';
import { parseMessage } from '../../src/sip/message/parse';
import { CALLEE, sleep, startSipGateway, UNCONSENTED, type SipGateway } from './support';

/**
 * The gate's integrity against replayed tokens, relaying and reflection, with real UDP and TCP
 * sockets on loopback: the dialer and the trunk on 127.0.0.1 (the dialer registered), a stranger on
 * 127.0.0.3 (registered nowhere) and a "foreign host" on 127.0.0.5 that must never hear from callgate.
 */

const GRACE_MS = 64 * 50; // 64*T1 with the test's T1 of 50 ms

/** A request of ordinary size (an INVITE usually carries SDP): room for a refusal no larger than it. */
const BULK = `Subject: ${'x'.repeat(300)}`;

interface Received {
  msg: SipMessage;
  bytes: number;
}

class UdpPeer {
  readonly got: Received[] = [];
  private constructor(
    readonly socket: dgram.Socket,
    readonly host: string,
    readonly port: number,
  ) {}

  static async bind(host: string, port = 0, onMessage?: (peer: UdpPeer, msg: SipMessage, from: dgram.RemoteInfo) => void): Promise<UdpPeer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, host, () => resolve()));
    const peer = new UdpPeer(socket, host, socket.address().port);
    socket.on('message', (bytes, from) => {
      let msg: SipMessage;
      try {
        msg = parseMessage(bytes);
      } catch {
        return;
      }
      peer.got.push({ msg, bytes: bytes.length });
      onMessage?.(peer, msg, from);
    });
    return peer;
  }

  send(text: string, port: number, host = '127.0.0.1'): number {
    const bytes = Buffer.from(text);
    this.socket.send(bytes, port, host);
    return bytes.length;
  }

  requests(method: string): SipMessage[] {
    return this.got.filter((r) => r.msg.isRequest && r.msg.method === method).map((r) => r.msg);
  }

  responses(cseqMethod: string, status?: number): SipMessage[] {
    return this.got.filter((r) => !r.msg.isRequest && r.msg.get('cseq')!.endsWith(cseqMethod) && (status === undefined || r.msg.status === status)).map((r) => r.msg);
  }

  async waitFor<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
    for (let waited = 0; waited < ms; waited += 20) {
      const found = probe();
      if (found !== undefined) return found;
      await sleep(20);
    }
    throw new Error(`no ${what} within ${ms} ms; got: ${this.got.map((r) => r.msg.isRequest ? r.msg.method : `${r.msg.status} ${r.msg.get('cseq')}`).join(', ')}`);
  }

  close(): void {
    this.socket.close();
  }
}

/** A trunk that answers every INVITE 200 (with its tag and Contact) and every other request 200. */
function answerAll(trunk: UdpPeer, msg: SipMessage, from: dgram.RemoteInfo): void {
  if (!msg.isRequest || msg.method === 'ACK') return;
  const to = msg.get('to')!;
  const lines = [
    'SIP/2.0 200 OK',
    ...msg.getAll('via').map((v) => `Via: ${v}`),
    ...(msg.method === 'INVITE' ? msg.getAll('record-route').map((r) => `Record-Route: ${r}`) : []),
    `From: ${msg.get('from')}`,
    `To: ${/;tag=/.test(to) ? to : `${to};tag=trunk1`}`,
    `Call-ID: ${msg.get('call-id')}`,
    `CSeq: ${msg.get('cseq')}`,
    `Contact: <sip:trunk@127.0.0.1:${trunk.port}>`,
    'Content-Length: 0',
    '',
    '',
  ];
  trunk.socket.send(Buffer.from(lines.join('\r\n')), from.port, from.address);
}

let seq = 0;
const branch = () => `z9hG4bKgate${++seq}${Math.random().toString(36).slice(2, 8)}`;

interface Req {
  method: string;
  uri: string;
  from: UdpPeer;
  callId: string;
  fromTag: string;
  toTag?: string;
  cseq: number;
  routes?: string[];
  via?: string;
  contact?: string;
  extra?: string[];
  to?: string;
  fromUri?: string;
}

function request(r: Req): string {
  return [
    `${r.method} ${r.uri} SIP/2.0`,
    `Via: ${r.via ?? `SIP/2.0/UDP ${r.from.host}:${r.from.port};branch=${branch()};rport`}`,
    ...(r.routes ?? []).map((route) => `Route: ${route}`),
    'Max-Forwards: 70',
    `From: <${r.fromUri ?? 'sip:caller@127.0.0.1'}>;tag=${r.fromTag}`,
    `To: <${r.to ?? `sip:${CALLEE}@127.0.0.1`}>${r.toTag ? `;tag=${r.toTag}` : ''}`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${r.method}`,
    `Contact: ${r.contact ?? `<sip:dialer@${r.from.host}:${r.from.port}>`}`,
    ...(r.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('SIP gate integrity: dialogs callgate admitted, and only those; answers only where a packet came from', () => {
  let g: SipGateway;
  let trunk: UdpPeer;
  let dialer: UdpPeer;
  let stranger: UdpPeer;
  let foreign: UdpPeer;
  let foreignTcp: net.Server;
  let foreignTcpPort: number;
  let foreignConnections = 0;

  before(async () => {
    g = await startSipGateway('sqlite');
    trunk = await UdpPeer.bind('127.0.0.1', g.trunkPort, answerAll);
    foreignTcp = net.createServer((socket) => {
      foreignConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => foreignTcp.listen(0, '127.0.0.5', () => resolve()));
    foreignTcpPort = (foreignTcp.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const peer of [dialer, stranger, foreign, trunk]) peer?.close();
    foreignTcp?.close();
    await g?.close();
  });
  beforeEach(async () => {
    dialer?.close();
    stranger?.close();
    foreign?.close();
    dialer = await UdpPeer.bind('127.0.0.1');
    stranger = await UdpPeer.bind('127.0.0.3');
    foreign = await UdpPeer.bind('127.0.0.5');
    trunk.got.length = 0;
    foreignConnections = 0;
    // No earlier calls, so the frequency caps never decide here.
    await g.gw.gate.db('call_outcomes').delete();
    await g.gw.gate.db('call_attempts').delete();
  });

  /** An admitted, answered and acknowledged call: its Record-Route as the dialer's route set. */
  async function call(options: { contact?: string } = {}) {
    const callId = `gate-${++seq}@127.0.0.1`;
    const fromTag = `d${seq}`;
    dialer.send(request({ method: 'INVITE', uri: `sip:${CALLEE}@127.0.0.1:${g.port}`, from: dialer, callId, fromTag, cseq: 1, contact: options.contact, fromUri: `sip:${g.world.caller}@127.0.0.1`, extra: [`X-Campaign: ${g.world.campaignId}`] }), g.port);
    const ok = await dialer.waitFor(() => dialer.responses('INVITE', 200).find((r) => r.get('call-id') === callId), '200 to the INVITE');
    const routes = ok.getAll('record-route').reverse();
    const toTag = /;tag=([^;>\s]+)/.exec(ok.get('to')!)![1];
    const base = { from: dialer, callId, fromTag, toTag, routes, uri: `sip:trunk@127.0.0.1:${trunk.port}` };
    dialer.send(request({ ...base, method: 'ACK', cseq: 1 }), g.port);
    await trunk.waitFor(() => trunk.requests('ACK').find((r) => r.get('call-id') === callId), 'ACK at the trunk');
    const trunkInvite = trunk.requests('INVITE').find((r) => r.get('call-id') === callId)!;
    return { ...base, trunkInvite };
  }

  const countAt = (peer: UdpPeer, method: string, callId: string) => peer.requests(method).filter((r) => r.get('call-id') === callId).length;

  it('a dialog token is refused once its BYE was answered and the grace of 64*T1 is over: a replayed BYE never reaches the trunk', async () => {
    const c = await call();
    dialer.send(request({ ...c, method: 'BYE', cseq: 2 }), g.port);
    await dialer.waitFor(() => dialer.responses('BYE', 200)[0], '200 to the BYE');
    await sleep(GRACE_MS + 500);
    dialer.send(request({ ...c, method: 'BYE', cseq: 3 }), g.port);
    const refusal = await dialer.waitFor(() => dialer.responses('BYE').find((r) => r.get('cseq') === '3 BYE'), 'an answer to the replayed BYE');
    assert.equal(refusal.status, 403);
    assert.match(refusal.reason, /dialog ended/);
    await sleep(300);
    assert.equal(countAt(trunk, 'BYE', c.callId), 1, 'the trunk saw the first BYE only');
  });

  it("the dialer's BYE saying answer-machine detection fired and the message played is recorded on the call's outcome; the trunk does not get those headers", async () => {
    const c = await call();
    dialer.send(request({ ...c, method: 'BYE', cseq: 2, extra: ['X-Callgate-AMD: detected', 'X-Callgate-Info-Message: played'] }), g.port);
    await dialer.waitFor(() => dialer.responses('BYE', 200).find((r) => r.get('call-id') === c.callId), '200 to the BYE');
    await g.sip.outcomes.flush();
    const rows = await g.gw.gate.db('call_outcomes').select('outcome', 'answer_machine', 'info_message', 'recorded_by');
    assert.deepEqual(rows.map((r) => [r.outcome, Boolean(r.answer_machine), Boolean(r.info_message), r.recorded_by]), [['voicemail', true, true, 'sip']]);
    const atTrunk = trunk.requests('BYE').find((r) => r.get('call-id') === c.callId)!;
    assert.equal(atTrunk.get('x-callgate-amd'), undefined);
    assert.equal(atTrunk.get('x-callgate-info-message'), undefined);
  });

  it('a BYE without those headers records them as not reported', async () => {
    const c = await call();
    dialer.send(request({ ...c, method: 'BYE', cseq: 2, extra: ['X-Callgate-AMD: maybe'] }), g.port);
    await dialer.waitFor(() => dialer.responses('BYE', 200).find((r) => r.get('call-id') === c.callId), '200 to the BYE');
    await g.sip.outcomes.flush();
    const rows = await g.gw.gate.db('call_outcomes').select('outcome', 'answer_machine', 'info_message');
    assert.deepEqual(rows.map((r) => [r.outcome, r.answer_machine, r.info_message]), [['answered', null, null]]);
  });

  it('a re-INVITE naming a callee nobody decided is refused 403 and never reaches the trunk', async () => {
    const c = await call();
    dialer.send(request({ ...c, method: 'INVITE', cseq: 2, uri: `sip:${UNCONSENTED}@127.0.0.1:${trunk.port}` }), g.port);
    const refusal = await dialer.waitFor(() => dialer.responses('2 INVITE').find((r) => r.status >= 200), 'a final answer to the re-INVITE');
    assert.equal(refusal.status, 403);
    assert.match(refusal.reason, /never decided; a new callee is a new call/);
    // The To header naming a new callee is refused the same way.
    dialer.send(request({ ...c, method: 'INVITE', cseq: 3, to: `sip:${UNCONSENTED}@127.0.0.1` }), g.port);
    assert.equal((await dialer.waitFor(() => dialer.responses('3 INVITE').find((r) => r.status >= 200), 'a final answer')).status, 403);
    await sleep(300);
    assert.equal(countAt(trunk, 'INVITE', c.callId), 1, 'the trunk saw the initial INVITE only');
  });

  it('in-dialog MESSAGE and INVITE toward a foreign host are refused (405, 403); the foreign host receives nothing', async () => {
    const c = await call();
    const elsewhere = `sip:${CALLEE}@127.0.0.5:${foreign.port}`;
    dialer.send(request({ ...c, method: 'MESSAGE', cseq: 2, uri: elsewhere }), g.port);
    dialer.send(request({ ...c, method: 'INVITE', cseq: 3, uri: elsewhere }), g.port);
    assert.equal((await dialer.waitFor(() => dialer.responses('2 MESSAGE')[0], 'an answer to the MESSAGE')).status, 405);
    const invite = await dialer.waitFor(() => dialer.responses('3 INVITE').find((r) => r.status >= 200), 'an answer to the INVITE');
    assert.equal(invite.status, 403);
    assert.match(invite.reason, /Request-URI outside the dialog/);
    await sleep(500);
    assert.deepEqual(foreign.got, []);
  });

  it('a Route after callgate\'s naming a foreign host is never followed, in a dialog or on an initial INVITE', async () => {
    const c = await call();
    const beyond = `<sip:127.0.0.5:${foreign.port};lr>`;
    dialer.send(request({ ...c, method: 'BYE', cseq: 2, routes: [...c.routes, beyond] }), g.port);
    const bye = await dialer.waitFor(() => dialer.responses('2 BYE')[0], 'an answer to the BYE');
    assert.equal(bye.status, 403);
    assert.match(bye.reason, /Route beyond callgate/);
    const callId = `gate-route-${seq}@127.0.0.1`;
    dialer.send(request({ method: 'INVITE', uri: `sip:${CALLEE}@127.0.0.1:${g.port}`, from: dialer, callId, fromTag: 'r1', cseq: 1, routes: [`<sip:127.0.0.1:${g.port};lr>`, beyond], fromUri: `sip:${g.world.caller}@127.0.0.1`, extra: [`X-Campaign: ${g.world.campaignId}`] }), g.port);
    const initial = await dialer.waitFor(() => dialer.responses('INVITE').find((r) => r.get('call-id') === callId && r.status >= 200), 'an answer to the INVITE');
    assert.equal(initial.status, 403);
    await sleep(500);
    assert.deepEqual(foreign.got, []);
    assert.equal(countAt(trunk, 'INVITE', callId), 0);
    assert.equal(countAt(trunk, 'BYE', c.callId), 0);
  });

  it('a client-written received/rport aims no response at that address, from a dialer or a stranger: every answer goes to the packet\'s source', async () => {
    for (const from of [dialer, stranger]) {
      const callId = `gate-spoof-${++seq}@${from.host}`;
      const via = `SIP/2.0/UDP 127.0.0.5:${foreign.port};branch=${branch()};received=127.0.0.5;rport=${foreign.port}`;
      // An unconsented callee: a refusal, retransmitted on Timer G until an ACK that never comes.
      from.send(request({ method: 'INVITE', uri: `sip:${UNCONSENTED}@127.0.0.1:${g.port}`, from, callId, fromTag: 's1', cseq: 1, via, fromUri: `sip:${g.world.caller}@127.0.0.1`, extra: [`X-Campaign: ${g.world.campaignId}`, BULK] }), g.port);
      await from.waitFor(() => from.responses('INVITE').find((r) => r.get('call-id') === callId && r.status >= 200), `the refusal at ${from.host}`);
    }
    await sleep(1000);
    assert.deepEqual(foreign.got, []);
  });

  it('a UDP request whose Via says TCP with received= a foreign host makes callgate open no connection there', async () => {
    for (const from of [dialer, stranger]) {
      const callId = `gate-tcp-${++seq}@${from.host}`;
      const via = `SIP/2.0/TCP 127.0.0.5:${foreignTcpPort};branch=${branch()};received=127.0.0.5`;
      from.send(request({ method: 'INVITE', uri: `sip:${UNCONSENTED}@127.0.0.1:${g.port}`, from, callId, fromTag: 't1', cseq: 1, via, fromUri: `sip:${g.world.caller}@127.0.0.1`, extra: [`X-Campaign: ${g.world.campaignId}`, BULK] }), g.port);
      const answer = await from.waitFor(() => from.responses('INVITE').find((r) => r.get('call-id') === callId && r.status >= 200), `the refusal over UDP at ${from.host}`);
      assert.ok([403, 407].includes(answer.status), String(answer.status));
    }
    await sleep(1000);
    assert.equal(foreignConnections, 0);
  });

  it('an unknown source gets at most one answer per request and no 100 Trying; a refusal is never larger than what it sent (bytes out <= bytes in)', async (t) => {
    const callIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const callId = `gate-amp-${++seq}@127.0.0.3`;
      callIds.push(callId);
      stranger.send(request({ method: 'INVITE', uri: `sip:${CALLEE}@127.0.0.1:${g.port}`, from: stranger, callId, fromTag: `a${i}`, cseq: 1, extra: [`X-Campaign: ${g.world.campaignId}`, BULK] }), g.port);
    }
    // Requests a stranger can only be refused: a forged in-dialog BYE, an OPTIONS, a REGISTER.
    let refusable = 0;
    for (const method of ['BYE', 'OPTIONS', 'REGISTER']) {
      refusable += stranger.send(request({ method, uri: `sip:${CALLEE}@127.0.0.1:${g.port}`, from: stranger, callId: `gate-ref-${method}-${seq}`, fromTag: 'r', toTag: method === 'BYE' ? 'x' : undefined, cseq: 1, routes: [`<sip:127.0.0.1:${g.port};lr>`], extra: [BULK] }), g.port);
    }
    // A minimal request, smaller than any refusal could be: it gets no answer at all.
    refusable += stranger.send(['OPTIONS sip:x SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.3:${stranger.port};branch=${branch()}`, 'From: <sip:a@b>;tag=1', 'To: <sip:x@y>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', ''].join('\r\n'), g.port);
    // Long enough for Timer G's retransmissions (T1 = 50 ms) to have come, had there been a transaction.
    await sleep(1500);
    for (const callId of callIds) {
      const answers = stranger.got.filter((r) => r.msg.get('call-id') === callId);
      // Once: the digest challenge, never a 100 Trying or a retransmission.
      assert.deepEqual(answers.map((a) => a.msg.status), [407]);
    }
    const refusals = stranger.got.filter((r) => !callIds.includes(r.msg.get('call-id')!));
    const out = refusals.reduce((n, r) => n + r.bytes, 0);
    t.diagnostic(`unknown source refusals: ${out} bytes out for ${refusable} bytes in`);
    assert.ok(out <= refusable, `${out} bytes out for ${refusable} bytes in`);
    assert.deepEqual(refusals.map((r) => r.msg.status).sort(), [403, 403, 403]);
    assert.equal(trunk.requests('INVITE').length, 0);
  });

  it('with SIP_UNKNOWN_SOURCE=drop, an unknown source gets nothing at all', async () => {
    const quiet = await startSipGateway('sqlite', { env: { SIP_UNKNOWN_SOURCE: 'drop' } });
    try {
      stranger.send(request({ method: 'INVITE', uri: `sip:${CALLEE}@127.0.0.1:${quiet.port}`, from: stranger, callId: 'drop-1', fromTag: 'x', cseq: 1 }), quiet.port);
      await sleep(1000);
      assert.deepEqual(stranger.got, []);
    } finally {
      await quiet.close();
    }
  });

  it('the token of one dialog is refused for another Call-ID', async () => {
    const c = await call();
    const other = `gate-other-${seq}@127.0.0.1`;
    dialer.send(request({ ...c, callId: other, method: 'INVITE', cseq: 2 }), g.port);
    const refusal = await dialer.waitFor(() => dialer.responses('INVITE').find((r) => r.get('call-id') === other && r.status >= 200), 'an answer');
    assert.equal(refusal.status, 403);
    await sleep(300);
    assert.equal(countAt(trunk, 'INVITE', other), 0);
  });

  it('the trunk\'s in-dialog request reaches the dialer on the leg it called from, not a host its Contact names', async () => {
    const c = await call({ contact: `<sip:dialer@127.0.0.5:${foreign.port}>` });
    // The trunk's route set is the Record-Route of the INVITE it got; its BYE goes to the dialer's Contact.
    const routes = c.trunkInvite.getAll('record-route');
    trunk.send(request({ method: 'BYE', uri: `sip:dialer@127.0.0.5:${foreign.port}`, from: trunk, callId: c.callId, fromTag: c.toTag, toTag: c.fromTag, cseq: 1, routes, to: 'sip:caller@127.0.0.1', fromUri: `sip:${CALLEE}@127.0.0.1` }), g.port);
    const bye = await dialer.waitFor(() => dialer.requests('BYE').find((r) => r.get('call-id') === c.callId), 'the trunk\'s BYE at the dialer');
    assert.equal(bye.get('from')!.includes(`tag=${c.toTag}`), true);
    await sleep(300);
    assert.deepEqual(foreign.got, []);
  });

  it('a method callgate does not serve (MESSAGE, REFER), in a dialog or not, is answered 405 with Allow and forwarded nowhere', async () => {
    const c = await call();
    dialer.send(request({ ...c, method: 'REFER', cseq: 2, extra: [`Refer-To: <sip:${UNCONSENTED}@127.0.0.1>`] }), g.port);
    dialer.send(request({ ...c, method: 'MESSAGE', cseq: 3 }), g.port);
    dialer.send(request({ method: 'MESSAGE', uri: `sip:${CALLEE}@127.0.0.1:${g.port}`, from: dialer, callId: `gate-msg-${seq}`, fromTag: 'm', cseq: 1 }), g.port);
    for (const method of ['2 REFER', '3 MESSAGE', '1 MESSAGE']) {
      const answer = await dialer.waitFor(() => dialer.responses(method)[0], `an answer to ${method}`);
      assert.equal(answer.status, 405);
      assert.equal(answer.getAll('allow').join(', '), 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK');
    }
    await sleep(300);
    assert.equal(trunk.requests('REFER').length + trunk.requests('MESSAGE').length, 0);
  });
});
