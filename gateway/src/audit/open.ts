import type { Config } from '../config';
import type { Db } from '../storage/db';
import { loadPseudonymKey, loadSigner, Pseudonymiser, type AuditSigner } from './keys';
import { attachTrail, AuditTrail } from './trail';
import { TrustedKeys } from './trust';

export interface Audit {
  trail: AuditTrail;
  signer: AuditSigner;
  pseudonyms: Pseudonymiser;
  /** The keys this gateway pins: its signing key and AUDIT_TRUSTED_KEYS. */
  trusted: TrustedKeys;
  /** The witnesses it accepts cosignatures from: AUDIT_WITNESS_KEYS. */
  witnesses: TrustedKeys;
  origin: string;
}

type AuditSettings = Pick<Config, 'dataDir' | 'instanceId'> & { audit: Pick<Config['audit'], 'signingKeyFile' | 'pseudonymKey'> & Partial<Config['audit']> };

/** Loads the keys, creates this process's chains and attaches the trail to the database handle. */
export async function openAudit(db: Db, config: AuditSettings): Promise<Audit> {
  const signer = loadSigner(config.audit.signingKeyFile, config.dataDir, config.audit.signerCommand ?? null);
  await signer.register(db);
  const pseudonyms = new Pseudonymiser(await loadPseudonymKey(db, config.audit.pseudonymKey));
  const trail = new AuditTrail(config.instanceId, pseudonyms);
  await trail.ensureChains(db);
  attachTrail(db, trail);
  const trusted = TrustedKeys.parse(config.audit.trustedKeys ?? []);
  trusted.pinKey(signer.publicKeyPem);
  const witnesses = TrustedKeys.parse(config.audit.witnessKeys ?? []);
  return { trail, signer, pseudonyms, trusted, witnesses, origin: config.audit.origin ?? 'callgate' };
}

/** Fresh copies of the pinned keys, for one verification (candidates offered to them stay there). */
export const trustOf = (audit: Pick<Audit, 'trusted' | 'witnesses'>) => ({ gateway: audit.trusted.clone(), witnesses: audit.witnesses.clone() });
