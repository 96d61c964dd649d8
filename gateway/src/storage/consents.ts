import type { TrailEvent } from '../audit/events';
import { trailOf } from '../audit/trail';
import { AppError } from '../errors';
import type { DialingMode } from '../engine/types';
import type { Db } from './db';
import { getBrand } from './entities';
import { newId } from './ids';
import { parseJson } from './json';

export interface ConsentEvidence {
  textShown: string;
  pageUrl?: string;
  ip?: string;
  recordingRef?: string;
  artefactHash?: string;
  preTicked: boolean;
  bundledWithOtherTerms: boolean;
}

export interface ConsentInput {
  callee: string;
  brandId: string;
  purpose: string;
  channel: string;
  modes: DialingMode[];
  obtainedAt: number;
  expiresAt: number | null;
  captureMethod: string;
  evidence: ConsentEvidence;
}

export interface Consent extends ConsentInput {
  id: string;
  tenantId: string;
  revokedAt: number | null;
  revokeReason: string | null;
  recordedBy: string;
  createdAt: number;
}

type Row = Record<string, any>;

const toConsent = (r: Row): Consent => ({
  id: r.id,
  tenantId: r.tenant_id,
  brandId: r.brand_id,
  callee: r.callee,
  purpose: r.purpose,
  channel: r.channel,
  modes: parseJson(r.modes, []),
  obtainedAt: Number(r.obtained_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  captureMethod: r.capture_method,
  evidence: parseJson(r.evidence, {} as ConsentEvidence),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  revokeReason: r.revoke_reason,
  recordedBy: r.recorded_by,
  createdAt: Number(r.created_at),
});

/**
 * Consent must be specific and freely given (消保条例 art. 23, PIPL art. 14): a pre-ticked box,
 * consent folded into other terms, or consent without any artefact to show for it is refused.
 */
function checkSpecific(input: ConsentInput): void {
  if (input.evidence.preTicked) throw new AppError('CONSENT_NOT_SPECIFIC', 'A pre-ticked box is not consent (默认授权): the callee must tick it themselves');
  if (input.evidence.bundledWithOtherTerms) {
    throw new AppError('CONSENT_NOT_SPECIFIC', 'Consent bundled with other terms is not consent (一次概括授权): it must be asked for on its own');
  }
  const { pageUrl, recordingRef, artefactHash } = input.evidence;
  if (!pageUrl && !recordingRef && !artefactHash) {
    throw new AppError('CONSENT_NOT_SPECIFIC', 'Consent needs evidence: a page address, a recording reference or an artefact hash');
  }
  if (input.expiresAt !== null && input.expiresAt <= input.obtainedAt) throw new AppError('CONSENT_INVALID_PERIOD');
}

export async function createConsent(db: Db, tenantId: string, input: ConsentInput, recordedBy: string): Promise<Consent> {
  checkSpecific(input);
  await getBrand(db, input.brandId, tenantId);
  const row = {
    id: newId('cns'),
    tenant_id: tenantId,
    brand_id: input.brandId,
    callee: input.callee,
    purpose: input.purpose,
    channel: input.channel,
    modes: JSON.stringify(input.modes),
    obtained_at: input.obtainedAt,
    expires_at: input.expiresAt,
    capture_method: input.captureMethod,
    evidence: JSON.stringify(input.evidence),
    revoked_at: null,
    revoke_reason: null,
    recorded_by: recordedBy,
    created_at: Date.now(),
  };
  const consent = toConsent(row);
  return trailOf(db).record(db, async (trx) => {
    await trx('consents').insert(row);
    return { result: consent, events: [consentEvent('consent.given', consent, consent.createdAt)] };
  });
}

export async function revokeConsent(db: Db, id: string, tenantId: string, reason: string | null): Promise<Consent> {
  const row = await db('consents').where({ id, tenant_id: tenantId }).first();
  if (!row) throw new AppError('CONSENT_NOT_FOUND', `No consent ${id} for this tenant`);
  if (row.revoked_at !== null) return toConsent(row);
  const revokedAt = Date.now();
  return trailOf(db).record(db, async (trx) => {
    // Only the first revocation counts: a concurrent one finds the row already revoked.
    const changed = await trx('consents').where({ id, revoked_at: null }).update({ revoked_at: revokedAt, revoke_reason: reason });
    const consent = toConsent(await trx('consents').where({ id }).first());
    return { result: consent, events: changed ? [consentEvent('consent.revoked', consent, revokedAt)] : [] };
  });
}

/** The whole consent with its evidence: what a data subject or an auditor is shown. */
function consentEvent(type: 'consent.given' | 'consent.revoked', consent: Consent, at: number): TrailEvent {
  return { type, at, tenantId: consent.tenantId, callee: consent.callee, subjectId: consent.id, payload: { consent } };
}

export async function listConsents(db: Db, tenantId: string, callee: string): Promise<Consent[]> {
  return (await db('consents').where({ tenant_id: tenantId, callee }).orderBy('created_at')).map(toConsent);
}
