import crypto from 'node:crypto';
import fs from 'node:fs';
import { keyIdOf } from './keys';

const FINGERPRINT = /^[0-9a-f]{32}([0-9a-f]{32})?$/;

/** A public key (PEM) from a public or private PEM, or null when the text is neither. */
function publicPem(text: string): string | null {
  try {
    const key = text.includes('PRIVATE KEY') ? crypto.createPublicKey(crypto.createPrivateKey(text)) : crypto.createPublicKey(text);
    if (key.asymmetricKeyType !== 'ed25519') return null;
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return null;
  }
}

export class TrustError extends Error {}

/**
 * The keys a verifier trusts, pinned by their fingerprints (the key id: the first 32 hex digits of
 * SHA-256 over the key's DER). A key is trusted because its owner pinned it, never because the
 * database or an export carries it: candidates from there are accepted only when their
 * fingerprint is pinned, and the fingerprint is recomputed from the key itself.
 */
export class TrustedKeys {
  private readonly pems = new Map<string, string | null>();

  /** Each spec: a fingerprint (32 or 64 hex digits) or the path of a PEM file (public or private key). */
  static parse(specs: string[]): TrustedKeys {
    const trust = new TrustedKeys();
    for (const raw of specs) {
      const spec = raw.trim();
      if (spec === '') continue;
      if (FINGERPRINT.test(spec.toLowerCase())) {
        trust.pin(spec.toLowerCase().slice(0, 32));
        continue;
      }
      if (!fs.existsSync(spec)) throw new TrustError(`"${spec}" is neither a key fingerprint (32 or 64 hex digits) nor a PEM file`);
      const pem = publicPem(fs.readFileSync(spec, 'utf8'));
      if (!pem) throw new TrustError(`${spec} holds no Ed25519 key`);
      trust.pinKey(pem);
    }
    return trust;
  }

  pin(fingerprint: string): void {
    if (!this.pems.has(fingerprint)) this.pems.set(fingerprint, null);
  }

  pinKey(pem: string): string {
    const keyId = keyIdOf(crypto.createPublicKey(pem));
    this.pems.set(keyId, pem);
    return keyId;
  }

  /** Offers keys found elsewhere (the database's directory, an export, a checkpoint): kept only if pinned. */
  offer(pems: Iterable<string>): void {
    for (const candidate of pems) {
      const pem = publicPem(candidate);
      if (!pem) continue;
      const keyId = keyIdOf(crypto.createPublicKey(pem));
      if (this.pems.has(keyId) && this.pems.get(keyId) === null) this.pems.set(keyId, pem);
    }
  }

  clone(): TrustedKeys {
    const copy = new TrustedKeys();
    for (const [k, v] of this.pems) copy.pems.set(k, v);
    return copy;
  }

  has(keyId: string): boolean {
    return this.pems.has(keyId);
  }

  get size(): number {
    return this.pems.size;
  }

  /** The pinned keys whose PEM is known: what signatures are checked against. */
  keys(): Map<string, string> {
    return new Map([...this.pems].filter((e): e is [string, string] => e[1] !== null));
  }

  fingerprints(): string[] {
    return [...this.pems.keys()];
  }
}

/** The public keys listed in the database's directory (audit_keys): candidates, not trust. */
export async function keyDirectory(db: { (table: string): any }): Promise<string[]> {
  return (await db('audit_keys').select('public_key')).map((r: { public_key: string }) => r.public_key);
}
