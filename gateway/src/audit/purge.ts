import type { Db } from '../storage/db';
import { JOB_STREAM, type AuditTrail } from './trail';

const BATCH = 2000;

/**
 * Retention: the content (payload) of records older than the retention period is removed, while the hashes stay, so every chain still verifies and the trail still shows
 * that a record existed, of which type, when and for which tenant. Records one purge at a time, with
 * an audit.purge event naming the cut-off and the count.
 */
export async function purgeExpired(db: Db, trail: AuditTrail, retentionDays: number, now = Date.now()): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = now - retentionDays * 86_400_000;
  let purged = 0;
  for (;;) {
    const ids: (number | string)[] = await db('audit_events').where('at', '<', cutoff).whereNull('purged_at').orderBy('at').limit(BATCH).pluck('id');
    if (ids.length === 0) break;
    purged += await db('audit_events').whereIn('id', ids).whereNull('purged_at').update({ payload: null, purged_at: now });
  }
  if (purged > 0) {
    await trail.record(db, async () => ({ result: undefined, events: [{ type: 'audit.purge', tenantId: null, payload: { cutoff, retentionDays, purged } }] }), JOB_STREAM);
  }
  return purged;
}

/**
 * The latest cut-off of the retention purges the trail records: content removed from a record older
 * than it is retention at work; content missing from any other record was erased. The newest purge
 * event is younger than its own cut-off, so its content is never purged while it is the latest.
 */
export async function purgeCutoff(db: Db): Promise<number> {
  // Purges are recorded on the job chains: reading only those keeps this off a scan of the whole trail.
  const jobChains: string[] = await db('audit_chains').where('chain_id', 'like', `%/${JOB_STREAM}`).pluck('chain_id');
  if (jobChains.length === 0) return 0;
  const payloads: (string | null)[] = await db('audit_events').whereIn('chain_id', jobChains).andWhere({ type: 'audit.purge' }).whereNotNull('payload').pluck('payload');
  return payloads.reduce((latest, p) => Math.max(latest, Number((JSON.parse(String(p)) as { cutoff?: number }).cutoff ?? 0)), 0);
}
