import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { disabledUsersCheck } from './disabled-users';
import { insightRoutes } from './routes/insights';
import { policyRoutes } from './routes/policies';
import { sessionRoutes } from './routes/session';
import { userRoutes } from './routes/users';
import { uiRoutes } from './static';

/**
 * The admin UI and the API only it needs; everything else it does goes through the public /v1
 * routes. Not encapsulated, so that the disabled-account check also guards those routes.
 */
async function adminPlugin(app: FastifyInstance): Promise<void> {
  await app.register(disabledUsersCheck);
  for (const routes of [sessionRoutes, userRoutes, policyRoutes, insightRoutes, uiRoutes]) await app.register(routes);
}

export const adminApi = fp(adminPlugin, { name: 'callgate-admin' });
