import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../storage/db';
import { ensurePrivateDir } from '../storage/private-files';

/**
 * The Ed25519 key that signs seals and export manifests. AUDIT_SIGNING_KEY_FILE names a PEM
 * (PKCS#8) private key; unset, one is generated on first start and kept in DATA_DIR
 * (mode 0600). Instances should share one key; each key's public half is also kept in the
 * database so that seals made by any instance can be checked.
 */
export class AuditSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;

  constructor(private readonly privateKey: crypto.KeyObject) {
    const publicKey = crypto.createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  sign(bytes: string): string {
    return crypto.sign(null, Buffer.from(bytes, 'utf8'), this.privateKey).toString('base64');
  }

  /** Publishes the public key to the database so that any instance can check this key's seals. */
  async register(db: Db): Promise<void> {
    await db('audit_keys').insert({ key_id: this.keyId, public_key: this.publicKeyPem, created_at: Date.now() }).onConflict('key_id').ignore();
  }
}

/** The first 32 hex digits of SHA-256 over the public key's DER: `openssl pkey -pubin -outform DER | sha256sum`. */
export function keyIdOf(publicKey: crypto.KeyObject): string {
  return crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function loadSigner(configuredFile: string | null, dataDir: string): AuditSigner {
  const file = configuredFile ?? path.join(dataDir, 'audit-signing-key.pem');
  if (!fs.existsSync(file)) {
    if (configuredFile) throw new Error(`AUDIT_SIGNING_KEY_FILE ${configuredFile} does not exist`);
    ensurePrivateDir(dataDir);
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    try {
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process wrote it first
    }
  }
  const key = crypto.createPrivateKey(fs.readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the audit signing key in ${file} must be an Ed25519 key`);
  return new AuditSigner(key);
}

export function verifySignature(publicKeyPem: string, bytes: string, signatureBase64: string): boolean {
  try {
    return crypto.verify(null, Buffer.from(bytes, 'utf8'), crypto.createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The key of the HMAC that turns a phone number into a tag (chained) or a pseudonym (exports).
 * AUDIT_PSEUDONYM_KEY when set; otherwise generated once and kept in the database, so every
 * instance tags a number alike. It is not a secret from the database's own administrators, who
 * see the numbers in clear anyway; it keeps numbers out of what auditors take away.
 */
export async function loadPseudonymKey(db: Db, configured: string | null): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const existing = await db('audit_settings').where({ k: 'pseudonym-key' }).first();
  if (existing) return Buffer.from(existing.v, 'base64');
  await db('audit_settings').insert({ k: 'pseudonym-key', v: crypto.randomBytes(32).toString('base64') }).onConflict('k').ignore();
  const row = await db('audit_settings').where({ k: 'pseudonym-key' }).first();
  return Buffer.from(row.v, 'base64');
}

export class Pseudonymiser {
  private readonly key: crypto.KeyObject;
  /** Numbers recur (a callee is decided many times): remembering tags spares an HMAC per record. */
  private readonly tags = new Map<string, string>();

  constructor(key: Buffer) {
    this.key = crypto.createSecretKey(key);
  }

  /** 128 bits of HMAC-SHA256(key, number), hex. */
  tag(number: string): string {
    let tag = this.tags.get(number);
    if (tag === undefined) {
      tag = crypto.createHmac('sha256', this.key).update(number).digest('hex').slice(0, 32);
      if (this.tags.size >= 100_000) this.tags.clear();
      this.tags.set(number, tag);
    }
    return tag;
  }

  /** Every E.164 number in a text replaced by its pseudonym. */
  text(text: string): string {
    return text.replace(/(?:\+|%2B)([1-9][0-9]{6,14})/gi, (_m, digits: string) => `pn_${this.tag(`+${digits}`)}`);
  }
}
