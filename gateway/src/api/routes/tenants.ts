import type { FastifyInstance } from 'fastify';
import { isValidUscc } from '../../domain/uscc';
import { AppError } from '../../errors';
import { isoOrNull } from '../../iso';
import { createTenant, getTenant, listTenants, setTenantVerification, type Tenant } from '../../storage/entities';
import { tenantOf } from '../auth';
import { bearerSecurity, errorResponses, id, nullableInstant, verificationStatus } from '../schemas/common';

const tenantJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    legalName: { type: 'string' },
    uscc: { type: ['string', 'null'] },
    country: { type: 'string' },
    verificationStatus: { type: 'string' },
    verificationEvidence: {},
    verifiedBy: { type: ['string', 'null'] },
    verifiedAt: nullableInstant,
  },
} as const;

const toJson = (t: Tenant) => ({ ...t, verifiedAt: isoOrNull(t.verifiedAt) });

export async function tenantRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: { legalName: string; uscc?: string; country: string } }>(
    '/v1/tenants',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['tenants'],
        summary: 'Register a calling enterprise; it starts unverified',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['legalName', 'country'],
          properties: {
            legalName: { type: 'string', minLength: 1, maxLength: 200 },
            uscc: { type: 'string', maxLength: 40, description: '统一社会信用代码, required for Chinese enterprises, checked with its check character' },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
          },
        },
        response: { 201: tenantJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { legalName, uscc, country } = request.body;
      if (country === 'CN' && !uscc) throw new AppError('INVALID_USCC', 'A Chinese enterprise is identified by its 统一社会信用代码 (uscc)');
      if (uscc && !isValidUscc(uscc)) throw new AppError('INVALID_USCC', `${uscc} is not a valid 统一社会信用代码 (wrong length, letters or check character)`);
      return reply.status(201).send(toJson(await createTenant(db, { legalName, uscc: uscc ?? null, country })));
    },
  );

  app.get(
    '/v1/tenants',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: { tags: ['tenants'], summary: 'Every tenant', security: bearerSecurity, response: { 200: { type: 'object', properties: { tenants: { type: 'array', items: tenantJson } } }, ...errorResponses } },
    },
    async () => ({ tenants: (await listTenants(db)).map(toJson) }),
  );

  app.get<{ Params: { tenantId: string } }>(
    '/v1/tenants/:tenantId',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: { tags: ['tenants'], summary: 'One tenant', security: bearerSecurity, params: { type: 'object', properties: { tenantId: id } }, response: { 200: tenantJson, ...errorResponses } },
    },
    async (request) => toJson(await getTenant(db, tenantOf(request, request.params.tenantId))),
  );

  app.post<{ Params: { tenantId: string }; Body: { status: Tenant['verificationStatus']; evidence: unknown } }>(
    '/v1/tenants/:tenantId/verification',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['tenants'],
        summary: "Record the outcome of the enterprise's real-name verification, with its evidence",
        security: bearerSecurity,
        params: { type: 'object', properties: { tenantId: id } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status', 'evidence'],
          properties: { status: verificationStatus, evidence: { type: 'object', description: 'What was checked: licence scan reference, registry extract, checker notes' } },
        },
        response: { 200: tenantJson, ...errorResponses },
      },
    },
    async (request) => toJson(await setTenantVerification(db, request.params.tenantId, request.body.status, request.body.evidence, request.principal.subject)),
  );
}
