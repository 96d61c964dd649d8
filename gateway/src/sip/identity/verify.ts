import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseParams } from '../message/split';
import { canonicalTn, type Attestation } from './passport';

export type IdentityCheck = { ok: true; attest: Attestation | null } | { ok: false; status: number; code: string; reason: string };

/** RFC 8224 §6.2.1: a PASSporT older than this is stale. */
const MAX_AGE_SECONDS = 60;

/**
 * Keys of the certificates we trust, by their x5u URL, from a provisioned file
 * (`{"https://…/sti.pem": "-----BEGIN CERTIFICATE-----…"}`): callgate does not fetch certificates
 * while a call waits.
 */
export function loadTrustedKeys(file: string): Map<string, crypto.KeyObject> {
  const entries = Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>);
  return new Map(entries.map(([url, pem]) => [url, pem.includes('BEGIN CERTIFICATE') ? new crypto.X509Certificate(pem).publicKey : crypto.createPublicKey(pem)]));
}

const fail = (status: number, code: string, reason: string): IdentityCheck => ({ ok: false, status, code, reason });

function decodeJson(part: string): Record<string, any> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

const ATTESTATIONS: readonly Attestation[] = ['A', 'B', 'C'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isTn = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

const invalid = (what: string): IdentityCheck => fail(438, 'IDENTITY_INVALID', `Invalid Identity Header (${what})`);

/** RFC 8225 §4 and RFC 8588 §3: the protected header of a SHAKEN PASSporT; null when it is one. */
function headerProblem(head: Record<string, any>, params: Map<string, string | null>): IdentityCheck | null {
  if (head.alg !== 'ES256' || (params.get('alg') ?? 'ES256') !== 'ES256') return fail(437, 'IDENTITY_UNSUPPORTED', 'Unsupported Credential (alg must be ES256)');
  if (head.typ !== 'passport') return invalid('typ must be passport');
  if (head.ppt !== 'shaken' || (params.get('ppt') ?? 'shaken') !== 'shaken') return invalid('ppt must be shaken');
  if (typeof head.x5u !== 'string' || head.x5u.length === 0) return invalid('x5u missing');
  const info = params.get('info')?.replace(/^<|>$/g, '');
  if (info !== undefined && info !== head.x5u) return invalid('info does not name the x5u');
  return null;
}

/** RFC 8225 §5 and RFC 8588 §4: the claims every SHAKEN PASSporT MUST carry; null when all are there. */
function claimsProblem(claims: Record<string, any>): IdentityCheck | null {
  if (!ATTESTATIONS.includes(claims.attest)) return invalid('attest must be A, B or C');
  if (typeof claims.origid !== 'string' || !UUID.test(claims.origid)) return invalid('origid must be a UUID');
  if (!isTn(claims.orig?.tn)) return invalid('orig must carry a tn');
  if (!Array.isArray(claims.dest?.tn) || claims.dest.tn.length === 0 || !claims.dest.tn.every(isTn)) return invalid('dest must carry a tn array');
  if (!Number.isInteger(claims.iat)) return invalid('iat must be a NumericDate');
  return null;
}

function signatureValid(key: crypto.KeyObject, signingInput: string, signature: string): boolean {
  try {
    return crypto.verify('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/** A before B before C: the rank of an attestation, lower is stronger. */
const rank = (a: Attestation) => ATTESTATIONS.indexOf(a);

/**
 * Verifies an incoming SHAKEN Identity header (RFC 8224 §6.2, RFC 8588): a trusted x5u, ES256, a
 * valid signature, every claim SHAKEN requires, a fresh iat, and orig/dest matching the call's
 * presented and dialled numbers. With a minimum attestation, a call must carry a verified
 * PASSporT attesting at least that much.
 */
export class IdentityVerifier {
  constructor(
    private readonly trusted: Map<string, crypto.KeyObject>,
    private readonly now: () => number = Date.now,
    private readonly minimum: Attestation | null = null,
  ) {}

  /** Every Identity header of a call must verify (RFC 8224 §6.2); then the minimum attestation applies. */
  verifyCall(headers: string[], presented: string | null, callee: string): IdentityCheck {
    let best: Attestation | null = null;
    for (const header of headers) {
      const check = this.verify(header, presented, callee);
      if (!check.ok) return check;
      if (check.attest && (best === null || rank(check.attest) < rank(best))) best = check.attest;
    }
    if (this.minimum === null) return { ok: true, attest: best };
    // RFC 8224 §6.2.2: 428 Use Identity Header when a verifier requires one and none came.
    if (best === null) return fail(428, 'IDENTITY_MISSING', `Use Identity Header (attestation ${this.minimum} or better is required)`);
    if (rank(best) > rank(this.minimum)) return fail(403, 'IDENTITY_ATTESTATION_TOO_LOW', `Forbidden (attestation ${best} is below the required ${this.minimum})`);
    return { ok: true, attest: best };
  }

  verify(header: string, presented: string | null, callee: string): IdentityCheck {
    const semi = header.indexOf(';');
    const token = (semi >= 0 ? header.slice(0, semi) : header).trim();
    const params = parseParams(semi >= 0 ? header.slice(semi) : '');
    const parts = token.split('.');
    if (parts.length !== 3) return invalid('not a full-form PASSporT');
    const [h, p, s] = parts;
    const head = decodeJson(h);
    const claims = decodeJson(p);
    if (!head || !claims) return invalid('undecodable PASSporT');
    const problem = headerProblem(head, params) ?? claimsProblem(claims);
    if (problem) return problem;
    const key = this.trusted.get(head.x5u);
    if (!key) return fail(436, 'IDENTITY_UNTRUSTED', 'Bad Identity Info (certificate not trusted)');
    if (!signatureValid(key, `${h}.${p}`, s)) return invalid('signature');
    if (Math.abs(this.now() / 1000 - claims.iat) > MAX_AGE_SECONDS) return fail(403, 'IDENTITY_STALE', 'Stale Date');
    if (!presented || claims.orig.tn !== canonicalTn(presented)) return invalid('orig does not match the presented number');
    if (!claims.dest.tn.includes(canonicalTn(callee))) return invalid('dest does not match the callee');
    return { ok: true, attest: claims.attest };
  }
}
