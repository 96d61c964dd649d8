import type { Config } from '../config';
import type { Db } from '../storage/db';
import { loadPseudonymKey, loadSigner, Pseudonymiser, type AuditSigner } from './keys';
import { attachTrail, AuditTrail } from './trail';

export interface Audit {
  trail: AuditTrail;
  signer: AuditSigner;
  pseudonyms: Pseudonymiser;
}

/** Loads the keys, creates this process's chains and attaches the trail to the database handle. */
export async function openAudit(db: Db, config: Pick<Config, 'audit' | 'dataDir' | 'instanceId'>): Promise<Audit> {
  const signer = loadSigner(config.audit.signingKeyFile, config.dataDir);
  await signer.register(db);
  const pseudonyms = new Pseudonymiser(await loadPseudonymKey(db, config.audit.pseudonymKey));
  const trail = new AuditTrail(config.instanceId, pseudonyms);
  await trail.ensureChains(db);
  attachTrail(db, trail);
  return { trail, signer, pseudonyms };
}
