import type { FastifyInstance } from 'fastify';
import { iso } from '../../iso';
import { listRegistries } from '../../storage/registry';
import { bearerSecurity, errorResponses } from '../schemas/common';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { db, spool, config, policyStore } = app.gate;

  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Ready to decide? 503 while the database is unreachable (decisions then fail closed)',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' }, instance: { type: 'string' }, spooledDecisions: { type: 'integer' }, policies: { type: 'array', items: { type: 'string' } } } },
          503: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' }, instance: { type: 'string' }, spooledDecisions: { type: 'integer' }, policies: { type: 'array', items: { type: 'string' } } } },
        },
      },
    },
    async (_request, reply) => {
      const body = { instance: config.instanceId, spooledDecisions: spool.pending(), policies: [...policyStore.known.values()].map((p) => p.revisionId) };
      try {
        await db.raw('select 1');
        return { status: 'ok', database: 'up', ...body };
      } catch {
        return reply.status(503).send({ status: 'failing closed', database: 'down', ...body });
      }
    },
  );

  app.get(
    '/v1/registries',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['registries'],
        summary: 'Do-not-call registry copies loaded, with their list dates for freshness',
        security: bearerSecurity,
        response: {
          200: {
            type: 'object',
            properties: {
              registries: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, name: { type: 'string' }, country: { type: ['string', 'null'] }, listDate: { type: 'string', format: 'date-time' }, version: { type: 'integer' }, entries: { type: 'integer' }, dated: { type: 'boolean' }, loadedAt: { type: 'string', format: 'date-time' } },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({
      registries: (await listRegistries(db)).map((r) => ({ ...r, listDate: iso(r.listDate), loadedAt: iso(r.loadedAt) })),
    }),
  );
}
