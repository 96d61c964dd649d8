import type { FastifyBaseLogger } from 'fastify';
import { checkpointTrail } from '../audit/checkpoints';
import type { Audit } from '../audit/open';
import type { Db } from '../storage/db';

/**
 * Sequences new trail records and signs a checkpoint of the whole trail every few seconds
 * (AUDIT_CHECKPOINT_INTERVAL). Each run hashes only the records added since the last; runs never
 * overlap, and instances sharing a database take turns on the tree's lock.
 */
export function scheduleAuditCheckpoint(db: Db, audit: Audit, intervalSeconds: number, log: FastifyBaseLogger): { stop(): Promise<void> } {
  if (intervalSeconds <= 0) return { stop: async () => undefined };
  let running: Promise<void> | null = null;
  let refusedAt: string | null = null;
  const run = async () => {
    try {
      const { refused } = await checkpointTrail(db, audit.signer, audit.origin);
      const key = refused ? `${refused.chain}|${refused.seq}` : null;
      if (refused && key !== refusedAt) log.error({ bad: refused }, 'audit record does not follow its chain: not checkpointed');
      refusedAt = key;
    } catch (error) {
      log.warn({ err: error }, 'audit trail not checkpointed this time');
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = run().finally(() => (running = null));
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
