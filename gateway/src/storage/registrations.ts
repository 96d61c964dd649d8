import { AppError } from '../errors';
import type { RegistrationFacts } from '../engine/types';
import type { Db } from './db';
import { newId } from './ids';

export interface TenantRegistration extends RegistrationFacts {
  id: string;
  tenantId: string;
  authority: string;
  createdBy: string;
  createdAt: number;
}

type Row = Record<string, any>;

const toRegistration = (r: Row): TenantRegistration => ({
  id: r.id,
  tenantId: r.tenant_id,
  region: r.region,
  authority: r.authority,
  reference: r.reference,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

/** Records a seller's registration with a state authority (the operator checks the certificate). */
export async function createRegistration(
  db: Db,
  tenantId: string,
  input: { region: string; authority: string; reference: string; validFrom: string; validUntil: string; createdBy: string },
): Promise<TenantRegistration> {
  if (!/^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(input.region)) throw new AppError('VALIDATION_FAILED', `region ${input.region} must be an ISO 3166-2 subdivision, e.g. US-TX`);
  for (const d of [input.validFrom, input.validUntil]) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new AppError('VALIDATION_FAILED', `${d} is not a calendar date, YYYY-MM-DD`);
  }
  if (input.validUntil < input.validFrom) throw new AppError('VALIDATION_FAILED', 'validUntil must not be before validFrom');
  if (!(await db('tenants').where({ id: tenantId }).first())) throw new AppError('TENANT_NOT_FOUND', `No tenant ${tenantId}`);
  const row = {
    id: newId('reg'),
    tenant_id: tenantId,
    region: input.region,
    authority: input.authority,
    reference: input.reference,
    valid_from: input.validFrom,
    valid_until: input.validUntil,
    created_by: input.createdBy,
    created_at: Date.now(),
  };
  await db('tenant_registrations').insert(row);
  return toRegistration(row);
}

export async function listRegistrations(db: Db, tenantId: string): Promise<TenantRegistration[]> {
  return (await db('tenant_registrations').where({ tenant_id: tenantId }).orderBy('valid_from')).map(toRegistration);
}

/** Registrations of the batch's tenants: one query per batch. */
export async function registrationsOf(q: Db, tenantIds: string[]): Promise<Map<string, RegistrationFacts[]>> {
  const rows = tenantIds.length ? await q('tenant_registrations').whereIn('tenant_id', tenantIds).select('tenant_id', 'region', 'reference', 'valid_from', 'valid_until') : [];
  const byTenant = new Map<string, RegistrationFacts[]>();
  for (const r of rows as Row[]) {
    const list = byTenant.get(r.tenant_id) ?? [];
    list.push({ region: r.region, reference: r.reference, validFrom: r.valid_from, validUntil: r.valid_until });
    byTenant.set(r.tenant_id, list);
  }
  return byTenant;
}
