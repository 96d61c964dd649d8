import os from 'node:os';
import path from 'node:path';
import cron from 'node-cron';
import { loadDoorsConfig, type DoorsConfig } from './auth/config';
import { loadSipConfig, type SipConfig } from './sip/config';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Folder of policy packs (one sub-folder per pack); the shipped policies/ by default. */
  policyDir: string | null;
  /** Unset: the embedded SQLite file under dataDir. */
  databaseUrl: string | null;
  /** Unset: a random secret generated once and kept in dataDir. */
  jwtSecret: string | null;
  logLevel: string;
  instanceId: string;
  /** Most decisions committed in one database transaction (group commit). */
  decisionBatchMax: number;
  /** JSON file of do-not-call registries to refresh on a schedule; unset: none. */
  registrySources: string | null;
  audit: AuditConfig;
  /** The SIP proxy's settings; null when SIP_LISTEN is unset. */
  sip: SipConfig | null;
  /** Token lifetimes, sign-in throttling, request rates and evidence sizes (see README, "The doors"). */
  doors: DoorsConfig;
  /** Where abuse alerts are POSTed, signed with the secret; empty: none. */
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  urls: string[];
  secret: string | null;
}

/** The tamper-evident trail (see README, "The audit trail"). */
export interface AuditConfig {
  /** PEM Ed25519 private key signing seals and export manifests; unset: generated in dataDir. */
  signingKeyFile: string | null;
  /** HMAC key for number tags and pseudonyms; unset: generated once and kept in the database. */
  pseudonymKey: string | null;
  /** Days after which event payloads are purged (hashes stay); 0 keeps them for ever. */
  retentionDays: number;
  /** node-cron schedule of chain sealing. */
  sealSchedule: string;
  /** An external signer instead of the key file: reads bytes on stdin, prints a base64 Ed25519 signature. */
  signerCommand: { command: string; publicKeyFile: string } | null;
  /** Further public keys the gateway trusts (fingerprints or PEM files): keys rotated out, other instances'. */
  trustedKeys: string[];
  /** The witnesses whose cosignatures the gateway accepts (fingerprints or PEM files). */
  witnessKeys: string[];
  /** Seconds between checkpoints of the whole trail; 0: none but on demand. */
  checkpointIntervalSeconds: number;
  /** The log's name in its checkpoints (their first line). */
  origin: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function databaseUrl(env: Env): string | null {
  const raw = env.DATABASE_URL;
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`DATABASE_URL is not a URL: "${raw}" (expected mysql://user:password@host:3306/database)`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new ConfigError(`DATABASE_URL must start with mysql:// or mariadb://, got "${url.protocol}//"`);
  }
  if (url.pathname.length < 2) throw new ConfigError('DATABASE_URL must name a database, as in mysql://user:pw@host:3306/callgate');
  return raw;
}

function jwtSecret(env: Env): string | null {
  const raw = env.JWT_SECRET;
  if (!raw) return null;
  if (raw.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters long');
  return raw;
}

const list = (raw: string | undefined): string[] => (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function signerCommand(env: Env): AuditConfig['signerCommand'] {
  const command = env.AUDIT_SIGNER_COMMAND;
  if (!command) return null;
  if (!env.AUDIT_SIGNER_PUBLIC_KEY) throw new ConfigError('AUDIT_SIGNER_COMMAND needs AUDIT_SIGNER_PUBLIC_KEY, the PEM file of the public key it signs with');
  return { command, publicKeyFile: path.resolve(env.AUDIT_SIGNER_PUBLIC_KEY) };
}

function logOrigin(env: Env): string {
  const origin = env.AUDIT_LOG_ORIGIN || 'callgate';
  // The first line of a checkpoint: printable, no spaces, as C2SP tlog-checkpoint recommends.
  if (!/^[\x21-\x7e]{1,200}$/.test(origin)) throw new ConfigError(`AUDIT_LOG_ORIGIN must be printable ASCII without spaces, got "${origin}"`);
  return origin;
}

function auditConfig(env: Env): AuditConfig {
  const pseudonymKey = env.AUDIT_PSEUDONYM_KEY || null;
  if (pseudonymKey && pseudonymKey.length < 32) throw new ConfigError('AUDIT_PSEUDONYM_KEY must be at least 32 characters long');
  const sealSchedule = env.AUDIT_SEAL_SCHEDULE || '*/30 * * * * *';
  if (!cron.validate(sealSchedule)) throw new ConfigError(`AUDIT_SEAL_SCHEDULE is not a cron expression: "${sealSchedule}"`);
  return {
    signingKeyFile: env.AUDIT_SIGNING_KEY_FILE ? path.resolve(env.AUDIT_SIGNING_KEY_FILE) : null,
    pseudonymKey,
    retentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 1095, 0, 36500),
    sealSchedule,
    signerCommand: signerCommand(env),
    trustedKeys: list(env.AUDIT_TRUSTED_KEYS),
    witnessKeys: list(env.AUDIT_WITNESS_KEYS),
    checkpointIntervalSeconds: integer(env, 'AUDIT_CHECKPOINT_INTERVAL', 10, 0, 86400),
    origin: logOrigin(env),
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    policyDir: env.POLICY_DIR ? path.resolve(env.POLICY_DIR) : null,
    databaseUrl: databaseUrl(env),
    jwtSecret: jwtSecret(env),
    logLevel,
    instanceId: env.INSTANCE_ID || `${os.hostname()}-${process.pid}`,
    decisionBatchMax: integer(env, 'DECISION_BATCH_MAX', 256, 1, 5000),
    registrySources: env.REGISTRY_SOURCES ? path.resolve(env.REGISTRY_SOURCES) : null,
    audit: auditConfig(env),
    sip: loadSipConfig(env, (message) => {
      throw new ConfigError(message);
    }),
    doors: loadDoorsConfig(env, integer),
    webhooks: webhookConfig(env),
  };
}

function webhookConfig(env: Env): WebhookConfig {
  const urls = (env.ABUSE_WEBHOOK_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`ABUSE_WEBHOOK_URLS: "${url}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError(`ABUSE_WEBHOOK_URLS: "${url}" must be http or https`);
  }
  const secret = env.ABUSE_WEBHOOK_SECRET || null;
  if (urls.length > 0 && (!secret || secret.length < 32)) throw new ConfigError('ABUSE_WEBHOOK_SECRET (at least 32 characters) is required with ABUSE_WEBHOOK_URLS: receivers check the signature');
  return { urls, secret };
}
