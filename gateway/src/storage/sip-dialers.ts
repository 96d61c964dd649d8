import net from 'node:net';
import { AppError } from '../errors';
import type { Db } from './db';
import { getCampaign, getTenant } from './entities';
import { newId } from './ids';

export interface SipDialer {
  id: string;
  tenantId: string;
  /** An IP address or a network in CIDR notation. */
  source: string;
  defaultCampaignId: string | null;
  description: string | null;
  createdBy: string;
  createdAt: number;
}

const toDialer = (r: Record<string, any>): SipDialer => ({
  id: r.id,
  tenantId: r.tenant_id,
  source: r.source,
  defaultCampaignId: r.default_campaign_id,
  description: r.description,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

/** `10.1.2.3`, `10.1.2.0/24` or `2001:db8::/32`, normalised; throws INVALID_SOURCE_ADDRESS otherwise. */
export function normaliseSource(source: string): string {
  const [address, bits, extra] = source.trim().split('/');
  const family = net.isIP(address);
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? null : Number(bits);
  if (!family || extra !== undefined || (prefix !== null && (!Number.isInteger(prefix) || prefix < 0 || prefix > max || !/^\d+$/.test(bits)))) {
    throw new AppError('INVALID_SOURCE_ADDRESS', `"${source}" is not an IP address or a network like 10.1.2.0/24`);
  }
  return prefix === null ? address.toLowerCase() : `${address.toLowerCase()}/${prefix}`;
}

export async function addSipDialer(db: Db, input: { tenantId: string; source: string; defaultCampaignId?: string | null; description?: string | null }, by: string): Promise<SipDialer> {
  const source = normaliseSource(input.source);
  await getTenant(db, input.tenantId);
  if (input.defaultCampaignId) await getCampaign(db, input.defaultCampaignId, input.tenantId);
  if (await db('sip_dialers').where({ source }).first()) throw new AppError('SIP_DIALER_EXISTS', `${source} is already assigned to a dialer`);
  const row = { id: newId('sipd'), tenant_id: input.tenantId, source, default_campaign_id: input.defaultCampaignId ?? null, description: input.description ?? null, created_by: by, created_at: Date.now() };
  await db('sip_dialers').insert(row);
  return toDialer(row);
}

export async function listSipDialers(db: Db, tenantId: string | null = null): Promise<SipDialer[]> {
  const q = db('sip_dialers').orderBy('created_at');
  return (await (tenantId ? q.where({ tenant_id: tenantId }) : q)).map(toDialer);
}

export async function removeSipDialer(db: Db, id: string): Promise<SipDialer> {
  const row = await db('sip_dialers').where({ id }).first();
  if (!row) throw new AppError('SIP_DIALER_NOT_FOUND', `No SIP dialer ${id}`);
  await db('sip_dialers').where({ id }).delete();
  return toDialer(row);
}
