import type { Db } from '../storage/db';
import { findCheckpoint, latestCosignedCheckpoint } from './checkpoints';
import type { TrustedKeys } from './trust';
import { verifyDbAgainstCheckpoints, type CheckpointsReport } from './verify-checkpoint';

/**
 * The database's own newest checkpoint and newest witnessed one, checked against its records like
 * an auditor's. They prove nothing against whoever can rewrite the database and sign (only a
 * checkpoint kept outside, or witnessed, does); they catch everyone else, and report how far the
 * log is witnessed.
 */
export async function verifyStoredCheckpoints(db: Db, gateway: TrustedKeys, witnesses: TrustedKeys): Promise<CheckpointsReport> {
  const latest = await findCheckpoint(db);
  const cosigned = await latestCosignedCheckpoint(db);
  const list = [latest, cosigned].filter((c, i, all): c is NonNullable<typeof c> => c !== null && all.findIndex((o) => o?.size === c.size) === i);
  return verifyDbAgainstCheckpoints(db, list, gateway, witnesses);
}
