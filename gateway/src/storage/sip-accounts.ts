import crypto from 'node:crypto';
import { AppError } from '../errors';
import { ha1 } from '../sip/auth/digest';
import type { Db } from './db';
import { getCampaign, getTenant } from './entities';
import { newId } from './ids';
import { normaliseSource } from './sip-dialers';

/** A dialer account as shown: never its password nor its hashes. */
export interface SipAccount {
  id: string;
  tenantId: string;
  username: string;
  realm: string;
  defaultCampaignId: string | null;
  /** When set, the account's calls must also come from one of these networks (a second factor). */
  sources: string[] | null;
  /** SHA-256 fingerprint (hex) of a TLS client certificate that authenticates as this account. */
  certFingerprint: string | null;
  /** Or the common name of a client certificate issued by the configured client CA. */
  certSubject: string | null;
  description: string | null;
  createdBy: string;
  createdAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
}

/** What the digest check needs: the account and its HA1 per algorithm. */
export interface SipAccountSecret extends SipAccount {
  ha1: { MD5: string; 'SHA-256': string };
}

export interface SipAccountInput {
  tenantId: string;
  username: string;
  realm: string;
  defaultCampaignId?: string | null;
  sources?: string[] | null;
  certFingerprint?: string | null;
  certSubject?: string | null;
  description?: string | null;
}

const toAccount = (r: Record<string, any>): SipAccountSecret => ({
  id: r.id,
  tenantId: r.tenant_id,
  username: r.username,
  realm: r.realm,
  defaultCampaignId: r.default_campaign_id,
  sources: r.sources ? (JSON.parse(r.sources) as string[]) : null,
  certFingerprint: r.cert_fingerprint,
  certSubject: r.cert_subject,
  description: r.description,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  rotatedAt: r.rotated_at === null ? null : Number(r.rotated_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  ha1: { MD5: r.ha1_md5, 'SHA-256': r.ha1_sha256 },
});

export const publicAccount = ({ ha1: _secret, ...account }: SipAccountSecret): SipAccount => account;

/** 24 random bytes: a password no dictionary holds, shown once. */
const newPassword = () => crypto.randomBytes(24).toString('base64url');

const hashes = (username: string, realm: string, password: string) => ({ ha1_md5: ha1('MD5', username, realm, password), ha1_sha256: ha1('SHA-256', username, realm, password) });

/** `AB:CD:…` or `abcd…`, as openssl and browsers print it, to 64 lowercase hex digits. */
export function normaliseFingerprint(raw: string): string {
  const hex = raw.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new AppError('INVALID_SIP_ACCOUNT', `"${raw}" is no SHA-256 certificate fingerprint`);
  return hex;
}

function validUsername(username: string): string {
  // The user name is quoted in the Digest header: no quotes, backslashes or control characters.
  if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(username)) throw new AppError('INVALID_SIP_ACCOUNT', 'The user name may hold letters, digits and . _ @ + - (at most 64)');
  return username;
}

export async function createSipAccount(db: Db, input: SipAccountInput, by: string): Promise<{ account: SipAccount; password: string }> {
  const username = validUsername(input.username);
  await getTenant(db, input.tenantId);
  if (input.defaultCampaignId) await getCampaign(db, input.defaultCampaignId, input.tenantId);
  const sources = input.sources?.length ? input.sources.map(normaliseSource) : null;
  const fingerprint = input.certFingerprint ? normaliseFingerprint(input.certFingerprint) : null;
  if (await db('sip_accounts').where({ username }).first()) throw new AppError('SIP_ACCOUNT_EXISTS', `A SIP account ${username} exists`);
  if (fingerprint && (await db('sip_accounts').where({ cert_fingerprint: fingerprint }).first())) throw new AppError('SIP_ACCOUNT_EXISTS', 'This certificate is bound to another account');
  const password = newPassword();
  const row = {
    id: newId('sipa'),
    tenant_id: input.tenantId,
    username,
    realm: input.realm,
    ...hashes(username, input.realm, password),
    default_campaign_id: input.defaultCampaignId ?? null,
    sources: sources ? JSON.stringify(sources) : null,
    cert_fingerprint: fingerprint,
    cert_subject: input.certSubject?.trim() || null,
    description: input.description ?? null,
    created_by: by,
    created_at: Date.now(),
    rotated_at: null,
    revoked_at: null,
  };
  await db('sip_accounts').insert(row);
  return { account: publicAccount(toAccount(row)), password };
}

async function liveAccount(db: Db, id: string): Promise<Record<string, any>> {
  const row = await db('sip_accounts').where({ id }).whereNull('revoked_at').first();
  if (!row) throw new AppError('SIP_ACCOUNT_NOT_FOUND', `No SIP account ${id}, or it was revoked`);
  return row;
}

/** A new password; the old one stops working as soon as the gateways reload their accounts. */
export async function rotateSipAccount(db: Db, id: string): Promise<{ account: SipAccount; password: string }> {
  const row = await liveAccount(db, id);
  const password = newPassword();
  const changes = { ...hashes(row.username, row.realm, password), rotated_at: Date.now() };
  await db('sip_accounts').where({ id }).update(changes);
  return { account: publicAccount(toAccount({ ...row, ...changes })), password };
}

/** Revoked for good: the row stays for the record, its hashes are wiped. */
export async function revokeSipAccount(db: Db, id: string): Promise<SipAccount> {
  const row = await liveAccount(db, id);
  const changes = { revoked_at: Date.now(), ha1_md5: '', ha1_sha256: '', cert_fingerprint: null };
  await db('sip_accounts').where({ id }).update(changes);
  return publicAccount(toAccount({ ...row, ...changes }));
}

export async function listSipAccounts(db: Db, tenantId: string | null = null): Promise<SipAccount[]> {
  const q = db('sip_accounts').orderBy('created_at');
  return (await (tenantId ? q.where({ tenant_id: tenantId }) : q)).map((r) => publicAccount(toAccount(r)));
}

/** The accounts that may authenticate, with their hashes: for the SIP side only. */
export async function liveSipAccountSecrets(db: Db): Promise<SipAccountSecret[]> {
  return (await db('sip_accounts').whereNull('revoked_at')).map(toAccount);
}
