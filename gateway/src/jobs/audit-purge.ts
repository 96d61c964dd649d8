import cron from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import { purgeExpired } from '../audit/purge';
import type { AuditTrail } from '../audit/trail';
import type { Db } from '../storage/db';

/** Every night at 03:30, removes the content of trail records past their retention, keeping their hashes. */
export function scheduleAuditPurge(db: Db, trail: AuditTrail, retentionDays: number, log: FastifyBaseLogger) {
  return cron.schedule(
    '0 30 3 * * *',
    async () => {
      try {
        const purged = await purgeExpired(db, trail, retentionDays);
        if (purged > 0) log.info({ purged, retentionDays }, 'audit records past retention purged; their hashes stay');
      } catch (error) {
        log.warn({ err: error }, 'audit retention purge failed; it runs again tomorrow');
      }
    },
    { name: 'audit-purge', noOverlap: true },
  );
}
