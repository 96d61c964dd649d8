import type { FastifyInstance } from 'fastify';
import { iso } from '../../iso';
import { addSipDialer, listSipDialers, removeSipDialer, type SipDialer } from '../../storage/sip-dialers';
import { bearerSecurity, errorResponses, id } from '../schemas/common';

const dialerJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    source: { type: 'string', description: 'IP address or network (CIDR) the dialer sends its INVITEs from' },
    defaultCampaignId: { type: ['string', 'null'] },
    description: { type: ['string', 'null'] },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const toJson = (d: SipDialer) => ({ ...d, createdAt: iso(d.createdAt) });

/**
 * The SIP allow-list: which source addresses speak for which tenant. Binding an address to a
 * tenant lets it place that tenant's calls, so only the gateway operator manages it. Running
 * gateways pick changes up within SIP_DIALER_REFRESH_MS.
 */
export async function sipDialerRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: { tenantId: string; source: string; defaultCampaignId?: string; description?: string } }>(
    '/v1/sip-dialers',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['sip'],
        summary: "Allow a dialer's source address to send SIP calls for a tenant",
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['tenantId', 'source'],
          properties: {
            tenantId: id,
            source: { type: 'string', minLength: 2, maxLength: 64, description: '10.1.2.3, 10.1.2.0/24 or 2001:db8::/48' },
            defaultCampaignId: { ...id, description: 'The campaign of INVITEs that carry no campaign header' },
            description: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: dialerJson, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(toJson(await addSipDialer(db, request.body, request.principal.subject))),
  );

  app.get<{ Querystring: { tenantId?: string } }>(
    '/v1/sip-dialers',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['sip'],
        summary: 'The SIP dialer allow-list',
        security: bearerSecurity,
        querystring: { type: 'object', properties: { tenantId: id } },
        response: { 200: { type: 'object', properties: { sipDialers: { type: 'array', items: dialerJson } } }, ...errorResponses },
      },
    },
    async (request) => ({ sipDialers: (await listSipDialers(db, request.query.tenantId ?? null)).map(toJson) }),
  );

  app.post<{ Params: { dialerId: string } }>(
    '/v1/sip-dialers/:dialerId/remove',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['sip'],
        summary: 'Stop accepting SIP calls from this source address',
        security: bearerSecurity,
        params: { type: 'object', properties: { dialerId: id } },
        response: { 200: dialerJson, ...errorResponses },
      },
    },
    async (request) => toJson(await removeSipDialer(db, request.params.dialerId)),
  );
}
