import path from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { auth } from './api/auth';
import { openAudit, type Audit } from './audit/open';
import { JOB_STREAM } from './audit/trail';
import type { GatewayContext } from './api/context';
import { installErrorHandling } from './api/error-handler';
import { evidenceSizeLimit } from './api/evidence-size';
import { strictBodies } from './api/strict-bodies';
import { auditRoutes } from './api/routes/audit';
import { auditProofRoutes } from './api/routes/audit-proofs';
import { callRoutes } from './api/routes/calls';
import { complaintRoutes } from './api/routes/complaints';
import { abuseSuspensionRoutes } from './api/routes/abuse-suspensions';
import { callerNumberRoutes } from './api/routes/caller-numbers';
import { campaignRoutes } from './api/routes/campaigns';
import { consentRoutes } from './api/routes/consents';
import { decisionRoutes } from './api/routes/decisions';
import { healthRoutes } from './api/routes/health';
import { historyRoutes } from './api/routes/history';
import { optOutRoutes } from './api/routes/opt-outs';
import { registryRoutes } from './api/routes/registries';
import { reassignedRoutes } from './api/routes/reassigned';
import { callingBanRoutes } from './api/routes/calling-bans';
import { tenantGroupRoutes } from './api/routes/tenant-groups';
import { registrationRoutes } from './api/routes/registrations';
import { relationshipRoutes } from './api/routes/relationships';
import { calleeLocationRoutes } from './api/routes/callee-locations';
import { sipAccountRoutes } from './api/routes/sip-accounts';
import { sipDialerRoutes } from './api/routes/sip-dialers';
import { tenantRoutes } from './api/routes/tenants';
import { tokenRoutes } from './api/routes/tokens';
import { SHARED_SCHEMAS } from './api/schemas/common';
import { loadSigningSecret } from './auth/tokens';
import type { Config } from './config';
import { DecisionService } from './decisions/service';
import { DecisionSpool } from './decisions/spool';
import { adminApi } from '../../admin/api/plugin';
import { loadPacks } from './policy/loader';
import { PolicyStore } from './policy/store';
import { RegistryStore } from './registries/store';
import type { CompiledPolicy } from './policy/types';
import { connect, migrate, type Db } from './storage/db';

import { projectRoot } from './paths';

const pkg = require(path.join(projectRoot(), 'package.json')) as { version: string; description: string };

export const OPENAPI_INFO = {
  title: 'callgate',
  version: pkg.version,
  description: `${pkg.description}\n\nEvery answer that refuses a request carries \`{ error: { code, message } }\` with a code from one stable catalogue. Decisions carry reason codes from another.`,
};

/** The HTTP API over a ready context; no listening, so tests can inject requests. */
export async function buildApp(gate: GatewayContext, log: FastifyBaseLogger): Promise<FastifyInstance> {
  // Per-request log lines only when debugging: at thousands of decisions a second they would be the bottleneck.
  const quiet = log.level !== 'debug' && log.level !== 'trace';
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: 4 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: quiet }),
    schemaController: { compilersFactory: { buildValidator: strictBodies as never } },
  });
  app.decorate('gate', gate);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  installErrorHandling(app);
  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: OPENAPI_INFO,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(auth, { secret: gate.signingSecret, db: gate.db, doors: gate.config.doors });
  await app.register(evidenceSizeLimit, { maxBytes: gate.config.doors.evidenceMaxBytes });
  await app.register(adminApi);
  for (const routes of [healthRoutes, decisionRoutes, callRoutes, optOutRoutes, consentRoutes, historyRoutes, tenantRoutes, campaignRoutes, callerNumberRoutes, registryRoutes, reassignedRoutes, callingBanRoutes, tenantGroupRoutes, registrationRoutes, relationshipRoutes, calleeLocationRoutes, auditRoutes, auditProofRoutes, sipDialerRoutes, sipAccountRoutes, tokenRoutes, complaintRoutes, abuseSuspensionRoutes]) {
    await app.register(routes);
  }
  return app;
}

/** Records every pack revision in force, so a decision's policyRevision always resolves to its rules. */
async function recordPolicyRevisions(db: Db, audit: Audit, policies: Map<string, CompiledPolicy>): Promise<void> {
  const known = new Set(await db('policy_revisions').pluck('revision_id'));
  const rows = [...policies.values()].filter((p) => !known.has(p.revisionId)).map((p) => ({ revision_id: p.revisionId, pack_id: p.pack.id, content: JSON.stringify(p.pack), created_at: Date.now() }));
  if (rows.length === 0) return;
  try {
    await audit.trail.record(db, async (trx) => {
      await trx('policy_revisions').insert(rows);
      const events = rows.map((r) => ({ type: 'policy.recorded' as const, at: r.created_at, tenantId: null, subjectId: r.revision_id, payload: { revisionId: r.revision_id, packId: r.pack_id, recordedBy: audit.trail.instanceId, content: r.content } }));
      return { result: undefined, events };
    }, JOB_STREAM);
  } catch (error) {
    // Another instance starting at the same moment recorded them first.
    const now = new Set(await db('policy_revisions').pluck('revision_id'));
    if (!rows.every((r) => now.has(r.revision_id))) throw error;
  }
}

/** Connects, migrates and wires the services; the caller owns listening and shutdown. */
export async function createGateway(config: Config, log: FastifyBaseLogger): Promise<GatewayContext> {
  const db = connect(config);
  await migrate(db);
  const policies = loadPacks(config.policyDir ?? undefined);
  const audit = await openAudit(db, config);
  await recordPolicyRevisions(db, audit, policies);
  const spool = new DecisionSpool(path.join(config.dataDir, 'spool'));
  const policyStore = new PolicyStore(db, policies);
  const registries = new RegistryStore(db);
  await registries.sync();
  const decisions = new DecisionService(db, { policyStore, registries }, spool, { instanceId: config.instanceId, batchMax: config.decisionBatchMax, log, audit: audit.trail });
  return { config, db, decisions, spool, policies, policyStore, registries, signingSecret: loadSigningSecret(config.jwtSecret, config.dataDir), audit };
}

export function createLogger(level: string): FastifyBaseLogger {
  return pino({ level });
}
