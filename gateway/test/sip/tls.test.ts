import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/process';
import { describeRun, placeCalls, startSipGateway, type SipGateway } from './support';

interface Pki {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  client: { cert: string; key: string };
  other: { cert: string; key: string };
  /** A CA that signed nothing here: trusting it alone must refuse our server. */
  strangerCa: string;
}

/** A throw-away CA, a server certificate for 127.0.0.1 and client certificates, made with openssl. */
function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-tls-'));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=callgate test CA');
  openssl('req', '-x509', ...ec, '-keyout', f('stranger.key'), '-out', f('stranger.pem'), '-days', '2', '-subj', '/CN=stranger CA');
  const issue = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(f(`${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
    return { cert: f(`${name}.pem`), key: f(`${name}.key`) };
  };
  return {
    dir,
    ca: f('ca.pem'),
    server: issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n'),
    client: issue('client', 'dialer-by-fingerprint', 'extendedKeyUsage=clientAuth\n'),
    other: issue('other', 'dialer-by-subject', 'extendedKeyUsage=clientAuth\n'),
    strangerCa: f('stranger.pem'),
  };
}

const read = (file: string) => fs.readFileSync(file, 'utf8');
const fingerprint = (file: string) => new crypto.X509Certificate(read(file)).fingerprint256;

interface Tunnel {
  port: number;
  /** TLS sessions carried, and whether each was authorised (client certificate verified). */
  sessions: boolean[];
  close(): Promise<void>;
}

/**
 * sipp here speaks no TLS: a plain TCP port for sipp, wrapped in TLS toward callgate's TLS
 * listener, presenting a client certificate when given one and sending from `from`.
 */
async function dialerTunnel(tlsPort: number, pki: Pki, options: { client?: { cert: string; key: string }; from?: string } = {}): Promise<Tunnel> {
  const sessions: boolean[] = [];
  const server = net.createServer((plain) => {
    const secure = tls.connect({ host: '127.0.0.1', port: tlsPort, ca: read(pki.ca), localAddress: options.from, cert: options.client && read(options.client.cert), key: options.client && read(options.client.key) });
    secure.once('secureConnect', () => sessions.push(secure.authorized));
    plain.pipe(secure).pipe(plain);
    const end = () => (plain.destroy(), secure.destroy());
    plain.on('error', end).on('close', end);
    secure.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, sessions, close: () => new Promise((r) => server.close(() => r())) };
}

/** The trunk's TLS side: terminates TLS with the server certificate and hands the bytes to sipp on TCP. */
async function trunkTunnel(sippPort: number, pki: Pki): Promise<Tunnel> {
  const sessions: boolean[] = [];
  const server = tls.createServer({ cert: read(pki.server.cert), key: read(pki.server.key) }, (secure) => {
    sessions.push(true);
    const plain = net.connect({ host: '127.0.0.1', port: sippPort });
    secure.pipe(plain).pipe(secure);
    const end = () => (plain.destroy(), secure.destroy());
    plain.on('error', end).on('close', end);
    secure.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, sessions, close: () => new Promise((r) => server.close(() => r())) };
}

async function tlsGateway(pki: Pki, trunkCa: string, extra: Record<string, string> = {}): Promise<{ g: SipGateway; tlsPort: number; trunk: Tunnel }> {
  const tlsPort = await freePort();
  // The trunk tunnel needs the sipp port, which the gateway picks: a port is reserved for it first.
  const sippTrunkPort = await freePort();
  const trunk = await trunkTunnel(sippTrunkPort, pki);
  const g = await startSipGateway('sqlite', {
    tlsPort,
    env: {
      SIP_TRUNK: `sip:127.0.0.1:${trunk.port};transport=tls`,
      SIP_TLS_CERT_FILE: pki.server.cert,
      SIP_TLS_KEY_FILE: pki.server.key,
      SIP_TLS_CLIENT_CA_FILE: pki.ca,
      SIP_TLS_TRUNK_CA_FILE: trunkCa,
      ...extra,
    },
  });
  g.trunkPort = sippTrunkPort;
  return { g, tlsPort, trunk };
}

describe('SIP over TLS (RFC 3261 §26) with real sipp behind TLS tunnels', () => {
  let pki: Pki;
  let g: SipGateway;
  let tlsPort: number;
  let trunk: Tunnel;
  before(async () => {
    pki = makePki();
    ({ g, tlsPort, trunk } = await tlsGateway(pki, pki.ca, { SIP_TCP_HEADER_TIMEOUT_SECONDS: '2' }));
  });
  after(async () => {
    await g?.close();
    await trunk?.close();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('a call arrives on the TLS listener and leaves for a TLS trunk whose certificate is verified; both sides see our TLS Record-Route', async () => {
    const dialer = await dialerTunnel(tlsPort, pki);
    try {
      const { dialer: d, trunk: t } = await placeCalls({ ...g, port: dialer.port }, { transport: 't1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml' });
      assert.equal(d.code, 0, describeRun(d));
      assert.equal(t?.code, 0, describeRun(t));
      assert.ok(dialer.sessions.length >= 1 && trunk.sessions.length >= 1, 'both legs went over TLS');
      assert.match(t!.messages, /^INVITE sip:\+8613800138000@127\.0\.0\.1:\d+;transport=tls SIP\/2\.0/m);
      assert.match(t!.messages, /^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:/m);
      assert.match(d.messages, /Record-Route: <sip:127\.0\.0\.1:\d+;transport=tls;lr;cgd=/);
    } finally {
      await dialer.close();
    }
  });

  it('a TLS connection that never finishes its handshake, or finishes it and sends no message, is closed by the header timeout', async () => {
    const raw = net.connect({ host: '127.0.0.1', port: tlsPort });
    raw.on('error', () => undefined);
    const secure = tls.connect({ host: '127.0.0.1', port: tlsPort, ca: read(pki.ca) });
    secure.on('error', () => undefined);
    const closed = (s: net.Socket) => new Promise<boolean>((resolve) => (s.once('close', () => resolve(true)), setTimeout(() => resolve(false), 10_000)));
    const [rawClosed, secureClosed] = await Promise.all([closed(raw), closed(secure)]);
    assert.equal(rawClosed, true, 'no handshake: closed');
    assert.equal(secureClosed, true, 'handshake but no message: closed');
  });

  it('mutual TLS: a client certificate bound to an account (by fingerprint, or by subject) speaks for its tenant from an address on no allow-list; without it the dialer is challenged 407', async () => {
    await g.gw.ok('/v1/sip-accounts', g.gw.admin, { tenantId: g.world.tenantId, username: 'cert-dialer', defaultCampaignId: g.world.campaignId, certFingerprint: fingerprint(pki.client.cert) });
    await g.gw.ok('/v1/sip-accounts', g.gw.admin, { tenantId: g.world.tenantId, username: 'subject-dialer', certSubject: 'dialer-by-subject' });
    await g.sip.dialers.reload();
    for (const client of [pki.client, pki.other]) {
      const withCert = await dialerTunnel(tlsPort, pki, { client, from: '127.0.0.2' });
      try {
        const { dialer, trunk: t } = await placeCalls({ ...g, port: withCert.port }, { transport: 't1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml', dialerAddress: '127.0.0.1' });
        assert.equal(dialer.code, 0, describeRun(dialer));
        assert.equal(t?.code, 0, describeRun(t));
        assert.deepEqual(withCert.sessions.slice(0, 1), [true], 'the client certificate was verified');
      } finally {
        await withCert.close();
      }
    }
    const without = await dialerTunnel(tlsPort, pki, { from: '127.0.0.2' });
    try {
      const { dialer, trunk: t } = await placeCalls({ ...g, port: without.port }, { transport: 't1', dialer: 'dialer-error.xml', trunk: 'trunk-answer.xml', fill: { expect: '407', maxforwards: '70' }, trunkWaitMs: 300 });
      assert.equal(dialer.code, 0, describeRun(dialer));
      assert.doesNotMatch(t!.messages, /INVITE/);
    } finally {
      await without.close();
    }
  });
});

describe('SIP over TLS toward a trunk whose certificate does not verify', () => {
  let pki: Pki;
  let g: SipGateway;
  let tlsPort: number;
  let trunk: Tunnel;
  before(async () => {
    pki = makePki();
    ({ g, tlsPort, trunk } = await tlsGateway(pki, pki.strangerCa));
  });
  after(async () => {
    await g?.close();
    await trunk?.close();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('the call is never delivered: the dialer gets 503 and the trunk receives nothing', async () => {
    const dialer = await dialerTunnel(tlsPort, pki);
    try {
      const { dialer: d, trunk: t } = await placeCalls({ ...g, port: dialer.port }, { transport: 't1', dialer: 'dialer-error.xml', trunk: 'trunk-answer.xml', fill: { expect: '503', maxforwards: '70' }, trunkWaitMs: 300 });
      assert.equal(d.code, 0, describeRun(d));
      assert.doesNotMatch(t!.messages, /INVITE/);
    } finally {
      await dialer.close();
    }
  });
});
