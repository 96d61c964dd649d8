import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSipConfig } from '../../src/sip/config';
import { ProxyCore } from '../../src/sip/proxy/proxy-core';
import type { Verdict } from '../../src/sip/proxy/types';
import { FakeClock } from '../../src/sip/transaction/clock';
import type { Peer, Transport } from '../../src/sip/transport/types';

const DIALER: Peer = { proto: 'udp', host: '10.0.0.7', port: 40_000 };
const TRUNK_PORT = 5070;

const INVITE = Buffer.from(
  [
    'INVITE sip:+8613800138000@127.0.0.1:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bKfault1;rport',
    'Max-Forwards: 70',
    'From: <sip:+862161234567@10.0.0.7>;tag=d1',
    'To: <sip:+8613800138000@127.0.0.1>',
    'Call-ID: fault-1@10.0.0.7',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
);

describe('a fault after an INVITE was decided', () => {
  it('is answered 500 and counted, never forwarded, and does not escape as an unhandled rejection (which ends the SIP thread)', async () => {
    const config = loadSipConfig({ SIP_LISTEN: 'udp:127.0.0.1:5060', SIP_TRUNK: `sip:192.0.2.50:${TRUNK_PORT}` }, (m) => {
      throw new Error(m);
    })!;
    const sent: { peer: Peer; text: string }[] = [];
    const transport: Transport = { proto: 'udp', host: '127.0.0.1', port: 5060, send: (peer, bytes) => void sent.push({ peer, text: bytes.toString('latin1') }), close: async () => undefined };
    // An allow whose headers cannot be read: forwarding it throws after the decision came back.
    const broken = { allow: true, decisionId: 'dec_1', tenantId: 't1', headers: null } as unknown as Verdict;
    const errors: unknown[] = [];
    const proxy = new ProxyCore(config, { admit: async () => broken }, null, new FakeClock(), { warn: () => undefined, error: (o) => void errors.push(o), debug: () => undefined });
    proxy.setDialerSources([DIALER.host]);
    proxy.attach(transport);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      proxy.receive(INVITE, DIALER);
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
    assert.deepEqual(sent.map((s) => s.text.split('\r\n')[0]), ['SIP/2.0 100 Trying', 'SIP/2.0 500 Server Internal Error']);
    assert.ok(sent.every((s) => s.peer.port !== TRUNK_PORT), 'nothing went to the trunk');
    assert.equal(proxy.stats.internalErrors, 1);
    assert.equal(errors.length, 1);
  });
});
