import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DecisionAdmission } from '../../src/sip/admission';
import type { DialerDirectory } from '../../src/sip/dialers';
import type { SipMessage } from '../../src/sip/message/message';
import { parseMessage } from '../../src/sip/message/parse';
import { ProxyCore } from '../../src/sip/proxy/proxy-core';
import { FakeClock } from '../../src/sip/transaction/clock';
import type { Peer, Transport } from '../../src/sip/transport/types';
import { startTestGateway, type TestGateway, type World } from '../support/gateway';
import { CALLEE } from './support';

const TRUNK_PORT = 5070;
const DIALER: Peer = { proto: 'udp', host: '10.0.0.7', port: 5080 };

class RecordingTransport implements Transport {
  readonly proto = 'udp' as const;
  readonly host = '127.0.0.1';
  readonly port = 5060;
  sent: { peer: Peer; msg: SipMessage }[] = [];
  send(peer: Peer, bytes: Buffer): void {
    this.sent.push({ peer, msg: parseMessage(bytes) });
  }
  async close(): Promise<void> {}
}

function invite(world: World, i: number): Buffer {
  return Buffer.from(
    [
      `INVITE sip:${CALLEE}@127.0.0.1:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bKcap${i}`,
      'Max-Forwards: 70',
      `From: <sip:${world.caller}@10.0.0.7>;tag=cap${i}`,
      `To: <sip:${CALLEE}@127.0.0.1>`,
      `Call-ID: cap-${i}@10.0.0.7`,
      'CSeq: 1 INVITE',
      `X-Campaign: ${world.campaignId}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

describe('frequency caps through the SIP proxy core, with the real decision service', () => {
  let gw: TestGateway;
  let world: World;
  before(async () => {
    gw = await startTestGateway('sqlite', { SIP_LISTEN: 'udp:127.0.0.1:5060', SIP_TRUNK: `sip:192.0.2.50:${TRUNK_PORT}` });
    world = await gw.seed();
    await gw.consent(world, CALLEE);
  });
  after(async () => gw?.close());

  it('20 parallel initial INVITEs for one callee under a cap of 3 forward exactly 3; the others are refused FREQUENCY_CAP_EXCEEDED', async () => {
    const config = gw.gate.config.sip!;
    const dialers = { match: () => ({ tenantId: world.tenantId, defaultCampaignId: null }) } as unknown as DialerDirectory;
    const transport = new RecordingTransport();
    const log = { warn: () => undefined, error: (o: unknown) => assert.fail(String(o)), debug: () => undefined };
    const proxy = new ProxyCore(config, new DecisionAdmission(gw.gate.decisions, dialers, config), null, new FakeClock(), log);
    proxy.setDialerSources([DIALER.host]);
    proxy.attach(transport);
    const N = 20;
    for (let i = 0; i < N; i++) proxy.receive(invite(world, i), DIALER);
    const settled = () => transport.sent.filter((s) => s.msg.isRequest || s.msg.status >= 200).length;
    for (let waited = 0; settled() < N && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const forwarded = transport.sent.filter((s) => s.msg.isRequest && s.peer.port === TRUNK_PORT);
    const refused = transport.sent.filter((s) => !s.msg.isRequest && s.msg.status >= 200);
    assert.equal(forwarded.length, 3);
    assert.equal(refused.length, N - 3);
    assert.ok(refused.every((r) => r.msg.get('x-callgate-reasons')?.includes('FREQUENCY_CAP_EXCEEDED')), refused.map((r) => r.msg.get('x-callgate-reasons')).join('\n'));
    assert.equal(Number((await gw.gate.db('call_attempts').where({ callee: CALLEE }).count({ n: '*' }))[0].n), 3);
  });
});
