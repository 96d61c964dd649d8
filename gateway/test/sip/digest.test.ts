import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { NonceSigner } from '../../src/sip/auth/nonce';
import type { SipMessage } from '../../src/sip/message/message';
import { parseMessage } from '../../src/sip/message/parse';
import { buildResponse } from '../../src/sip/message/response';
import { CALLEE, describeRun, placeCalls, sleep, startSipGateway, type SipGateway } from './support';

/** The dialer of these tests sends from 127.0.0.2, on no allow-list: only its account speaks for it. */
const DIALER_IP = '127.0.0.2';
const REALM = 'callgate';

const h = (algorithm: 'MD5' | 'SHA-256', text: string) => crypto.createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(text).digest('hex');

function digestHeader(o: { algorithm: 'MD5' | 'SHA-256'; username: string; password: string; nonce: string; uri: string; nc?: string; realm?: string }): string {
  const realm = o.realm ?? REALM;
  const nc = o.nc ?? '00000001';
  const cnonce = 'c0ffee';
  const ha1 = h(o.algorithm, `${o.username}:${realm}:${o.password}`);
  const ha2 = h(o.algorithm, `INVITE:${o.uri}`);
  const response = h(o.algorithm, `${ha1}:${o.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${o.username}", realm="${realm}", nonce="${o.nonce}", uri="${o.uri}", response="${response}", algorithm=${o.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

/** A hand-written dialer on a UDP socket of 127.0.0.2: every response it gets, in order. */
class UdpDialer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: SipMessage[] = [];
  port = 0;
  private seq = 0;

  async open(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, DIALER_IP, () => resolve()));
    this.port = this.socket.address().port;
    this.socket.on('message', (bytes) => this.received.push(parseMessage(bytes)));
    return this;
  }

  uri(g: SipGateway): string {
    return `sip:${CALLEE}@127.0.0.1:${g.port}`;
  }

  /**
   * An INVITE with its SDP offer, as dialers send them; `bare` leaves the body out (the smallest
   * INVITE a reflection attack would send).
   */
  invite(g: SipGateway, extra: string[] = [], sentBy = `${DIALER_IP}:${this.port}`, bare = false): number {
    const n = ++this.seq;
    const sdp = bare ? '' : ['v=0', `o=dialer ${n} ${n} IN IP4 ${DIALER_IP}`, 's=-', `c=IN IP4 ${DIALER_IP}`, 't=0 0', 'm=audio 40000 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
    const lines = [
      `INVITE ${this.uri(g)} SIP/2.0`,
      `Via: SIP/2.0/UDP ${sentBy};branch=z9hG4bK-digest-${process.pid}-${Date.now()}-${n}${sentBy.startsWith(DIALER_IP) ? ';rport' : ''}`,
      'Max-Forwards: 70',
      `From: <sip:${g.world.caller}@${DIALER_IP}>;tag=d${n}`,
      `To: <sip:${CALLEE}@127.0.0.1>`,
      `Call-ID: digest-${process.pid}-${Date.now()}-${n}@${DIALER_IP}`,
      `CSeq: ${n} INVITE`,
      `Contact: <sip:dialer@${DIALER_IP}:${this.port}>`,
      `X-Campaign: ${g.world.campaignId}`,
      ...extra,
      ...(bare ? [] : ['Content-Type: application/sdp']),
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ];
    const bytes = Buffer.from(lines.join('\r\n'));
    this.socket.send(bytes, g.port, '127.0.0.1');
    return bytes.length;
  }

  async take(ms: number): Promise<SipMessage[]> {
    await sleep(ms);
    return this.received.splice(0);
  }

  close(): void {
    this.socket.close();
  }
}

/** A trunk that answers every INVITE 200 at once, keeping what it got. */
async function udpTrunk(port: number): Promise<{ invites: SipMessage[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const invites: SipMessage[] = [];
  socket.on('message', (bytes, rinfo) => {
    const msg = parseMessage(bytes);
    if (msg.method !== 'INVITE') return;
    invites.push(msg);
    const ok = buildResponse(msg, 200, [['Contact', `<sip:trunk@127.0.0.1:${port}>`]]);
    socket.send(ok.serialize(), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
  return { invites, close: () => socket.close() };
}

/** sipp signs "sip:host:port" unless told the Request-URI, which callgate requires (RFC 2617 §3.2.2.5). */
const sippAuth = (g: SipGateway, user: string, pass: string) => ['-au', user, '-ap', pass, '-auth_uri', `${CALLEE}@127.0.0.1:${g.port}`];

const nonceOf = (challenge: string) => /nonce="([^"]+)"/.exec(challenge)![1];

describe('SIP digest authentication (RFC 3261 §22.3, RFC 8760): the challenge, SHA-256 and nonces', () => {
  let g: SipGateway;
  let account: { id: string };
  let password: string;
  before(async () => {
    g = await startSipGateway('sqlite');
    const created = await g.gw.ok('/v1/sip-accounts', g.gw.admin, { tenantId: g.world.tenantId, username: 'dialer-one', defaultCampaignId: g.world.campaignId });
    account = created.account;
    password = created.password;
    await g.sip.dialers.reload();
  });
  after(async () => g?.close());

  it('the password is shown once and stored only as HA1 digests for MD5 and SHA-256', async () => {
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    const row = await g.gw.gate.db('sip_accounts').where({ id: account.id }).first();
    assert.equal(row.ha1_md5, h('MD5', `dialer-one:${REALM}:${password}`));
    assert.equal(row.ha1_sha256, h('SHA-256', `dialer-one:${REALM}:${password}`));
    assert.ok(!JSON.stringify(row).includes(password), 'the password itself is nowhere in the row');
    const listed = await g.gw.call('GET', '/v1/sip-accounts', g.gw.admin);
    assert.ok(!listed.body.includes(password) && !listed.body.includes(row.ha1_md5), 'the list shows neither password nor hashes');
  });

  it('an INVITE from an address with no account credentials and no allow-list entry gets exactly one 407, SHA-256 offered before MD5, with no 100 Trying and no retransmission', async () => {
    const dialer = await new UdpDialer().open();
    try {
      const decisions = await g.gw.count('decisions');
      dialer.invite(g);
      // T1 is 50 ms here: a 407 kept in a server transaction would be retransmitted within 1.5 s.
      const got = await dialer.take(1500);
      assert.deepEqual(got.map((m) => m.status), [407]);
      const offers = got[0].getAll('proxy-authenticate');
      assert.equal(offers.length, 2);
      assert.match(offers[0], /^Digest realm="callgate", nonce="[^"]+", qop="auth", algorithm=SHA-256$/);
      assert.match(offers[1], /algorithm=MD5$/);
      assert.equal(await g.gw.count('decisions'), decisions, 'nothing was decided');
    } finally {
      dialer.close();
    }
  });

  it('a bare INVITE smaller than the full challenge gets one 407 offering SHA-256 alone, or nothing: never more bytes than it sent', async () => {
    const dialer = await new UdpDialer().open();
    try {
      const sent = dialer.invite(g, [], undefined, true);
      const got = await dialer.take(1500);
      const bytes = got.reduce((n, m) => n + m.serialize(false).length, 0);
      assert.ok(got.length <= 1 && bytes <= sent, `${got.length} answers, ${bytes} bytes out for ${sent} in`);
      if (got.length === 1) assert.deepEqual(got[0].getAll('proxy-authenticate').map((o) => /algorithm=([\w-]+)/.exec(o)?.[1]), ['SHA-256']);
      // Padded so the request outgrows the one-algorithm challenge but not the full one.
      const padded = dialer.invite(g, ['Subject: ' + 'x'.repeat(150)], undefined, true);
      const [one] = await dialer.take(800);
      assert.ok(one && one.status === 407 && one.serialize(false).length <= padded, 'the narrow challenge fits and is sent');
    } finally {
      dialer.close();
    }
  });

  it('the 407 goes to the address and port the INVITE came from, not to a victim named in its Via', async () => {
    const dialer = await new UdpDialer().open();
    const victim = await new UdpDialer().open();
    try {
      dialer.invite(g, [], `${DIALER_IP}:${victim.port}`);
      assert.deepEqual((await dialer.take(800)).map((m) => m.status), [407]);
      assert.deepEqual(await victim.take(0), [], 'nothing reached the address in the Via');
    } finally {
      dialer.close();
      victim.close();
    }
  });

  it('SHA-256 digest (RFC 8760) computed by hand is accepted; the same nonce count again is a replay and gets a fresh challenge (stale=true)', async () => {
    const trunk = await udpTrunk(g.trunkPort);
    const dialer = await new UdpDialer().open();
    try {
      dialer.invite(g);
      const [challenge] = await dialer.take(300);
      const nonce = nonceOf(challenge.getAll('proxy-authenticate')[0]);
      const credentials = `Proxy-Authorization: ${digestHeader({ algorithm: 'SHA-256', username: 'dialer-one', password, nonce, uri: dialer.uri(g) })}`;
      dialer.invite(g, [credentials]);
      const answered = await dialer.take(1000);
      assert.ok(answered.some((m) => m.status === 200), `statuses ${answered.map((m) => m.status)}`);
      assert.equal(trunk.invites.length, 1);
      dialer.invite(g, [credentials]);
      const replayed = await dialer.take(1000);
      const refusal = replayed.find((m) => m.status >= 200)!;
      assert.equal(refusal.status, 407);
      assert.match(refusal.getAll('proxy-authenticate')[0], /stale=true/);
      assert.equal(trunk.invites.length, 1, 'the replay never reached the trunk');
    } finally {
      dialer.close();
      trunk.close();
    }
  });

  it('an expired nonce is answered 407 with stale=true, statelessly; a forged one gets a plain new challenge', async () => {
    const auth = g.gw.gate.config.sip!.auth;
    const old = new NonceSigner(auth.nonceKey, auth.realm, auth.nonceTtlMs, () => Date.now() - auth.nonceTtlMs - 60_000).issue(DIALER_IP);
    const dialer = await new UdpDialer().open();
    try {
      dialer.invite(g, [`Proxy-Authorization: ${digestHeader({ algorithm: 'SHA-256', username: 'dialer-one', password, nonce: old, uri: dialer.uri(g) })}`]);
      const stale = await dialer.take(800);
      assert.deepEqual(stale.map((m) => m.status), [407]);
      assert.match(stale[0].getAll('proxy-authenticate')[0], /stale=true/);
      const forged = `${Date.now().toString(16)}.${'A'.repeat(32)}`;
      dialer.invite(g, [`Proxy-Authorization: ${digestHeader({ algorithm: 'SHA-256', username: 'dialer-one', password, nonce: forged, uri: dialer.uri(g) })}`]);
      const fresh = await dialer.take(800);
      assert.deepEqual(fresh.map((m) => m.status), [407]);
      assert.doesNotMatch(fresh[0].getAll('proxy-authenticate')[0], /stale/);
    } finally {
      dialer.close();
    }
  });

  it('only the gateway operator manages accounts; a tenant admin cannot', async () => {
    const refused = await g.gw.call('POST', '/v1/sip-accounts', g.gw.token('admin', g.world.tenantId), { tenantId: g.world.tenantId, username: 'sneaky' });
    assert.equal(refused.statusCode, 403);
    const dup = await g.gw.call('POST', '/v1/sip-accounts', g.gw.admin, { tenantId: g.world.tenantId, username: 'dialer-one' });
    assert.equal(dup.json().error.code, 'SIP_ACCOUNT_EXISTS');
  });
});

describe('SIP digest authentication with real sipp (MD5 offered first for it: SIP_AUTH_ALGORITHMS=MD5,SHA-256)', () => {
  let g: SipGateway;
  let account: { id: string };
  let password: string;
  before(async () => {
    g = await startSipGateway('sqlite', { env: { SIP_AUTH_ALGORITHMS: 'MD5,SHA-256' } });
    const created = await g.gw.ok('/v1/sip-accounts', g.gw.admin, { tenantId: g.world.tenantId, username: 'dialer-one', defaultCampaignId: g.world.campaignId });
    account = created.account;
    password = created.password;
    await g.sip.dialers.reload();
  });
  after(async () => g?.close());

  it('a digest call with sipp (MD5) completes and is decided as the account tenant\'s call; the trunk never sees the credentials', async () => {
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-auth-call.xml', trunk: 'trunk-answer.xml', dialerAddress: DIALER_IP, dialerArgs: sippAuth(g, 'dialer-one', password) });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.equal(trunk?.code, 0, describeRun(trunk));
    assert.match(dialer.messages, /Proxy-Authorization: Digest username="dialer-one"/);
    assert.doesNotMatch(trunk!.messages, /Proxy-Authorization/i);
    const decision = await g.gw.gate.db('decisions').orderBy('decided_at', 'desc').first();
    assert.equal(decision.tenant_id, g.world.tenantId);
    assert.equal(Boolean(decision.allow), true);
  });

  it('wrong credentials with sipp are refused 403 SIP_AUTH_FAILED, nothing is decided and the trunk sees nothing', async () => {
    const decisions = await g.gw.count('decisions');
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-auth-refused.xml', trunk: 'trunk-answer.xml', dialerAddress: DIALER_IP, dialerArgs: sippAuth(g, 'dialer-one', 'not-the-password'), fill: { expect: '403' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: SIP_AUTH_FAILED/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
    assert.equal(await g.gw.count('decisions'), decisions);
  });

  it('a rotated password stops working at once after reload and the new one works; a revoked account is refused', async () => {
    const rotated = await g.gw.ok(`/v1/sip-accounts/${account.id}/rotate`, g.gw.admin, {}, 200);
    assert.notEqual(rotated.password, password);
    await g.sip.dialers.reload();
    const old = await placeCalls(g, { transport: 'u1', dialer: 'dialer-auth-refused.xml', trunk: 'trunk-answer.xml', dialerAddress: DIALER_IP, dialerArgs: sippAuth(g, 'dialer-one', password), fill: { expect: '403' }, trunkWaitMs: 300 });
    assert.equal(old.dialer.code, 0, describeRun(old.dialer));
    assert.doesNotMatch(old.trunk!.messages, /INVITE/);
    password = rotated.password;
    const fresh = await placeCalls(g, { transport: 'u1', dialer: 'dialer-auth-call.xml', trunk: 'trunk-answer.xml', dialerAddress: DIALER_IP, dialerArgs: sippAuth(g, 'dialer-one', password) });
    assert.equal(fresh.dialer.code, 0, describeRun(fresh.dialer));
    await g.gw.ok(`/v1/sip-accounts/${account.id}/revoke`, g.gw.admin, {}, 200);
    await g.sip.dialers.reload();
    const revoked = await placeCalls(g, { transport: 'u1', dialer: 'dialer-auth-refused.xml', trunk: 'trunk-answer.xml', dialerAddress: DIALER_IP, dialerArgs: sippAuth(g, 'dialer-one', password), fill: { expect: '403' }, trunkWaitMs: 300 });
    assert.equal(revoked.dialer.code, 0, describeRun(revoked.dialer));
    assert.match(revoked.dialer.logs, /X-Callgate-Reasons: SIP_AUTH_FAILED/);
    assert.doesNotMatch(revoked.trunk!.messages, /INVITE/);
  });

  it('an account that also requires its source networks refuses right credentials from elsewhere (403 SOURCE_NOT_ALLOWED)', async () => {
    const created = await g.gw.ok('/v1/sip-accounts', g.gw.admin, { tenantId: g.world.tenantId, username: 'dialer-fenced', sources: ['10.9.9.0/24'] });
    await g.sip.dialers.reload();
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-auth-refused.xml', trunk: 'trunk-answer.xml', dialerAddress: DIALER_IP, dialerArgs: sippAuth(g, 'dialer-fenced', created.password), fill: { expect: '403' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: SOURCE_NOT_ALLOWED/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
  });

});
