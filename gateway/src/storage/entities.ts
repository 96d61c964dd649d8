import { trailOf } from '../audit/trail';
import { AppError } from '../errors';
import type { DialingMode, VerificationStatus } from '../engine/types';
import type { Db } from './db';
import { newId } from './ids';
import { parseJson } from './json';

export interface Tenant {
  id: string;
  legalName: string;
  uscc: string | null;
  country: string;
  verificationStatus: VerificationStatus;
  verificationEvidence: unknown;
  verifiedBy: string | null;
  verifiedAt: number | null;
  createdAt: number;
}

export interface Brand {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
}

export interface Campaign {
  id: string;
  tenantId: string;
  brandId: string;
  name: string;
  purpose: string;
  policyPack: string;
  /** Every pack the campaign names; the callee's country picks the ones that judge a call. */
  policyPacks: string[];
  dialingMode: DialingMode;
  status: 'active' | 'paused' | 'closed';
  callerNumberIds: string[];
  /** Days the campaign keeps its call recordings, as its operator states; null: not stated. */
  recordingRetentionDays: number | null;
  createdAt: number;
}

export interface CallerNumber {
  id: string;
  tenantId: string;
  e164: string;
  proofOfRight: unknown;
  verificationStatus: VerificationStatus;
  verifiedBy: string | null;
  lineType: string;
  realNameProof: unknown;
  region: string | null;
  status: 'active' | 'suspended';
  /** A callee calling the number back reaches the caller; null: not stated. */
  acceptsReturnCalls: boolean | null;
  /** A do-not-call request can be made by calling the number; null: not stated. */
  acceptsOptOutRequests: boolean | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Record<string, any>;

const nullableBool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(Number(v)));

export const toTenant = (r: Row): Tenant => ({
  id: r.id,
  legalName: r.legal_name,
  uscc: r.uscc,
  country: r.country,
  verificationStatus: r.verification_status,
  verificationEvidence: parseJson(r.verification_evidence, null),
  verifiedBy: r.verified_by,
  verifiedAt: r.verified_at === null ? null : Number(r.verified_at),
  createdAt: Number(r.created_at),
});

export const toBrand = (r: Row): Brand => ({ id: r.id, tenantId: r.tenant_id, name: r.name, createdAt: Number(r.created_at) });

const campaignPackIds = (r: Row): string[] => {
  const several = parseJson<string[] | null>(r.policy_packs ?? null, null);
  return several && several.length > 0 ? several : [r.policy_pack];
};

export const toCampaign = (r: Row, callerNumberIds: string[]): Campaign => ({
  id: r.id,
  tenantId: r.tenant_id,
  brandId: r.brand_id,
  name: r.name,
  purpose: r.purpose,
  policyPack: r.policy_pack,
  policyPacks: campaignPackIds(r),
  dialingMode: r.dialing_mode,
  status: r.status,
  callerNumberIds,
  recordingRetentionDays: r.recording_retention_days === null || r.recording_retention_days === undefined ? null : Number(r.recording_retention_days),
  createdAt: Number(r.created_at),
});

export const toCallerNumber = (r: Row): CallerNumber => ({
  id: r.id,
  tenantId: r.tenant_id,
  e164: r.e164,
  proofOfRight: parseJson(r.proof_of_right, null),
  verificationStatus: r.verification_status,
  verifiedBy: r.verified_by,
  lineType: r.line_type,
  realNameProof: parseJson(r.real_name_proof, null),
  region: r.region,
  status: r.status,
  acceptsReturnCalls: nullableBool(r.accepts_return_calls),
  acceptsOptOutRequests: nullableBool(r.accepts_opt_out_requests),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export async function createTenant(db: Db, input: { legalName: string; uscc: string | null; country: string }): Promise<Tenant> {
  if (input.uscc && (await db('tenants').where({ uscc: input.uscc }).first())) throw new AppError('TENANT_EXISTS', `A tenant with 统一社会信用代码 ${input.uscc} exists`);
  const row = {
    id: newId('ten'),
    legal_name: input.legalName,
    uscc: input.uscc,
    country: input.country,
    verification_status: 'unverified',
    verification_evidence: null,
    verified_by: null,
    verified_at: null,
    created_at: Date.now(),
  };
  const tenant = toTenant(row);
  return trailOf(db).record(db, async (trx) => {
    await trx('tenants').insert(row);
    return { result: tenant, events: [{ type: 'tenant.created', at: tenant.createdAt, tenantId: tenant.id, subjectId: tenant.id, payload: { tenant } }] };
  });
}

export async function getTenant(db: Db, id: string): Promise<Tenant> {
  const row = await db('tenants').where({ id }).first();
  if (!row) throw new AppError('TENANT_NOT_FOUND', `No tenant ${id}`);
  return toTenant(row);
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  return (await db('tenants').orderBy('created_at')).map(toTenant);
}

export async function setTenantVerification(db: Db, id: string, status: VerificationStatus, evidence: unknown, by: string): Promise<Tenant> {
  await getTenant(db, id);
  return trailOf(db).record(db, async (trx) => {
    await trx('tenants')
      .where({ id })
      .update({ verification_status: status, verification_evidence: JSON.stringify(evidence ?? null), verified_by: by, verified_at: Date.now() });
    const tenant = await getTenant(trx, id);
    return { result: tenant, events: [{ type: 'tenant.verification', at: tenant.verifiedAt ?? Date.now(), tenantId: id, subjectId: id, payload: { tenantId: id, status, evidence: evidence ?? null, by } }] };
  });
}

export async function createBrand(db: Db, tenantId: string, name: string): Promise<Brand> {
  await getTenant(db, tenantId);
  const row = { id: newId('brd'), tenant_id: tenantId, name, created_at: Date.now() };
  await db('brands').insert(row);
  return toBrand(row);
}

export async function getBrand(db: Db, id: string, tenantId: string): Promise<Brand> {
  const row = await db('brands').where({ id, tenant_id: tenantId }).first();
  if (!row) throw new AppError('BRAND_NOT_FOUND', `No brand ${id} for this tenant`);
  return toBrand(row);
}

export async function listBrands(db: Db, tenantId: string): Promise<Brand[]> {
  return (await db('brands').where({ tenant_id: tenantId }).orderBy('created_at')).map(toBrand);
}

async function checkNumbersBelong(db: Db, tenantId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await db('caller_numbers').whereIn('id', ids).andWhere({ tenant_id: tenantId }).pluck('id');
  const missing = ids.filter((id) => !found.includes(id));
  if (missing.length > 0) throw new AppError('CALLER_NUMBER_NOT_FOUND', `No caller number ${missing.join(', ')} for this tenant`);
}

export interface CampaignInput {
  brandId: string;
  name: string;
  purpose: string;
  /** One pack, as older callers give it… */
  policyPack?: string;
  /** …or several: the first is also kept as the campaign's single pack for older clients. */
  policyPacks?: string[];
  dialingMode: DialingMode;
  callerNumberIds: string[];
  recordingRetentionDays?: number | null;
}

export async function createCampaign(db: Db, tenantId: string, input: CampaignInput): Promise<Campaign> {
  await getBrand(db, input.brandId, tenantId);
  const ids = [...new Set(input.callerNumberIds)];
  const packs = input.policyPacks ?? (input.policyPack ? [input.policyPack] : []);
  if (packs.length === 0) throw new AppError('VALIDATION_FAILED', 'A campaign names at least one policy pack');
  await checkNumbersBelong(db, tenantId, ids);
  const row = {
    id: newId('cmp'),
    tenant_id: tenantId,
    brand_id: input.brandId,
    name: input.name,
    purpose: input.purpose,
    policy_pack: packs[0],
    policy_packs: packs.length > 1 ? JSON.stringify(packs) : null,
    dialing_mode: input.dialingMode,
    status: 'active',
    recording_retention_days: input.recordingRetentionDays ?? null,
    created_at: Date.now(),
  };
  await db.transaction(async (trx) => {
    await trx('campaigns').insert(row);
    if (ids.length > 0) await trx('campaign_numbers').insert(ids.map((n) => ({ campaign_id: row.id, caller_number_id: n })));
  });
  return toCampaign(row, ids);
}

export async function getCampaign(db: Db, id: string, tenantId: string): Promise<Campaign> {
  const row = await db('campaigns').where({ id, tenant_id: tenantId }).first();
  if (!row) throw new AppError('CAMPAIGN_NOT_FOUND', `No campaign ${id} for this tenant`);
  const numbers = await db('campaign_numbers').where({ campaign_id: id }).pluck('caller_number_id');
  return toCampaign(row, numbers);
}

export async function listCampaigns(db: Db, tenantId: string): Promise<Campaign[]> {
  const rows = await db('campaigns').where({ tenant_id: tenantId }).orderBy('created_at');
  const links = await db('campaign_numbers').whereIn('campaign_id', rows.map((r) => r.id));
  return rows.map((r) => toCampaign(r, links.filter((l) => l.campaign_id === r.id).map((l) => l.caller_number_id)));
}

export async function setRecordingRetention(db: Db, id: string, tenantId: string, days: number | null): Promise<Campaign> {
  await getCampaign(db, id, tenantId);
  await db('campaigns').where({ id }).update({ recording_retention_days: days });
  return getCampaign(db, id, tenantId);
}

export async function setCampaignStatus(db: Db, id: string, tenantId: string, status: Campaign['status']): Promise<Campaign> {
  await getCampaign(db, id, tenantId);
  await db('campaigns').where({ id }).update({ status });
  return getCampaign(db, id, tenantId);
}

export interface CallerNumberInput {
  e164: string;
  lineType: string;
  region: string | null;
  proofOfRight: unknown;
  realNameProof: unknown;
  acceptsReturnCalls?: boolean | null;
  acceptsOptOutRequests?: boolean | null;
}

export async function createCallerNumber(db: Db, tenantId: string, input: CallerNumberInput): Promise<CallerNumber> {
  await getTenant(db, tenantId);
  const existing = await db('caller_numbers').where({ e164: input.e164 }).first();
  if (existing) throw new AppError('CALLER_NUMBER_TAKEN', `${input.e164} is already registered${existing.tenant_id === tenantId ? ' to this tenant' : ''}`);
  const now = Date.now();
  const row = {
    id: newId('num'),
    tenant_id: tenantId,
    e164: input.e164,
    proof_of_right: JSON.stringify(input.proofOfRight),
    verification_status: 'pending',
    verified_by: null,
    line_type: input.lineType,
    real_name_proof: input.realNameProof === null || input.realNameProof === undefined ? null : JSON.stringify(input.realNameProof),
    region: input.region,
    status: 'active',
    accepts_return_calls: input.acceptsReturnCalls ?? null,
    accepts_opt_out_requests: input.acceptsOptOutRequests ?? null,
    created_at: now,
    updated_at: now,
  };
  const number = toCallerNumber(row);
  return trailOf(db).record(db, async (trx) => {
    await trx('caller_numbers').insert(row);
    return { result: number, events: [{ type: 'number.registered', at: now, tenantId, subjectId: number.id, payload: { number } }] };
  });
}

export async function getCallerNumber(db: Db, id: string, tenantId: string | null): Promise<CallerNumber> {
  const query = db('caller_numbers').where({ id });
  const row = await (tenantId ? query.andWhere({ tenant_id: tenantId }) : query).first();
  if (!row) throw new AppError('CALLER_NUMBER_NOT_FOUND', `No caller number ${id}${tenantId ? ' for this tenant' : ''}`);
  return toCallerNumber(row);
}

export async function listCallerNumbers(db: Db, tenantId: string): Promise<CallerNumber[]> {
  return (await db('caller_numbers').where({ tenant_id: tenantId }).orderBy('created_at')).map(toCallerNumber);
}

/** What a callee can do by calling a display number back; null: not stated. */
export interface CallbackFacts {
  acceptsReturnCalls: boolean | null;
  acceptsOptOutRequests: boolean | null;
}

export async function updateCallerNumber(
  db: Db,
  id: string,
  tenantId: string | null,
  change: { verificationStatus?: VerificationStatus; verifiedBy?: string; status?: 'active' | 'suspended'; callbacks?: CallbackFacts },
): Promise<CallerNumber> {
  const number = await getCallerNumber(db, id, tenantId);
  const update: Row = { updated_at: Date.now() };
  if (change.verificationStatus) Object.assign(update, { verification_status: change.verificationStatus, verified_by: change.verifiedBy ?? null });
  if (change.status) update.status = change.status;
  if (change.callbacks) Object.assign(update, { accepts_return_calls: change.callbacks.acceptsReturnCalls, accepts_opt_out_requests: change.callbacks.acceptsOptOutRequests });
  return trailOf(db).record(db, async (trx) => {
    await trx('caller_numbers').where({ id }).update(update);
    const after = await getCallerNumber(trx, id, number.tenantId);
    const events = [];
    if (change.verificationStatus) {
      events.push({ type: 'number.verification' as const, at: update.updated_at, tenantId: after.tenantId, subjectId: id, payload: { numberId: id, e164: after.e164, status: change.verificationStatus, by: change.verifiedBy ?? null } });
    }
    if (change.status) events.push({ type: 'number.status' as const, at: update.updated_at, tenantId: after.tenantId, subjectId: id, payload: { numberId: id, e164: after.e164, status: change.status } });
    if (change.callbacks) events.push({ type: 'number.callbacks' as const, at: update.updated_at, tenantId: after.tenantId, subjectId: id, payload: { numberId: id, e164: after.e164, ...change.callbacks } });
    return { result: after, events };
  });
}
