import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../gateway/src/errors';
import { bearerSecurity, errorResponses, id } from '../../../gateway/src/api/schemas/common';
import { visibleTenant } from '../scope';
import { managedUserJson as userJson } from './user-json';
import { createUser, listUsers, setUserDisabled, USER_ROLES, type UserRole } from '../users';

export async function userRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.get<{ Querystring: { tenantId?: string } }>(
    '/admin/api/users',
    {
      config: { roles: ['admin'] },
      schema: { tags: ['admin'], summary: 'The admin UI users an admin manages', security: bearerSecurity, querystring: { type: 'object', properties: { tenantId: id } }, response: { 200: { type: 'object', properties: { users: { type: 'array', items: userJson } } }, ...errorResponses } },
    },
    async (request) => ({ users: await listUsers(db, visibleTenant(request, request.query.tenantId)) }),
  );

  app.post<{ Body: { username: string; displayName?: string; role: UserRole; tenantId?: string | null; password: string } }>(
    '/admin/api/users',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: "Create a user; a tenant's admin creates users of that tenant only",
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'role', 'password'],
          properties: {
            username: { type: 'string', minLength: 3, maxLength: 100 },
            displayName: { type: 'string', maxLength: 200 },
            role: { type: 'string', enum: USER_ROLES },
            tenantId: { type: ['string', 'null'], maxLength: 40 },
            password: { type: 'string', minLength: 10, maxLength: 1000 },
          },
        },
        response: { 201: userJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const own = request.principal.tenantId;
      const tenantId = own ?? request.body.tenantId ?? null;
      if (own && request.body.tenantId && request.body.tenantId !== own) throw new AppError('FORBIDDEN_TENANT', 'You may create users of your own tenant only');
      const user = await createUser(db, { ...request.body, tenantId }, request.principal.subject);
      return reply.status(201).send(user);
    },
  );

  app.post<{ Params: { userId: string }; Body: { disabled: boolean } }>(
    '/admin/api/users/:userId/disabled',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Disable a user (no new sign-in) or enable it again',
        security: bearerSecurity,
        params: { type: 'object', properties: { userId: id } },
        body: { type: 'object', additionalProperties: false, required: ['disabled'], properties: { disabled: { type: 'boolean' } } },
        response: { 200: userJson, ...errorResponses },
      },
    },
    async (request) => {
      const user = await setUserDisabled(db, request.params.userId, request.principal.tenantId, request.body.disabled);
      app.accountChanged(user.username);
      return user;
    },
  );
}
