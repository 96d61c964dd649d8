import type { FastifyInstance } from 'fastify';
import { insightRoutes } from './routes/insights';
import { policyRoutes } from './routes/policies';
import { registryRoutes } from './routes/registries';
import { sessionRoutes } from './routes/session';
import { userRoutes } from './routes/users';
import { uiRoutes } from './static';

/** The admin UI and the API only it needs; everything else it does goes through the public /v1 routes. */
export async function adminApi(app: FastifyInstance): Promise<void> {
  for (const routes of [sessionRoutes, userRoutes, policyRoutes, insightRoutes, registryRoutes, uiRoutes]) await app.register(routes);
}
