import type { FastifyInstance } from 'fastify';
import { mintToken } from '../../../gateway/src/auth/tokens';
import { AppError } from '../../../gateway/src/errors';
import { logAction } from '../../../gateway/src/storage/admin-log';
import { bearerSecurity, errorResponses } from '../../../gateway/src/api/schemas/common';
import { authenticate } from '../users';

/** A working day: officers sign in again each morning. */
const SESSION_SECONDS = 8 * 3600;

const userJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string' },
    tenantId: { type: ['string', 'null'] },
  },
} as const;

export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const { db, signingSecret } = app.gate;

  app.post<{ Body: { username: string; password: string } }>(
    '/admin/api/session',
    {
      schema: {
        tags: ['admin'],
        summary: 'Sign in to the admin UI: a user name and password for a bearer token of the user\'s role and tenant',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, user: userJson } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await authenticate(db, username, password);
      const actor = { subject: username, role: user?.role ?? 'unknown', tenantId: user?.tenantId ?? null };
      await logAction(db, actor, user ? 'sign in' : 'sign in refused', null, { ip: request.ip });
      if (!user) throw new AppError('INVALID_CREDENTIALS');
      const token = mintToken(signingSecret, { subject: user.username, role: user.role, tenantId: user.tenantId }, SESSION_SECONDS);
      return reply.status(201).send({ token, expiresAt: new Date(Date.now() + SESSION_SECONDS * 1000).toISOString(), user });
    },
  );

  app.get(
    '/admin/api/session',
    {
      config: { roles: ['compliance', 'auditor', 'admin'] },
      schema: { tags: ['admin'], summary: 'Who the token belongs to', security: bearerSecurity, response: { 200: { type: 'object', properties: { subject: { type: 'string' }, role: { type: 'string' }, tenantId: { type: ['string', 'null'] } } }, ...errorResponses } },
    },
    async (request) => request.principal,
  );
}
