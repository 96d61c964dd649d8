import cron from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import { restoreOptOuts } from '../audit/restore-opt-outs';
import type { AuditTrail } from '../audit/trail';
import type { Db } from '../storage/db';

/**
 * Every 30 s, writes back any opt_outs row deleted or altered outside the gateway from its trail
 * event: an acknowledged refusal keeps blocking even when its row is tampered with.
 */
export function scheduleOptOutGuard(db: Db, trail: AuditTrail, log: FastifyBaseLogger) {
  return cron.schedule(
    '*/30 * * * * *',
    async () => {
      try {
        const { restored, unrestorable } = await restoreOptOuts(db, trail);
        for (const finding of restored) log.error({ finding }, 'an opt-out row was deleted or altered outside the gateway; restored from the trail');
        for (const finding of unrestorable) log.error({ finding }, 'an opt-out row differs from the trail and cannot be restored; run callgate audit verify-db');
      } catch (error) {
        log.warn({ err: error }, 'opt-outs not reconciled with the trail this time');
      }
    },
    { name: 'opt-out-guard', noOverlap: true },
  );
}
