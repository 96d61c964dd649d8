import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseParams } from '../message/split';
import { canonicalTn } from './passport';

export type IdentityCheck = { ok: true } | { ok: false; status: number; code: string; reason: string };

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

/**
 * Verifies an incoming SHAKEN Identity header (RFC 8224 §6.2, RFC 8588): a trusted x5u, ES256, a
 * valid signature, a fresh iat, and orig/dest matching the call's presented and dialled numbers.
 */
export class IdentityVerifier {
  constructor(
    private readonly trusted: Map<string, crypto.KeyObject>,
    private readonly now: () => number = Date.now,
  ) {}

  verify(header: string, presented: string | null, callee: string): IdentityCheck {
    const semi = header.indexOf(';');
    const token = (semi >= 0 ? header.slice(0, semi) : header).trim();
    const params = parseParams(semi >= 0 ? header.slice(semi) : '');
    const parts = token.split('.');
    if (parts.length !== 3) return fail(438, 'IDENTITY_INVALID', 'Invalid Identity Header (not a full-form PASSporT)');
    const [h, p, s] = parts;
    const head = decodeJson(h);
    const claims = decodeJson(p);
    if (!head || !claims) return fail(438, 'IDENTITY_INVALID', 'Invalid Identity Header (undecodable PASSporT)');
    if (head.alg !== 'ES256' || (params.get('alg') ?? 'ES256') !== 'ES256') return fail(437, 'IDENTITY_UNSUPPORTED', 'Unsupported Credential (alg must be ES256)');
    const info = params.get('info')?.replace(/^<|>$/g, '');
    if (head.ppt !== 'shaken' || !head.x5u || (info !== undefined && info !== head.x5u)) return fail(438, 'IDENTITY_INVALID', 'Invalid Identity Header (ppt or x5u)');
    const key = this.trusted.get(head.x5u);
    if (!key) return fail(436, 'IDENTITY_UNTRUSTED', 'Bad Identity Info (certificate not trusted)');
    const signature = Buffer.from(s, 'base64url');
    if (!crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature)) return fail(438, 'IDENTITY_INVALID', 'Invalid Identity Header (signature)');
    if (typeof claims.iat !== 'number' || Math.abs(this.now() / 1000 - claims.iat) > MAX_AGE_SECONDS) return fail(403, 'IDENTITY_STALE', 'Stale Date');
    if (!presented || claims.orig?.tn !== canonicalTn(presented)) return fail(438, 'IDENTITY_INVALID', 'Invalid Identity Header (orig does not match the presented number)');
    if (!Array.isArray(claims.dest?.tn) || !claims.dest.tn.includes(canonicalTn(callee))) return fail(438, 'IDENTITY_INVALID', 'Invalid Identity Header (dest does not match the callee)');
    return { ok: true };
  }
}
