import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { attestationFor } from '../../src/sip/identity/attestation';
import { canonicalJson, PassportSigner, type Attestation } from '../../src/sip/identity/passport';
import { loadSipConfig } from '../../src/sip/config';
import { IdentityVerifier, loadTrustedKeys } from '../../src/sip/identity/verify';
import type { DecisionRecord } from '../../src/decisions/record';
import { goodFacts } from '../support/facts';
import { CALLEE, describeRun, placeCalls, startSipGateway, type SipGateway } from './support';

const X5U = 'https://cert.example.org/sti.pem';
const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const decoded = (part: string) => Buffer.from(part, 'base64url').toString('utf8');

describe('STIR/SHAKEN PASSporT (RFC 8225, RFC 8588, RFC 8224)', () => {
  const signer = new PassportSigner(PEM, X5U);
  const claims = { attest: 'A' as const, dest: { tn: ['8613800138000'] }, iat: 1_790_000_000, orig: { tn: '862161234567' }, origid: '123e4567-e89b-12d3-a456-426614174000' };

  it('the header is serialized with its keys in lexicographic order and no whitespace (RFC 8225 §9)', () => {
    const [header, payload] = signer.sign(claims).split('.');
    assert.equal(decoded(header), `{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"${X5U}"}`);
    assert.equal(decoded(payload), '{"attest":"A","dest":{"tn":["8613800138000"]},"iat":1790000000,"orig":{"tn":"862161234567"},"origid":"123e4567-e89b-12d3-a456-426614174000"}');
  });

  it('the signature is ES256 that a JOSE verifier accepts with the public key', () => {
    const verified = jwt.verify(signer.sign(claims), publicKey.export({ type: 'spki', format: 'pem' }), { algorithms: ['ES256'], ignoreExpiration: true }) as Record<string, unknown>;
    assert.equal(verified.attest, 'A');
    assert.equal(verified.origid, claims.origid);
  });

  it('a tampered claim fails verification', () => {
    const [h, , s] = signer.sign(claims).split('.');
    const forged = `${h}.${Buffer.from(canonicalJson({ ...claims, orig: { tn: '862100000000' } })).toString('base64url')}.${s}`;
    assert.throws(() => jwt.verify(forged, publicKey.export({ type: 'spki', format: 'pem' }), { algorithms: ['ES256'] }));
  });

  it('the Identity header carries info, alg and ppt (RFC 8224 §4)', () => {
    assert.match(signer.identityHeader(claims), /^[\w-]+\.[\w-]+\.[\w-]+;info=<https:\/\/cert\.example\.org\/sti\.pem>;alg=ES256;ppt=shaken$/);
  });

  it('refuses a key that is not EC P-256', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => new PassportSigner(rsa, X5U), /EC P-256/);
  });

  it('attests A for a verified tenant presenting its verified number, B when the number is not proven, C for an unverified tenant', () => {
    const record = (facts: ReturnType<typeof goodFacts>) => ({ call: { tenantId: 't1', campaignId: 'c1', callee: '+8613800138000', caller: '+862161234567' }, input: { facts } }) as unknown as DecisionRecord;
    assert.equal(attestationFor(record(goodFacts())), 'A');
    assert.equal(attestationFor(record(goodFacts({ callerNumber: { ...goodFacts().callerNumber!, verificationStatus: 'pending' } }))), 'B');
    assert.equal(attestationFor(record(goodFacts({ callerNumber: { ...goodFacts().callerNumber!, tenantId: 't2' } }))), 'B');
    assert.equal(attestationFor(record(goodFacts({ tenant: { id: 't1', verificationStatus: 'pending' } }))), 'C');
  });
});

describe('verifying an incoming Identity header (RFC 8224 §6.2)', () => {
  const NOW = 1_790_000_000_000;
  const signer = new PassportSigner(PEM, X5U);
  const verifier = new IdentityVerifier(new Map([[X5U, publicKey]]), () => NOW);
  const claims = (over: object = {}) => ({ attest: 'A' as const, dest: { tn: ['8613800138000'] }, iat: NOW / 1000 - 5, orig: { tn: '862161234567' }, origid: '123e4567-e89b-12d3-a456-426614174000', ...over });

  it('accepts a fresh PASSporT from a trusted certificate whose orig and dest match the call', () => {
    assert.deepEqual(verifier.verify(signer.identityHeader(claims()), '+862161234567', '+8613800138000'), { ok: true, attest: 'A' });
  });

  it('refuses 438 a PASSporT signed by another key under a trusted x5u (forged)', () => {
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = new PassportSigner(other, X5U).identityHeader(claims());
    assert.deepEqual(verifier.verify(forged, '+862161234567', '+8613800138000'), { ok: false, status: 438, code: 'IDENTITY_INVALID', reason: 'Invalid Identity Header (signature)' });
  });

  it('refuses 403 Stale Date a PASSporT older than 60 s, 436 an untrusted x5u, 438 a mismatched orig', () => {
    assert.equal((verifier.verify(signer.identityHeader(claims({ iat: NOW / 1000 - 120 })), '+862161234567', '+8613800138000') as { code: string }).code, 'IDENTITY_STALE');
    const untrusted = new PassportSigner(PEM, 'https://elsewhere.example/cert.pem').identityHeader(claims());
    assert.equal((verifier.verify(untrusted, '+862161234567', '+8613800138000') as { status: number }).status, 436);
    assert.equal((verifier.verify(signer.identityHeader(claims()), '+862161234599', '+8613800138000') as { status: number }).status, 438);
    assert.equal((verifier.verify('garbage;info=<x>', '+862161234567', '+8613800138000') as { status: number }).status, 438);
  });

  /** A PASSporT signed by the trusted key with any header and claims, as a careless or hostile signer would make it. */
  function handMade(head: object, body: object, params = `;info=<${X5U}>;alg=ES256;ppt=shaken`): string {
    const input = `${Buffer.from(canonicalJson(head)).toString('base64url')}.${Buffer.from(canonicalJson(body)).toString('base64url')}`;
    const signature = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return `${input}.${signature}${params}`;
  }
  const HEAD = { alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u: X5U };
  const refusal = (header: string) => verifier.verify(header, '+862161234567', '+8613800138000') as { ok: boolean; status: number; code: string; reason: string };

  it('a correctly signed hand-made PASSporT with every claim verifies (the edge cases below differ from it in one thing only)', () => {
    assert.deepEqual(refusal(handMade(HEAD, claims())), { ok: true, attest: 'A' });
  });

  const missing: [string, object, RegExp][] = [
    ['without attest', { attest: undefined }, /attest must be A, B or C/],
    ['with attest D', { attest: 'D' }, /attest must be A, B or C/],
    ['with attest in lower case', { attest: 'a' }, /attest must be A, B or C/],
    ['without origid', { origid: undefined }, /origid must be a UUID/],
    ['with an origid that is no UUID', { origid: 'call-1' }, /origid must be a UUID/],
    ['with orig naming a uri instead of a tn', { orig: { uri: 'sip:agent@example.com' } }, /orig must carry a tn/],
    ['with a dest tn array holding a number that is not a string', { dest: { tn: ['8613800138000', 42] } }, /dest must carry a tn array/],
    ['with an iat that is no NumericDate', { iat: NOW / 1000 - 5.5 }, /iat must be a NumericDate/],
  ];
  for (const [what, over, reason] of missing) {
    it(`refuses 438 IDENTITY_INVALID a SHAKEN PASSporT ${what} (RFC 8588 §4, RFC 8225 §5)`, () => {
      const r = refusal(handMade(HEAD, claims(over)));
      assert.deepEqual([r.ok, r.status, r.code], [false, 438, 'IDENTITY_INVALID']);
      assert.match(r.reason, reason);
    });
  }

  const badHeaders: [string, object, string | undefined, RegExp][] = [
    ['without typ', { ...HEAD, typ: undefined }, undefined, /typ must be passport/],
    ['with typ JWT', { ...HEAD, typ: 'JWT' }, undefined, /typ must be passport/],
    ['with ppt div in the header field', HEAD, `;info=<${X5U}>;alg=ES256;ppt=div`, /ppt must be shaken/],
    ['without ppt', { ...HEAD, ppt: undefined }, undefined, /ppt must be shaken/],
    ['without x5u', { ...HEAD, x5u: undefined }, ';alg=ES256;ppt=shaken', /x5u missing/],
  ];
  for (const [what, head, params, reason] of badHeaders) {
    it(`refuses 438 a PASSporT ${what} (RFC 8225 §4, RFC 8588 §3)`, () => {
      const r = refusal(handMade(head, claims(), params));
      assert.deepEqual([r.ok, r.status], [false, 438]);
      assert.match(r.reason, reason);
    });
  }

  it('refuses 437 a PASSporT whose alg is not ES256', () => {
    assert.equal(refusal(handMade({ ...HEAD, alg: 'ES384' }, claims())).status, 437);
  });

  describe('a minimum attestation (SIP_STIR_MIN_ATTEST)', () => {
    const at = (minimum: Attestation | null) => new IdentityVerifier(new Map([[X5U, publicKey]]), () => NOW, minimum);
    const signed = (attest: Attestation) => signer.identityHeader(claims({ attest }));
    const call = (v: IdentityVerifier, headers: string[]) => v.verifyCall(headers, '+862161234567', '+8613800138000') as { ok: boolean; status?: number; code?: string; reason?: string; attest?: string };

    it('refuses 403 IDENTITY_ATTESTATION_TOO_LOW a call attested C when B is the minimum, and accepts B and A', () => {
      const r = call(at('B'), [signed('C')]);
      assert.deepEqual([r.ok, r.status, r.code, r.reason], [false, 403, 'IDENTITY_ATTESTATION_TOO_LOW', 'Forbidden (attestation C is below the required B)']);
      assert.deepEqual(call(at('B'), [signed('B')]), { ok: true, attest: 'B' });
      assert.deepEqual(call(at('B'), [signed('A')]), { ok: true, attest: 'A' });
    });

    it('with minimum A, only A passes', () => {
      assert.equal(call(at('A'), [signed('B')]).code, 'IDENTITY_ATTESTATION_TOO_LOW');
      assert.equal(call(at('A'), [signed('A')]).ok, true);
    });

    it('refuses 428 Use Identity Header a call with no Identity at all when a minimum is set (RFC 8224 §6.2.2); without a minimum such a call passes', () => {
      assert.deepEqual(call(at('C'), []), { ok: false, status: 428, code: 'IDENTITY_MISSING', reason: 'Use Identity Header (attestation C or better is required)' });
      assert.deepEqual(call(at(null), []), { ok: true, attest: null });
    });

    it('a PASSporT that does not verify is refused for that, whatever its attestation', () => {
      const noOrigid = handMade(HEAD, claims({ origid: undefined }));
      assert.equal(call(at('C'), [noOrigid]).code, 'IDENTITY_INVALID');
      assert.equal(call(at('C'), [signed('A'), noOrigid]).code, 'IDENTITY_INVALID');
    });

    it('is read from SIP_STIR_MIN_ATTEST, which must be A, B or C and needs SIP_STIR_VERIFY=reject', () => {
      const trust = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-trust-')), 'trust.json');
      fs.writeFileSync(trust, JSON.stringify({ [X5U]: publicKey.export({ type: 'spki', format: 'pem' }) }));
      const load = (env: Record<string, string>) => loadSipConfig({ SIP_LISTEN: 'udp:127.0.0.1:5060', SIP_TRUNK: 'sip:127.0.0.1:5070', ...env }, (m) => {
        throw new Error(m);
      })!;
      assert.deepEqual(load({ SIP_STIR_VERIFY: 'reject', SIP_STIR_TRUST_FILE: trust, SIP_STIR_MIN_ATTEST: 'B' }).verifyIdentity, { trustFile: trust, minimumAttestation: 'B' });
      assert.equal(load({ SIP_STIR_VERIFY: 'reject', SIP_STIR_TRUST_FILE: trust }).verifyIdentity!.minimumAttestation, null);
      assert.throws(() => load({ SIP_STIR_VERIFY: 'reject', SIP_STIR_TRUST_FILE: trust, SIP_STIR_MIN_ATTEST: 'D' }), /SIP_STIR_MIN_ATTEST must be one of A, B, C/);
      assert.throws(() => load({ SIP_STIR_MIN_ATTEST: 'B' }), /SIP_STIR_MIN_ATTEST needs SIP_STIR_VERIFY=reject/);
    });
  });

  it('reads trusted certificates or public keys from the provisioned file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-trust-')), 'trust.json');
    fs.writeFileSync(file, JSON.stringify({ [X5U]: publicKey.export({ type: 'spki', format: 'pem' }) }));
    assert.ok(loadTrustedKeys(file).get(X5U)?.equals(publicKey));
  });
});

describe('SIP proxy signing calls with STIR/SHAKEN, through real sipp', () => {
  let g: SipGateway;
  before(async () => {
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-stir-')), 'sti.key');
    fs.writeFileSync(keyFile, PEM, { mode: 0o600 });
    g = await startSipGateway('sqlite', { env: { SIP_STIR_KEY_FILE: keyFile, SIP_STIR_X5U: X5U } });
  });
  after(async () => g?.close());

  it('the trunk receives an Identity header with a verifiable attest A PASSporT, and the attestation is recorded beside the decision', async () => {
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-call.xml', trunk: 'trunk-answer.xml' });
    assert.equal(dialer.code, 0, describeRun(dialer));
    const identity = /^Identity: ([\w-]+\.[\w-]+\.[\w-]+);info=<([^>]+)>;alg=ES256;ppt=shaken\r?$/m.exec(trunk!.messages);
    assert.ok(identity, 'the forwarded INVITE carries an Identity header');
    const claims = jwt.verify(identity[1], publicKey.export({ type: 'spki', format: 'pem' }), { algorithms: ['ES256'], ignoreExpiration: true }) as Record<string, any>;
    assert.deepEqual([claims.attest, claims.orig.tn, claims.dest.tn], ['A', g.world.caller.slice(1), [CALLEE.slice(1)]]);
    // Recorded with the decision, not after: no flush or wait precedes these reads.
    const row = await g.gw.gate.db('call_attestations').first();
    const decision = await g.gw.gate.db('decisions').where({ id: row.decision_id }).first();
    assert.equal(Boolean(decision.allow), true);
    assert.deepEqual([row.attest, row.origid], ['A', claims.origid]);
    const event = await g.gw.gate.db('audit_events').where({ type: 'call.attested', subject_id: row.decision_id }).first();
    assert.ok(event, 'the attestation is on the audit trail');
    assert.equal(JSON.parse(event.payload).attestation.origid, claims.origid);
  });

  it('an allowed call whose signature cannot be made is recorded as denied GATEWAY_UNAVAILABLE, with no call attempt counted', async () => {
    const call = { tenantId: g.world.tenantId, campaignId: g.world.campaignId, callee: CALLEE, caller: g.world.caller };
    const record = await g.gw.gate.decisions.decide(call, () => {
      throw new Error('signing key unavailable');
    });
    assert.equal(record.allow, false);
    assert.deepEqual(record.reasons.map((r) => r.code), ['GATEWAY_UNAVAILABLE']);
    const stored = await g.gw.gate.db('decisions').where({ id: record.id }).first();
    assert.equal(Boolean(stored.allow), false);
    assert.equal(await g.gw.gate.db('call_attempts').where({ decision_id: record.id }).first(), undefined);
    const event = await g.gw.gate.db('audit_events').where({ type: 'decision', subject_id: record.id }).first();
    assert.equal(JSON.parse(event.payload).decision.allow, false);
  });
});

describe('SIP proxy verifying incoming Identity headers, through real sipp', () => {
  let g: SipGateway;
  before(async () => {
    const trust = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-trust-')), 'trust.json');
    fs.writeFileSync(trust, JSON.stringify({ [X5U]: publicKey.export({ type: 'spki', format: 'pem' }) }));
    g = await startSipGateway('sqlite', { env: { SIP_STIR_VERIFY: 'reject', SIP_STIR_TRUST_FILE: trust } });
  });
  after(async () => g?.close());

  it('a forged Identity header is refused 438 with IDENTITY_INVALID and the trunk receives nothing', async () => {
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = new PassportSigner(other, X5U).identityHeader({ attest: 'A', dest: { tn: [CALLEE.slice(1)] }, iat: Math.floor(Date.now() / 1000), orig: { tn: g.world.caller.slice(1) }, origid: crypto.randomUUID() });
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '438', extra: `Identity: ${forged}` }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: IDENTITY_INVALID/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
  });
});

describe('SIP proxy requiring attestation B or better (SIP_STIR_MIN_ATTEST=B), through real sipp', () => {
  let g: SipGateway;
  before(async () => {
    const trust = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-trust-')), 'trust.json');
    fs.writeFileSync(trust, JSON.stringify({ [X5U]: publicKey.export({ type: 'spki', format: 'pem' }) }));
    g = await startSipGateway('sqlite', { env: { SIP_STIR_VERIFY: 'reject', SIP_STIR_TRUST_FILE: trust, SIP_STIR_MIN_ATTEST: 'B' } });
  });
  after(async () => g?.close());

  it('a validly signed call attested C is refused 403 IDENTITY_ATTESTATION_TOO_LOW and the trunk receives nothing', async () => {
    const identity = new PassportSigner(PEM, X5U).identityHeader({ attest: 'C', dest: { tn: [CALLEE.slice(1)] }, iat: Math.floor(Date.now() / 1000), orig: { tn: g.world.caller.slice(1) }, origid: crypto.randomUUID() });
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '403', extra: `Identity: ${identity}` }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: IDENTITY_ATTESTATION_TOO_LOW/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
  });

  it('a call without any Identity header is refused 428 IDENTITY_MISSING', async () => {
    const { dialer, trunk } = await placeCalls(g, { transport: 'u1', dialer: 'dialer-refused.xml', trunk: 'trunk-answer.xml', fill: { expect: '428' }, trunkWaitMs: 300 });
    assert.equal(dialer.code, 0, describeRun(dialer));
    assert.match(dialer.logs, /X-Callgate-Reasons: IDENTITY_MISSING/);
    assert.doesNotMatch(trunk!.messages, /INVITE/);
  });
});
