import type { FastifyInstance } from 'fastify';
import { iso } from '../../iso';
import { knownLocation, type LocationInput } from '../../numbers/known-location';
import { requireValidNumber } from '../../numbers/phone';
import { createCalleeLocation, listCalleeLocations, type CalleeLocation } from '../../storage/callee-locations';
import { tenantOf } from '../auth';
import { bearerSecurity, e164, errorResponses, id, instant } from '../schemas/common';
import { locationProperties } from '../schemas/location';

const locationJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    callee: { type: 'string' },
    ...locationProperties,
    observedAt: instant,
    recordedBy: { type: 'string' },
  },
} as const;

const toJson = (l: CalleeLocation) => ({ ...l, observedAt: iso(l.observedAt), createdAt: undefined });

/** Where a tenant knows its callees to be: used by decisions whose call names no location itself. */
export async function calleeLocationRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: LocationInput & { tenantId?: string; callee: string; observedAt: string } }>(
    '/v1/callee-locations',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: "Record where a callee is known to be (their address on file); the newest observation is used when a call names no location",
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['callee', 'source', 'observedAt'],
          properties: { tenantId: id, callee: e164, ...locationProperties, observedAt: instant },
        },
        response: { 201: locationJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId, callee, observedAt, ...place } = request.body;
      const info = requireValidNumber(callee, 'callee');
      const location = knownLocation(place, Date.parse(observedAt)) as CalleeLocation;
      const stored = await createCalleeLocation(db, tenantOf(request, tenantId), info.e164, location, request.principal.subject);
      return reply.status(201).send(toJson(stored));
    },
  );

  app.get<{ Querystring: { callee: string; tenantId?: string } }>(
    '/v1/callee-locations',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: "A callee's known locations recorded by the tenant, newest observation first",
        security: bearerSecurity,
        querystring: { type: 'object', required: ['callee'], properties: { callee: e164, tenantId: id } },
        response: { 200: { type: 'object', properties: { calleeLocations: { type: 'array', items: locationJson } } }, ...errorResponses },
      },
    },
    async (request) => ({ calleeLocations: (await listCalleeLocations(db, tenantOf(request, request.query.tenantId), request.query.callee)).map(toJson) }),
  );
}
