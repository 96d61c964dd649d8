import type { FastifyInstance } from 'fastify';
import { iso } from '../../iso';
import { addTenantGroupMember, createTenantGroup, listTenantGroups, type TenantGroup } from '../../storage/tenant-groups';
import { bearerSecurity, errorResponses, id, instant } from '../schemas/common';

/** Evidence of common control: a register extract, a filing, a shareholding, by reference. */
const evidence = {
  type: 'object',
  additionalProperties: false,
  required: ['description'],
  properties: { description: { type: 'string', minLength: 1, maxLength: 2000 }, reference: { type: 'string', maxLength: 200 } },
} as const;

const groupJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    evidence: {},
    createdBy: { type: 'string' },
    createdAt: instant,
    members: {
      type: 'array',
      items: {
        type: 'object',
        properties: { tenantId: { type: 'string' }, tenantName: { type: 'string' }, evidence: {}, addedBy: { type: 'string' }, addedAt: instant },
      },
    },
  },
} as const;

const toJson = (g: TenantGroup) => ({ ...g, createdAt: iso(g.createdAt), members: g.members.map((m) => ({ ...m, addedAt: iso(m.addedAt) })) });

/**
 * Groups of affiliates under common control. Membership decides whether one tenant's refusals stop
 * another tenant's calls, so only the gateway operator enters it, with evidence, on the trail.
 */
export async function tenantGroupRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: { name: string; evidence: { description: string; reference?: string } } }>(
    '/v1/tenant-groups',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['tenants'],
        summary: 'A group of affiliates under common control, with the evidence of that control',
        security: bearerSecurity,
        body: { type: 'object', additionalProperties: false, required: ['name', 'evidence'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, evidence } },
        response: { 201: groupJson, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(toJson(await createTenantGroup(db, request.body, request.principal.subject))),
  );

  app.post<{ Params: { groupId: string }; Body: { tenantId: string; evidence: { description: string; reference?: string } } }>(
    '/v1/tenant-groups/:groupId/members',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['tenants'],
        summary: "Add a tenant to a group of affiliates; where a pack says so, its affiliates' refusals stop its calls from the next decision on",
        security: bearerSecurity,
        params: { type: 'object', properties: { groupId: id } },
        body: { type: 'object', additionalProperties: false, required: ['tenantId', 'evidence'], properties: { tenantId: id, evidence } },
        response: { 201: groupJson, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(toJson(await addTenantGroupMember(db, request.params.groupId, request.body, request.principal.subject))),
  );

  app.get(
    '/v1/tenant-groups',
    {
      config: { roles: ['admin', 'auditor'], operatorOnly: true },
      schema: {
        tags: ['tenants'],
        summary: 'Every group of affiliates with its members and evidence',
        security: bearerSecurity,
        response: { 200: { type: 'object', properties: { groups: { type: 'array', items: groupJson } } }, ...errorResponses },
      },
    },
    async () => ({ groups: (await listTenantGroups(db)).map(toJson) }),
  );
}
