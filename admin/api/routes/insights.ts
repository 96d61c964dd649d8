import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../gateway/src/errors';
import { bearerSecurity, e164, errorResponses, id } from '../../../gateway/src/api/schemas/common';
import { dashboard, searchDecisions } from '../insights';
import { looseObject, visibleTenant } from '../scope';

const DAY = 86_400_000;
const READERS = ['compliance', 'auditor', 'admin'] as const;

function period(q: { from?: string; to?: string }, defaultDays: number): { from: number; to: number } {
  const to = q.to ? Date.parse(q.to) : Date.now();
  const from = q.from ? Date.parse(q.from) : to - defaultDays * DAY;
  if (!(from < to)) throw new AppError('VALIDATION_FAILED', 'The period must start before it ends');
  return { from, to };
}

export async function insightRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  const store = app.gate.policyStore;

  app.get(
    '/admin/api/tenants',
    {
      config: { roles: READERS },
      schema: {
        tags: ['admin'],
        summary: "The tenants the signed-in person may see: their own, or every tenant for the operator's staff",
        security: bearerSecurity,
        response: { 200: { type: 'object', properties: { tenants: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, legalName: { type: 'string' }, verificationStatus: { type: 'string' } } } } } }, ...errorResponses },
      },
    },
    async (request) => {
      const q = db('tenants').orderBy('legal_name').select('id', 'legal_name', 'verification_status');
      const own = visibleTenant(request);
      if (own) q.where({ id: own });
      return { tenants: (await q).map((t: Record<string, string>) => ({ id: t.id, legalName: t.legal_name, verificationStatus: t.verification_status })) };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; tenantId?: string } }>(
    '/admin/api/dashboard',
    {
      config: { roles: READERS },
      schema: {
        tags: ['admin'],
        summary: 'Decisions over time by outcome and reason, blocked reasons and caps per campaign, abandonment, registry freshness',
        security: bearerSecurity,
        querystring: { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, tenantId: id } },
        response: { 200: looseObject, ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = period(request.query, 7);
      return dashboard(db, await store.current(), visibleTenant(request, request.query.tenantId), from, to);
    },
  );

  app.get<{ Querystring: { callee?: string; campaignId?: string; from?: string; to?: string; outcome?: 'allowed' | 'denied'; tenantId?: string; limit?: number } }>(
    '/admin/api/decisions',
    {
      config: { roles: READERS },
      schema: {
        tags: ['admin'],
        summary: 'Search recorded decisions by callee, campaign and time, newest first',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          properties: {
            callee: e164,
            campaignId: id,
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            outcome: { type: 'string', enum: ['allowed', 'denied'] },
            tenantId: id,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { decisions: { type: 'array', items: looseObject } } }, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        decisions: await searchDecisions(db, {
          tenantId: visibleTenant(request, q.tenantId),
          callee: q.callee,
          campaignId: q.campaignId,
          from: q.from ? Date.parse(q.from) : undefined,
          to: q.to ? Date.parse(q.to) : undefined,
          outcome: q.outcome,
          limit: q.limit ?? 100,
        }),
      };
    },
  );
}
