/** The benchmarks' shared world: one verified tenant with verified display numbers, and consents. */
import { openAudit } from '../src/audit/open';
import type { Config } from '../src/config';
import { connect, migrate, type Db } from '../src/storage/db';
import { createBrand, createCallerNumber, createCampaign, createTenant, setTenantVerification, updateCallerNumber } from '../src/storage/entities';

/** A realistic pool: each callee always sees the same one of the campaign's display numbers. */
export const NUMBERS = 100;
export const displayNumber = (i: number) => `+8621612${String(i).padStart(5, '0')}`;
export const callee = (i: number) => `+86138${String(i).padStart(8, '0')}`;

export interface BenchWorld {
  campaignId: string;
  tenantId: string;
}

/**
 * Migrates, then seeds a verified tenant with NUMBERS verified numbers on one campaign and consent
 * from callees 0..callees-1; `more` adds what one benchmark needs while the database is open.
 */
export async function seedBenchWorld(config: Config, options: { callees: number; consentIdPrefix: string; more?: (db: Db, world: BenchWorld) => Promise<void> }): Promise<BenchWorld> {
  const db = connect(config);
  try {
    await migrate(db);
    await openAudit(db, config);
    const tenant = await createTenant(db, { legalName: 'Bench Co', uscc: '91350100M000100Y43', country: 'CN' });
    await setTenantVerification(db, tenant.id, 'verified', {}, 'bench');
    const brand = await createBrand(db, tenant.id, 'Bench');
    const numberIds: string[] = [];
    for (let n = 0; n < NUMBERS; n++) {
      const number = await createCallerNumber(db, tenant.id, { e164: displayNumber(n), lineType: 'fixed_line', region: '上海市', proofOfRight: { x: 1 }, realNameProof: null });
      await updateCallerNumber(db, number.id, tenant.id, { verificationStatus: 'verified', verifiedBy: 'bench' });
      numberIds.push(number.id);
    }
    const campaign = await createCampaign(db, tenant.id, { brandId: brand.id, name: 'bench', purpose: 'insurance', policyPack: 'cn', dialingMode: 'predictive', callerNumberIds: numberIds });
    const now = Date.now();
    const rows = Array.from({ length: options.callees }, (_, i) => ({
      id: `${options.consentIdPrefix}${i}`, tenant_id: tenant.id, brand_id: brand.id, callee: callee(i), purpose: 'insurance', channel: 'web', modes: '[]',
      obtained_at: now - 86_400_000, expires_at: now + 86_400_000 * 365, capture_method: 'web_form_checkbox', evidence: '{}',
      revoked_at: null, revoke_reason: null, recorded_by: 'bench', created_at: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await db('consents').insert(rows.slice(i, i + 500));
    const world = { campaignId: campaign.id, tenantId: tenant.id };
    await options.more?.(db, world);
    return world;
  } finally {
    await db.destroy();
  }
}
