import type { FastifyInstance } from 'fastify';
import { createBan, listBans, revokeBan } from '../../storage/bans';
import { bearerSecurity, errorResponses, id, nullableInstant } from '../schemas/common';

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

const banJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    region: { type: 'string' },
    startsOn: { type: 'string' },
    endsOn: { type: 'string' },
    reason: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: nullableInstant,
  },
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const present = <T extends { createdAt: number; revokedAt: number | null }>(b: T) => ({ ...b, createdAt: iso(b.createdAt), revokedAt: iso(b.revokedAt) });

/**
 * No-call periods entered by the gateway operator for a country or subdivision (a state of
 * emergency, a day of mourning): every tenant's calls there are denied HOLIDAY on those local dates.
 */
export async function callingBanRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: { region: string; startsOn: string; endsOn: string; reason: string } }>(
    '/v1/calling-bans',
    {
      // A ban applies to every tenant on the gateway: only the operator enters or lifts it.
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['policy'],
        summary: "A no-call period for a country (\"US\") or subdivision (\"US-LA\"), in the callee's local dates, ends included",
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['region', 'startsOn', 'endsOn', 'reason'],
          properties: { region: { type: 'string', pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' }, startsOn: date, endsOn: date, reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 201: banJson, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(present(await createBan(db, { ...request.body, createdBy: request.principal.subject }))),
  );

  app.get(
    '/v1/calling-bans',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: { tags: ['policy'], summary: 'Operator-entered no-call periods, revoked ones included', security: bearerSecurity, response: { 200: { type: 'object', properties: { bans: { type: 'array', items: banJson } } }, ...errorResponses } },
    },
    async () => ({ bans: (await listBans(db)).map(present) }),
  );

  app.post<{ Params: { banId: string } }>(
    '/v1/calling-bans/:banId/revoke',
    {
      // A ban applies to every tenant on the gateway: only the operator enters or lifts it.
      config: { roles: ['admin'], operatorOnly: true },
      schema: { tags: ['policy'], summary: 'Lift a no-call period', security: bearerSecurity, params: { type: 'object', properties: { banId: id } }, response: { 200: banJson, ...errorResponses } },
    },
    async (request) => present(await revokeBan(db, request.params.banId)),
  );
}
