import type { FastifyInstance } from 'fastify';
import { iso } from '../../iso';
import { requireValidNumber } from '../../numbers/phone';
import { createRelationship, listRelationships, type Relationship } from '../../storage/relationships';
import { tenantOf } from '../auth';
import { bearerSecurity, e164, errorResponses, id, instant } from '../schemas/common';

const relationshipJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    callee: { type: 'string' },
    kind: { type: 'string' },
    occurredAt: instant,
    evidence: {},
    recordedBy: { type: 'string' },
  },
} as const;

const toJson = (r: Relationship) => ({ ...r, occurredAt: iso(r.occurredAt) });

/** Established business relationships, which packs may let exempt a number on a do-not-call list. */
export async function relationshipRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: { tenantId?: string; callee: string; kind: 'transaction' | 'inquiry'; occurredAt: string; evidence: { description: string; reference?: string } } }>(
    '/v1/relationships',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: 'Record an established business relationship: a purchase, lease or contract (transaction) or an inquiry or application',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['callee', 'kind', 'occurredAt', 'evidence'],
          properties: {
            tenantId: id,
            callee: e164,
            kind: { type: 'string', enum: ['transaction', 'inquiry'] },
            occurredAt: instant,
            evidence: {
              type: 'object',
              additionalProperties: false,
              required: ['description'],
              properties: { description: { type: 'string', minLength: 1, maxLength: 2000 }, reference: { type: 'string', maxLength: 200 } },
            },
          },
        },
        response: { 201: relationshipJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId, callee, occurredAt, ...rest } = request.body;
      const info = requireValidNumber(callee, 'callee');
      const relationship = await createRelationship(db, tenantOf(request, tenantId), { ...rest, callee: info.e164, occurredAt: Date.parse(occurredAt) }, request.principal.subject);
      return reply.status(201).send(toJson(relationship));
    },
  );

  app.get<{ Querystring: { callee: string; tenantId?: string } }>(
    '/v1/relationships',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: "A callee's established business relationships with the tenant",
        security: bearerSecurity,
        querystring: { type: 'object', required: ['callee'], properties: { callee: e164, tenantId: id } },
        response: { 200: { type: 'object', properties: { relationships: { type: 'array', items: relationshipJson } } }, ...errorResponses },
      },
    },
    async (request) => ({ relationships: (await listRelationships(db, tenantOf(request, request.query.tenantId), request.query.callee)).map(toJson) }),
  );
}
