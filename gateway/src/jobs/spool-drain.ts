import cron from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import type { DecisionSpool } from '../decisions/spool';
import type { Db } from '../storage/db';

/** Every 15 s, copies fail-closed decisions kept on local disk into the database once it is back. */
export function scheduleSpoolDrain(db: Db, spool: DecisionSpool, log: FastifyBaseLogger) {
  return cron.schedule(
    '*/15 * * * * *',
    async () => {
      try {
        const copied = await spool.drain(db);
        if (copied > 0) log.info({ copied }, 'spooled decisions copied into the database');
      } catch (error) {
        log.warn({ err: error }, 'database still unreachable; spooled decisions kept on disk');
      }
    },
    { name: 'spool-drain', noOverlap: true },
  );
}
