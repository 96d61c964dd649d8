import type { FastifyInstance } from 'fastify';
import { createRegistration, listRegistrations } from '../../storage/registrations';
import { tenantOf } from '../auth';
import { bearerSecurity, errorResponses, id } from '../schemas/common';

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

const registrationJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    region: { type: 'string' },
    authority: { type: 'string' },
    reference: { type: 'string' },
    validFrom: { type: 'string' },
    validUntil: { type: 'string' },
    createdBy: { type: 'string' },
  },
} as const;

/**
 * A seller's registrations with state authorities (Texas Secretary of State): recorded by the
 * gateway operator after checking the certificate, required by packs' registration rules.
 */
export async function registrationRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  const params = { type: 'object', properties: { tenantId: id } } as const;

  app.post<{ Params: { tenantId: string }; Body: { region: string; authority: string; reference: string; validFrom: string; validUntil: string } }>(
    '/v1/tenants/:tenantId/registrations',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['tenants'],
        summary: "Record the tenant's registration with a state authority (e.g. US-TX, Texas Secretary of State), valid on local dates from..until",
        security: bearerSecurity,
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['region', 'authority', 'reference', 'validFrom', 'validUntil'],
          properties: {
            region: { type: 'string', pattern: '^[A-Z]{2}-[A-Z0-9]{1,3}$' },
            authority: { type: 'string', minLength: 1, maxLength: 200 },
            reference: { type: 'string', minLength: 1, maxLength: 200 },
            validFrom: date,
            validUntil: date,
          },
        },
        response: { 201: registrationJson, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await createRegistration(db, request.params.tenantId, { ...request.body, createdBy: request.principal.subject })),
  );

  app.get<{ Params: { tenantId: string } }>(
    '/v1/tenants/:tenantId/registrations',
    {
      config: { roles: ['compliance', 'auditor', 'admin'] },
      schema: { tags: ['tenants'], summary: "The tenant's registrations with state authorities", security: bearerSecurity, params, response: { 200: { type: 'object', properties: { registrations: { type: 'array', items: registrationJson } } }, ...errorResponses } },
    },
    async (request) => ({ registrations: await listRegistrations(db, tenantOf(request, request.params.tenantId)) }),
  );
}
