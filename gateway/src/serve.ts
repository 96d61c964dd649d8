import type { Config } from './config';
import { readRegistrySources, scheduleRegistryRefresh } from './jobs/registry-refresh';
import { scheduleAuditPurge } from './jobs/audit-purge';
import { scheduleAuditCheckpoint } from './jobs/audit-checkpoint';
import { scheduleAuditSeal } from './jobs/audit-seal';
import { scheduleOptOutGuard } from './jobs/opt-out-guard';
import { scheduleSpoolDrain } from './jobs/spool-drain';
import { scheduleAbuseWebhooks } from './jobs/abuse-webhooks';
import { scheduleAbuseSignals } from './jobs/abuse-signals';
import { loadAbuseThresholds } from './abuse/thresholds';
import { buildApp, createGateway, createLogger } from './server';
import { startSip } from './sip/service';

/** Runs the gateway until SIGTERM or SIGINT, then stops taking requests and closes the database. */
export async function serve(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const sources = config.registrySources ? readRegistrySources(config.registrySources) : [];
  const gate = await createGateway(config, log);
  const app = await buildApp(gate, log);
  const drain = scheduleSpoolDrain(gate.db, gate.spool, log);
  const refresh = scheduleRegistryRefresh(gate.db, gate.registries, sources, log);
  const auditJobs = [scheduleAuditSeal(gate.db, gate.audit, config.audit.sealSchedule, log), scheduleAuditPurge(gate.db, gate.audit.trail, config.audit.retentionDays, log), scheduleAuditCheckpoint(gate.db, gate.audit, config.audit.checkpointIntervalSeconds, log), scheduleOptOutGuard(gate.db, gate.audit.trail, log)];
  const webhooks = scheduleAbuseWebhooks(gate.db, config.webhooks, config.instanceId, log);
  const signals = scheduleAbuseSignals(gate.db, loadAbuseThresholds(config.policyDir), log);
  await app.listen({ port: config.port, host: config.host });
  const sip = config.sip ? await startSip(gate, config.sip, log) : null;
  if (sip) log.info({ sip: sip.listening.map((t) => `${t.proto}:${t.host}:${t.port}`), trunk: config.sip!.trunk.uri, mode: config.sip!.mode }, 'SIP proxy listening');
  log.info({ database: config.databaseUrl ? 'mysql' : `sqlite in ${config.dataDir}`, policies: [...gate.policies.values()].map((p) => p.revisionId) }, 'callgate ready');
  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await sip?.close();
    await drain.stop();
    await refresh.stop();
    await webhooks.stop();
    await signals.stop();
    for (const job of auditJobs) await job.stop();
    await app.close();
    await gate.db.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
