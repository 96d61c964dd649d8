import crypto from 'node:crypto';

/** RFC 8760: SHA-256 is offered first; MD5 (RFC 3261 §22.4) only for dialers that know nothing else. */
export const ALGORITHMS = ['SHA-256', 'MD5'] as const;
export type DigestAlgorithm = (typeof ALGORITHMS)[number];

const HASH: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };

export const digestHash = (algorithm: DigestAlgorithm, text: string): string => crypto.createHash(HASH[algorithm]).update(text, 'utf8').digest('hex');

/** HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2): what is stored instead of the password. */
export const ha1 = (algorithm: DigestAlgorithm, username: string, realm: string, password: string): string => digestHash(algorithm, `${username}:${realm}:${password}`);

/** The parameters of a Digest credentials or challenge value, unquoted; null when not Digest. */
export function parseDigest(value: string): Map<string, string> | null {
  const m = /^\s*Digest\s+/i.exec(value);
  if (!m) return null;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/g;
  const rest = value.slice(m[0].length);
  let found: RegExpExecArray | null;
  while ((found = re.exec(rest)) !== null) {
    params.set(found[1].toLowerCase(), found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3]);
  }
  return params;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop: string | null;
  nc: string | null;
  cnonce: string | null;
}

/** The algorithm named in credentials; RFC 3261 §22.4: absent means MD5. */
function algorithmOf(raw: string | undefined): DigestAlgorithm | null {
  if (raw === undefined) return 'MD5';
  return ALGORITHMS.find((a) => a.toLowerCase() === raw.toLowerCase()) ?? null;
}

/** The Digest credentials for our realm among the Proxy-Authorization values, if any. */
export function credentialsFor(values: string[], realm: string): DigestCredentials | null {
  for (const value of values) {
    const p = parseDigest(value);
    if (!p || p.get('realm') !== realm) continue;
    const algorithm = algorithmOf(p.get('algorithm'));
    const [username, nonce, uri, response] = [p.get('username'), p.get('nonce'), p.get('uri'), p.get('response')];
    if (!algorithm || !username || !nonce || !uri || !response) continue;
    return { username, realm, nonce, uri, response: response.toLowerCase(), algorithm, qop: p.get('qop') ?? null, nc: p.get('nc') ?? null, cnonce: p.get('cnonce') ?? null };
  }
  return null;
}

/** response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri)) with qop=auth (RFC 7616 §3.4.1). */
export function expectedResponse(c: DigestCredentials, storedHa1: string, method: string): string {
  const ha2 = digestHash(c.algorithm, `${method}:${c.uri}`);
  return digestHash(c.algorithm, `${storedHa1}:${c.nonce}:${c.nc}:${c.cnonce}:${c.qop}:${ha2}`);
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The Proxy-Authenticate values of a 407, most preferred algorithm first (RFC 8760 §2.4). */
export function challenges(realm: string, nonce: string, stale: boolean, algorithms: readonly DigestAlgorithm[] = ALGORITHMS): [string, string][] {
  return algorithms.map((algorithm) => ['Proxy-Authenticate', `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=${algorithm}${stale ? ', stale=true' : ''}`]);
}
