import cron from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import type { Audit } from '../audit/open';
import { sealChains } from '../audit/seals';
import type { Db } from '../storage/db';

/** Signs chain heads on a schedule, so that even deleting the newest records is detected. */
export function scheduleAuditSeal(db: Db, audit: Audit, schedule: string, log: FastifyBaseLogger) {
  return cron.schedule(
    schedule,
    async () => {
      try {
        const { refused } = await sealChains(db, audit.signer);
        for (const bad of refused) log.error({ bad }, 'audit chain does not verify: not sealed');
      } catch (error) {
        log.warn({ err: error }, 'audit chains not sealed this time');
      }
    },
    { name: 'audit-seal', noOverlap: true },
  );
}
