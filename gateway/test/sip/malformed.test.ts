import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TcpPeer, TrunkListener, UdpPeer } from '../support/sip-peer';
import { CALLEE, startSipGateway, type SipGateway } from './support';

let seq = 0;

/** An OPTIONS or INVITE from `peer`, its lines edited by `edit` (the array of header lines). */
function request(peer: { host: string; port: number }, proto: 'UDP' | 'TCP', edit: (lines: string[]) => void = () => undefined, method = 'OPTIONS'): string {
  const n = ++seq;
  const lines = [
    `${method} sip:${CALLEE}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/${proto} ${peer.host}:${peer.port};branch=z9hG4bKmal${n};rport`,
    'Max-Forwards: 70',
    `From: <sip:+862161234567@${peer.host}>;tag=m${n}`,
    `To: <sip:${CALLEE}@127.0.0.1>`,
    `Call-ID: malformed-${n}@test`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
  ];
  edit(lines);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const replace = (name: string, value: string) => (lines: string[]) => {
  const i = lines.findIndex((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  lines[i] = `${name}: ${value}`;
};
const add = (line: string) => (lines: string[]) => lines.splice(2, 0, line);

const callIdOf = (text: string) => /^Call-ID: (.*)$/m.exec(text)?.[1];

describe('malformed requests to the running SIP proxy: answered 400 with a Warning when answerable, dropped otherwise, never a crash', () => {
  let g: SipGateway;
  let trunk: TrunkListener;
  let dialer: UdpPeer;
  before(async () => {
    g = await startSipGateway('sqlite');
    trunk = await TrunkListener.listen(g.trunkPort);
    dialer = await UdpPeer.bind('127.0.0.1');
  });
  after(async () => {
    await dialer?.close();
    await trunk?.close();
    await g?.close();
  });

  /** Sends a request and waits for the answer to its Call-ID. */
  async function answer(text: string): Promise<string | null> {
    const callId = callIdOf(text);
    await dialer.send(text, g.port);
    return dialer.inbox.waitFor((m) => callIdOf(m) === callId, 1500);
  }

  it('a request whose first Via line is empty, the real Via below it, is answered 400 with Warning 399 naming the empty Via (it used to throw and go unanswered)', async () => {
    const text = request(dialer, 'UDP', (lines) => lines.splice(1, 0, 'Via:'));
    const res = await answer(text);
    assert.ok(res, 'an answer came back');
    assert.match(res, /^SIP\/2\.0 400 Bad Request \(empty Via header\)\r\n/);
    assert.match(res, /^Warning: 399 127\.0\.0\.1 "empty Via header"\r$/m);
    assert.doesNotMatch(res, /^Via:\s*\r$/m, 'the empty Via line is not echoed');
    const stats = await g.sip.stats();
    assert.equal(stats.internalErrors, 0);
  });

  const answerable: [string, (lines: string[]) => void, RegExp][] = [
    ['a Content-Length larger than the body limit', replace('Content-Length', '99999999'), /body too large/],
    ['an 11-digit Content-Length', replace('Content-Length', '99999999999'), /invalid Content-Length: 99999999999/],
    ['a negative Content-Length', replace('Content-Length', '-5'), /invalid Content-Length: -5/],
    ['two Content-Lengths that disagree', add('l: 7'), /conflicting Content-Length headers/],
    ['two Content-Lengths that agree', add('Content-Length: 0'), /more than one content-length header/],
    ['two Call-IDs', (lines) => lines.push(lines.find((l) => l.startsWith('Call-ID'))!.replace('@test', '@other')), /more than one call-id header/],
    ['a CSeq method other than the request\'s', replace('CSeq', '1 BYE'), /CSeq method BYE does not match OPTIONS/],
    ['a non-numeric Max-Forwards', replace('Max-Forwards', 'ten'), /malformed Max-Forwards: ten/],
    ['a NUL byte inside the Call-ID', (lines) => (lines[5] = lines[5].replace('@test', '\u0000@test')), /malformed Call-ID/],
    ['a second Via with an IPv6 address that is no address', add('Via: SIP/2.0/UDP [zz::1]:5060;branch=z9hG4bKx'), /malformed Via: SIP\/2\.0\/UDP \[zz::1\]/],
  ];
  for (const [what, edit, expected] of answerable) {
    it(`a request with ${what} is answered 400 with a Warning saying so`, async () => {
      const res = await answer(request(dialer, 'UDP', edit));
      assert.ok(res, 'an answer came back');
      assert.match(res, /^SIP\/2\.0 400 /);
      const warning = /^Warning: 399 127\.0\.0\.1 "([\x20-\x7e]*)"\r$/m.exec(res);
      assert.ok(warning, `a Warning header (RFC 3261 §20.43) in\n${res}`);
      assert.match(warning[1], expected);
    });
  }

  it('requests that cannot be answered (top Via IPv6 garbage, rport out of range, no Via at all) are dropped and counted, and the proxy keeps answering', async () => {
    const before = await g.sip.stats();
    const unanswerable = [
      request(dialer, 'UDP', (lines) => (lines[1] = 'Via: SIP/2.0/UDP [zz::1]:5060;branch=z9hG4bKx')),
      request(dialer, 'UDP', (lines) => (lines[1] = 'Via: SIP/2.0/UDP [::1:5060;branch=z9hG4bKx')),
      request(dialer, 'UDP', (lines) => (lines[1] = `Via: SIP/2.0/UDP 127.0.0.1:${dialer.port};branch=z9hG4bKx;rport=99999`)),
      request(dialer, 'UDP', (lines) => (lines[1] = `Via: SIP/2.0/UDP 127.0.0.1:${dialer.port};branch=z9hG4bKx;received=not-an-address`)),
      request(dialer, 'UDP', (lines) => lines.splice(1, 1)),
      request(dialer, 'UDP', (lines) => (lines[1] = 'Via: ,')),
    ];
    for (const text of unanswerable) assert.equal(await answer(text), null, `no answer to\n${text}`);
    const ok = await answer(request(dialer, 'UDP'));
    assert.match(ok ?? '', /^SIP\/2\.0 200 OK\r\n/);
    const stats = await g.sip.stats();
    assert.equal(stats.dropped - before.dropped, unanswerable.length);
    assert.equal(stats.internalErrors, 0);
    assert.deepEqual(trunk.received, []);
  });

  it('over TCP, a malformed request is answered 400 with a Warning on the same connection, which stays usable', async () => {
    const tcp = await TcpPeer.connect(g.port);
    try {
      const peer = { host: '127.0.0.1', port: tcp.localPort };
      await tcp.write(request(peer, 'TCP', replace('Max-Forwards', '1e2')));
      const bad = await tcp.inbox.waitFor((t) => /^Warning: 399 127\.0\.0\.1 "malformed Max-Forwards: 1e2"\r$/m.test(t));
      assert.ok(bad, tcp.inbox.messages.at(-1));
      await tcp.write(request(peer, 'TCP'));
      assert.ok(await tcp.inbox.waitFor((t) => /SIP\/2\.0 200 OK\r\n/.test(t)), 'a valid OPTIONS is answered 200 afterwards');
    } finally {
      tcp.close();
    }
  });

  it('garbage on a TCP connection (no header end, binary noise, a lying Content-Length) costs at most that connection; the proxy answers on a new one', async () => {
    const before = await g.sip.stats();
    const garbage = [
      Buffer.alloc(20_000, 'A'),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 60000\r\n\r\n${'x'.repeat(100)}`,
      'INVITE sip:x SIP/2.0\r\nl: 99999999999999999999\r\n\r\n',
      '\r\n\r\n\r\n\u0000\r\n\r\nSIP/2.0 200 OK\r\n\r\n',
    ];
    for (const bytes of garbage) {
      const tcp = await TcpPeer.connect(g.port);
      await tcp.write(bytes);
      tcp.close();
    }
    const tcp = await TcpPeer.connect(g.port);
    try {
      await tcp.write(request({ host: '127.0.0.1', port: tcp.localPort }, 'TCP'));
      assert.ok(await tcp.inbox.waitFor((t) => /SIP\/2\.0 200 OK\r\n/.test(t)), 'a valid OPTIONS on a new connection is answered 200');
    } finally {
      tcp.close();
    }
    const stats = await g.sip.stats();
    assert.equal(stats.internalErrors, 0);
    assert.equal(stats.forwarded, before.forwarded);
    assert.deepEqual(trunk.received, []);
  });
});
