import crypto from 'node:crypto';

export type Attestation = 'A' | 'B' | 'C';

export interface ShakenClaims {
  attest: Attestation;
  dest: { tn: string[] };
  iat: number;
  orig: { tn: string };
  origid: string;
}

/** RFC 8225 §9: JSON with keys in lexicographic order and no whitespace, recursively. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** RFC 8224 §8.3: a telephone number in a PASSporT is its digits with the country code, no +. */
export const canonicalTn = (e164: string) => e164.replace(/[^0-9]/g, '');

/**
 * Signs SHAKEN PASSporTs (RFC 8225, RFC 8588) with ES256 through node:crypto: a JOSE library
 * cannot put the header keys in the canonical order (alg, ppt, typ, x5u) that RFC 8225 asks for.
 */
export class PassportSigner {
  private readonly key: crypto.KeyObject;
  private readonly encodedHeader: string;

  constructor(
    privateKeyPem: string,
    readonly x5u: string,
  ) {
    this.key = crypto.createPrivateKey(privateKeyPem);
    if (this.key.asymmetricKeyType !== 'ec' || this.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('the STIR/SHAKEN key must be an EC P-256 private key (ES256)');
    }
    this.encodedHeader = b64url(canonicalJson({ alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u }));
  }

  sign(claims: ShakenClaims): string {
    const signingInput = `${this.encodedHeader}.${b64url(canonicalJson(claims))}`;
    const signature = crypto.sign('sha256', Buffer.from(signingInput), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** The RFC 8224 Identity header value for a call. */
  identityHeader(claims: ShakenClaims): string {
    return `${this.sign(claims)};info=<${this.x5u}>;alg=ES256;ppt=shaken`;
  }
}
