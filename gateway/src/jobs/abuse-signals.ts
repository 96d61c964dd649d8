import type { FastifyBaseLogger } from 'fastify';
import { runSignalPass } from '../abuse/signals';
import type { AbuseThresholds } from '../abuse/thresholds';
import type { Db } from '../storage/db';

/** Every few seconds: behaviour signals from the decisions and outcomes committed since the last pass. */
export function scheduleAbuseSignals(db: Db, policy: AbuseThresholds, log: FastifyBaseLogger, intervalMs = 5_000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(async () => {
        const pass = await runSignalPass(db, policy);
        for (const s of pass.suspensions) log.warn({ suspension: s.id, tenantId: s.tenantId, subject: s.subject, signal: s.signal }, s.message);
      })
      .catch((error) => log.warn({ err: error }, 'abuse signals not updated this time'));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
