import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../storage/db';
import { ensurePrivateDir } from '../storage/private-files';

/**
 * What signs checkpoints, seals and export manifests: an Ed25519 key the database never holds.
 * Verifiers trust a key only because its fingerprint is pinned (see trust.ts), never because the
 * database or an export carries it; the public halves kept in audit_keys are a directory only.
 */
export interface AuditSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  /** Base64 Ed25519 signature of the bytes (text is signed as UTF-8). */
  sign(bytes: string | Buffer): string;
  /** Lists the public key in the database's directory of candidate keys. */
  register(db: Db): Promise<void>;
}

const toBuffer = (bytes: string | Buffer): Buffer => (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);

async function registerKey(db: Db, keyId: string, publicKeyPem: string): Promise<void> {
  await db('audit_keys').insert({ key_id: keyId, public_key: publicKeyPem, created_at: Date.now() }).onConflict('key_id').ignore();
}

/**
 * A PEM (PKCS#8) private key in a file outside the database: AUDIT_SIGNING_KEY_FILE, or generated
 * on first start in DATA_DIR (mode 0600). Instances should share one key.
 */
export class FileSigner implements AuditSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;

  constructor(private readonly privateKey: crypto.KeyObject) {
    const publicKey = crypto.createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  sign(bytes: string | Buffer): string {
    return crypto.sign(null, toBuffer(bytes), this.privateKey).toString('base64');
  }

  register(db: Db): Promise<void> {
    return registerKey(db, this.keyId, this.publicKeyPem);
  }
}

/**
 * An external signer (an HSM's or a KMS's client, ssh-agent behind a script …): AUDIT_SIGNER_COMMAND
 * reads the bytes to sign on standard input and prints their base64 Ed25519 signature;
 * AUDIT_SIGNER_PUBLIC_KEY is its public key (PEM). Every signature is checked before it is used,
 * so a broken signer fails the checkpoint instead of publishing a signature nobody can verify.
 */
export class CommandSigner implements AuditSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;

  constructor(
    private readonly command: string,
    publicKeyPem: string,
  ) {
    const publicKey = crypto.createPublicKey(publicKeyPem);
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_SIGNER_PUBLIC_KEY must be an Ed25519 public key');
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  sign(bytes: string | Buffer): string {
    const input = toBuffer(bytes);
    const run = spawnSync(this.command, { shell: true, input, encoding: 'utf8', timeout: 10_000 });
    if (run.status !== 0) throw new Error(`AUDIT_SIGNER_COMMAND failed (exit ${run.status}): ${(run.stderr ?? '').trim().slice(0, 200)}`);
    const signature = run.stdout.trim();
    if (!verifySignature(this.publicKeyPem, input, signature)) throw new Error('AUDIT_SIGNER_COMMAND printed no valid Ed25519 signature for AUDIT_SIGNER_PUBLIC_KEY');
    return signature;
  }

  register(db: Db): Promise<void> {
    return registerKey(db, this.keyId, this.publicKeyPem);
  }
}

/** The first 32 hex digits of SHA-256 over the public key's DER: `openssl pkey -pubin -outform DER | sha256sum`. */
export function keyIdOf(publicKey: crypto.KeyObject): string {
  return crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function loadPrivateKey(file: string): crypto.KeyObject {
  const key = crypto.createPrivateKey(fs.readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the audit signing key in ${file} must be an Ed25519 key`);
  return key;
}

export function loadSigner(configuredFile: string | null, dataDir: string, command?: { command: string; publicKeyFile: string } | null): AuditSigner {
  if (command) {
    if (!fs.existsSync(command.publicKeyFile)) throw new Error(`AUDIT_SIGNER_PUBLIC_KEY ${command.publicKeyFile} does not exist`);
    return new CommandSigner(command.command, fs.readFileSync(command.publicKeyFile, 'utf8'));
  }
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
  return new FileSigner(loadPrivateKey(file));
}

export function verifySignature(publicKeyPem: string, bytes: string | Buffer, signatureBase64: string): boolean {
  try {
    return crypto.verify(null, toBuffer(bytes), crypto.createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
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
