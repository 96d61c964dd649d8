import type { FastifyInstance } from 'fastify';
import { liftSuspension, listSuspensions, MIN_LIFT_REASON, type AbuseSuspension } from '../../abuse/suspensions';
import { listConsentFlags } from '../../abuse/consent-provenance';
import { AppError } from '../../errors';
import { iso } from '../../iso';
import { tenantOf } from '../auth';
import { bearerSecurity, errorResponses, id, instant, nullableInstant } from '../schemas/common';

export const suspensionSchema = {
  type: 'object',
  required: ['id', 'tenantId', 'subjectKind', 'subject', 'signal', 'action', 'message', 'since'],
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    subjectKind: { type: 'string', enum: ['caller_number', 'tenant'] },
    subject: { type: 'string', description: 'The display number (E.164) or the tenant id' },
    signal: { type: 'string', description: 'The threshold that tripped' },
    action: { type: 'string', enum: ['suspend', 'observe'] },
    observed: { type: 'integer' },
    threshold: { type: 'integer' },
    windowSeconds: { type: 'integer' },
    message: { type: 'string' },
    since: instant,
    liftedAt: nullableInstant,
    liftedBy: { type: ['string', 'null'] },
    liftReason: { type: ['string', 'null'] },
  },
} as const;

export const suspensionJson = (s: AbuseSuspension) => ({ ...s, since: iso(s.since), liftedAt: s.liftedAt === null ? null : iso(s.liftedAt) });

export async function abuseSuspensionRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.get<{ Querystring: { tenantId?: string; active?: boolean } }>(
    '/v1/abuse-suspensions',
    {
      config: { roles: ['compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['abuse'],
        summary: 'Suspensions and observations tripped by abuse thresholds, newest first',
        security: bearerSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { tenantId: id, active: { type: 'boolean' } } },
        response: { 200: { type: 'object', properties: { suspensions: { type: 'array', items: suspensionSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const bound = request.principal.tenantId;
      const tenantId = bound ? tenantOf(request, request.query.tenantId) : request.query.tenantId ?? null;
      return { suspensions: (await listSuspensions(db, { tenantId, active: request.query.active })).map(suspensionJson) };
    },
  );

  app.get<{ Querystring: { tenantId?: string } }>(
    '/v1/consent-flags',
    {
      config: { roles: ['compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['abuse'],
        summary: 'Consents whose evidence looks manufactured (one IP, machine rhythm, one text across tenants), flagged for review',
        security: bearerSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { tenantId: id } },
        response: {
          200: {
            type: 'object',
            properties: {
              flags: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    tenantId: { type: 'string' },
                    signal: { type: 'string' },
                    subject: { type: 'string' },
                    consents: { type: 'integer' },
                    exampleConsentIds: { type: 'array', items: { type: 'string' } },
                    message: { type: 'string' },
                    flaggedAt: instant,
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const tenantId = request.principal.tenantId ? tenantOf(request, request.query.tenantId) : request.query.tenantId ?? null;
      return { flags: (await listConsentFlags(db, tenantId)).map((f) => ({ ...f, flaggedAt: iso(f.flaggedAt) })) };
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/v1/abuse-suspensions/:id/lift',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['abuse'],
        summary: "Lift a suspension after reviewing its evidence; only the gateway's operator may, with a reason kept on the trail",
        security: bearerSecurity,
        params: { type: 'object', required: ['id'], properties: { id } },
        body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: MIN_LIFT_REASON, maxLength: 2000 } } },
        response: { 200: suspensionSchema, ...errorResponses },
      },
    },
    async (request) => {
      // The tenant under suspension must not be its own reviewer.
      if (request.principal.tenantId) {
        throw new AppError('FORBIDDEN_ROLE', "A suspension is lifted by the gateway's operator, not by a tenant's own staff");
      }
      return suspensionJson(await liftSuspension(db, request.params.id, request.body.reason, request.principal.subject));
    },
  );
}
