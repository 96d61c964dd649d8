import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { StreamFramer } from '../../src/sip/transport/stream-framer';
import { sleep, startSipGateway, type SipGateway } from './support';

function options(n: number, body = ''): string {
  return [
    'OPTIONS sip:callgate@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-stream-${process.pid}-${n}`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=p${n}`,
    '<sip:callgate@127.0.0.1>'.replace(/^/, 'To: '),
    `Call-ID: stream-${process.pid}-${n}@127.0.0.1`,
    `CSeq: ${n} OPTIONS`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

describe('SIP stream framing', () => {
  it('a stream fed one byte at a time yields the same messages and pings, with each byte copied a bounded number of times (no re-copy of the buffer per chunk)', () => {
    const first = options(1, 'v=0\r\n'.repeat(400));
    const second = options(2);
    const stream = Buffer.from(`\r\n\r\n${first}\r\n${second}`, 'latin1');
    const got: string[] = [];
    let pings = 0;
    const framer = new StreamFramer((m) => got.push(m.toString('latin1')), () => pings++);
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      const out = concat(list, total);
      copied += out.length;
      return out;
    }) as typeof Buffer.concat;
    try {
      for (let i = 0; i < stream.length; i++) assert.equal(framer.push(stream.subarray(i, i + 1)), true);
    } finally {
      Buffer.concat = concat;
    }
    assert.deepEqual(got, [first, second]);
    assert.equal(pings, 1);
    assert.equal(framer.pending, false);
    // Joining the whole buffer on every chunk copies about n²/2 bytes; the framer copies each message at most twice.
    assert.ok(copied <= 2 * stream.length, `${copied} bytes copied for a ${stream.length}-byte stream`);
  });

  it('a header section without end beyond 16 KiB, or a Content-Length beyond the limit, cannot be framed', () => {
    const endless = new StreamFramer(() => assert.fail('no message'), () => undefined);
    assert.equal(endless.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\n' + 'X-Pad: aaaaaaaa\r\n'.repeat(1100))), false);
    const big = new StreamFramer(() => assert.fail('no message'), () => undefined, 4096);
    assert.equal(big.push(Buffer.from(options(3).replace('Content-Length: 0', 'Content-Length: 5000'))), false);
  });
});

/** Resolves when the server closes the connection; `open` tells whether it still is. */
function connect(port: number, from = '127.0.0.1'): Promise<{ socket: net.Socket; closed: Promise<void>; open: () => boolean; data: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let received = '';
    let isOpen = true;
    const closed = new Promise<void>((r) => socket.on('close', () => ((isOpen = false), r())));
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed, open: () => isOpen, data: () => received }));
    socket.once('error', reject);
  });
}

const closedWithin = (c: { closed: Promise<void> }, ms: number) => Promise.race([c.closed.then(() => true), sleep(ms).then(() => false)]);

describe('SIP over TCP is bounded: header timeout, per-source cap, message size', () => {
  let g: SipGateway;
  before(async () => {
    g = await startSipGateway('sqlite', { env: { SIP_TCP_HEADER_TIMEOUT_SECONDS: '1', SIP_TCP_MAX_PER_SOURCE: '3', SIP_MAX_MESSAGE_BYTES: '4096' } });
  });
  after(async () => g?.close());

  it('a complete message is answered and the connection stays open', async () => {
    const c = await connect(g.port);
    c.socket.write(options(10));
    await sleep(300);
    assert.match(c.data(), /^SIP\/2\.0 200 OK/);
    assert.equal(c.open(), true);
    c.socket.destroy();
  });

  it('a connection that never completes its headers is closed by the header timeout, even while it trickles bytes (slowloris)', async () => {
    const silent = await connect(g.port);
    const slow = await connect(g.port);
    const text = options(11);
    let i = 0;
    const trickle = setInterval(() => slow.open() && i < text.length && slow.socket.write(text[i++]), 200);
    try {
      assert.equal(await closedWithin(silent, 8000), true, 'a connection that sends nothing is closed');
      assert.equal(await closedWithin(slow, 8000), true, 'a connection trickling its headers is closed');
      assert.doesNotMatch(slow.data(), /SIP\/2\.0/);
    } finally {
      clearInterval(trickle);
    }
  });

  it('the per-source cap refuses the N+1st connection from one address while the first N stay open', async () => {
    const held = [await connect(g.port), await connect(g.port), await connect(g.port)];
    const extra = await connect(g.port);
    assert.equal(await closedWithin(extra, 3000), true, 'the fourth connection from 127.0.0.1 is closed at once');
    assert.ok(held.every((c) => c.open()), 'the first three are still open');
    const other = await connect(g.port, '127.0.0.3');
    other.socket.write(options(12));
    await sleep(300);
    assert.match(other.data(), /^SIP\/2\.0 200 OK/, 'another address still gets in');
    for (const c of [...held, other]) c.socket.destroy();
  });

  it('a message larger than SIP_MAX_MESSAGE_BYTES closes the connection unanswered', async () => {
    await sleep(200);
    const c = await connect(g.port);
    c.socket.write(options(13, 'a'.repeat(6000)));
    assert.equal(await closedWithin(c, 3000), true);
    assert.doesNotMatch(c.data(), /SIP\/2\.0/);
  });
});
