import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseMessage } from '../../src/sip/message/parse';
import { buildResponse } from '../../src/sip/message/response';
import type { ProxyStats } from '../../src/sip/proxy/proxy-core';
import { fuzzTcp, fuzzUdp, type FuzzTarget } from '../support/sip-fuzz';
import { TrunkListener, UdpPeer } from '../support/sip-peer';
import { CALLEE, startSipGateway, type SipGateway } from './support';

const UDP_MESSAGES = Number(process.env.SIP_FUZZ_UDP ?? 20_000);
const TCP_MESSAGES = Number(process.env.SIP_FUZZ_TCP ?? 5_000);
const SEED = Number(process.env.SIP_FUZZ_SEED ?? 20261202);

/** The proxy's counters, or a failure when its thread no longer answers (it died). */
async function statsOf(g: SipGateway): Promise<ProxyStats> {
  const stats = await Promise.race([g.sip.stats(), new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
  assert.ok(stats, 'the SIP thread answers');
  return stats;
}

const callIdOf = (text: string) => /^Call-ID: (.*)\r$/m.exec(text)?.[1];

describe('SIP fuzz: tens of thousands of mutated messages over UDP and TCP against the running proxy', () => {
  let g: SipGateway;
  let trunk: TrunkListener;
  let target: FuzzTarget;
  /** INVITEs forwarded to the trunk that it could not parse (the proxy must forward only sound ones). */
  const trunkUnparsed: string[] = [];
  before(async () => {
    g = await startSipGateway('sqlite');
    trunk = await TrunkListener.listen(g.trunkPort);
    // The trunk turns down whatever reaches it, so that an admitted call ends at once.
    trunk.udp.onMessage = (text, from) => {
      if (!text.startsWith('INVITE ')) return;
      try {
        void trunk.udp.send(buildResponse(parseMessage(Buffer.from(text, 'latin1')), 486).serialize(), from.port, from.address);
      } catch (error) {
        trunkUnparsed.push(`${(error as Error).message}\n${text}`);
      }
    };
    target = { port: g.port, stats: () => statsOf(g), callee: CALLEE, caller: g.world.caller };
  });
  after(async () => {
    await trunk?.close();
    await g?.close();
  });

  it(`${UDP_MESSAGES} mutated datagrams and ${TCP_MESSAGES} mutated stream messages from a source on no allow-list: nothing throws, some are answered, the rest dropped and counted, the trunk receives nothing`, async (t) => {
    const udp = await fuzzUdp(target, UDP_MESSAGES, SEED);
    const tcp = await fuzzTcp(target, TCP_MESSAGES, SEED + 1);
    const stats = await statsOf(g);
    t.diagnostic(JSON.stringify({ udp, tcp, stats }));
    assert.equal(stats.internalErrors, 0, 'no message made the proxy throw');
    assert.ok(udp.received >= udp.sent * 0.9, `the proxy took in most datagrams: ${JSON.stringify(udp)}`);
    assert.ok(stats.badRequests > 0 && stats.dropped > 0 && stats.refused > 0, `malformed requests were answered 400, others dropped, INVITEs refused: ${JSON.stringify(stats)}`);
    assert.ok(udp.answers > 0 && tcp.answers > 0, `answers came back over UDP (${udp.answers}) and TCP (${tcp.answers})`);
    assert.equal(stats.forwarded, 0, 'no mutated message was forwarded');
    assert.deepEqual(trunk.received, [], 'the trunk received nothing');
  });

  it('afterwards the proxy still answers a valid OPTIONS 200 and forwards a valid INVITE from the dialer, the only message the trunk ever sees besides its ACK', async () => {
    const dialer = await UdpPeer.bind('127.0.0.1');
    try {
      const headers = (method: string, n: number) => [
        `Via: SIP/2.0/UDP 127.0.0.1:${dialer.port};branch=z9hG4bKafter${method}${n};rport`,
        'Max-Forwards: 70',
        `From: <sip:${g.world.caller}@127.0.0.1>;tag=after${n}`,
        `To: <sip:${CALLEE}@127.0.0.1>`,
        `Call-ID: after-fuzz-${method}@127.0.0.1`,
        `CSeq: 1 ${method}`,
        `X-Campaign: ${g.world.campaignId}`,
        'Content-Length: 0',
        '',
        '',
      ];
      await dialer.send([`OPTIONS sip:${CALLEE}@127.0.0.1:${g.port} SIP/2.0`, ...headers('OPTIONS', 1)].join('\r\n'), g.port);
      const ok = await dialer.inbox.waitFor((t) => callIdOf(t) === 'after-fuzz-OPTIONS@127.0.0.1');
      assert.match(ok ?? '', /^SIP\/2\.0 200 OK\r\n[^]*^CSeq: 1 OPTIONS\r$/m);

      await dialer.send([`INVITE sip:${CALLEE}@127.0.0.1:${g.port} SIP/2.0`, ...headers('INVITE', 2)].join('\r\n'), g.port);
      const busy = await dialer.inbox.waitFor((t) => callIdOf(t) === 'after-fuzz-INVITE@127.0.0.1' && /^SIP\/2\.0 486 /.test(t), 10_000);
      assert.ok(busy, `the admitted INVITE reached the trunk and its 486 came back: ${dialer.inbox.messages.join('\n---\n')}`);
      const stats = await statsOf(g);
      assert.equal(stats.forwarded, 1);
      assert.equal(stats.internalErrors, 0);
      const seen = trunk.received;
      assert.ok(seen.some((t) => t.startsWith('INVITE ')), 'the trunk got the INVITE');
      assert.deepEqual([...new Set(seen.map(callIdOf))], ['after-fuzz-INVITE@127.0.0.1'], 'the trunk saw that call only');
      assert.deepEqual([...new Set(seen.map((t) => t.split(' ')[0]))].sort(), ['ACK', 'INVITE'], 'its INVITE and the ACK of the 486, nothing else');
    } finally {
      await dialer.close();
    }
  });

  it('2 000 mutated messages from the registered dialer: every INVITE the trunk receives was decided and allowed, one decision per call, and nothing else but their ACKs reaches it', async (t) => {
    const allowedBefore = Number((await g.gw.gate.db('decisions').where({ allow: true }).count({ n: '*' }))[0].n);
    const before = await statsOf(g);
    trunk.udp.inbox.messages.length = 0;
    const udp = await fuzzUdp({ ...target, campaign: g.world.campaignId }, 2000, SEED + 2, '127.0.0.1');
    // Admitted calls end with the trunk's 486 and the ACK the proxy sends it: wait for those to settle.
    await new Promise((r) => setTimeout(r, 1000));
    const stats = await statsOf(g);
    const allowed = Number((await g.gw.gate.db('decisions').where({ allow: true }).count({ n: '*' }))[0].n) - allowedBefore;
    const seen = trunk.received;
    const invites = new Set(seen.filter((m) => m.startsWith('INVITE ')).map(callIdOf));
    t.diagnostic(JSON.stringify({ udp, allowed, forwarded: stats.forwarded - before.forwarded, invitesAtTrunk: invites.size, messagesAtTrunk: seen.length }));
    assert.equal(stats.internalErrors, 0);
    assert.deepEqual(trunkUnparsed, [], 'every INVITE forwarded parses');
    assert.equal(invites.size, stats.forwarded - before.forwarded, 'one call at the trunk per forwarded INVITE');
    assert.equal(invites.size, allowed, 'one allowed decision per call at the trunk');
    for (const m of seen) {
      assert.ok(invites.has(callIdOf(m)), `the trunk got only messages of admitted calls:\n${m}`);
      assert.match(m, /^(INVITE|ACK) /);
    }
  });
});
