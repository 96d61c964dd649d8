import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { bearerSecurity, errorResponses } from '../../../gateway/src/api/schemas/common';
import { AppError } from '../../../gateway/src/errors';
import { importRegistry } from '../../../gateway/src/storage/registry';

interface ImportQuery {
  name: string;
  date: string;
  country?: string;
  callingCode?: string;
}

/**
 * Registry import from the browser: the list streams, one number per line, straight into a new
 * version of the registry (never held in memory), which becomes current in one update.
 */
export async function registryRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  // Only in this plugin: a text body is handed over as the request stream, whatever its size.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', (_request, payload, done) => done(null, payload));

  app.post<{ Params: { listId: string }; Querystring: ImportQuery; Body: Readable }>(
    '/admin/api/registries/:listId/import',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['admin'],
        summary: 'Import a new copy of a do-not-call registry: a text/plain body, one number per line',
        description: 'Numbers in E.164, or national numbers with callingCode. Blank lines and lines starting with # are skipped; other unreadable lines are counted and the first ten returned.',
        security: bearerSecurity,
        params: { type: 'object', properties: { listId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$' } } },
        querystring: {
          type: 'object',
          required: ['name', 'date'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The date the registry published this copy' },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            callingCode: { type: 'string', pattern: '^[1-9]\\d{0,2}$' },
          },
        },
        response: {
          201: { type: 'object', properties: { listId: { type: 'string' }, version: { type: 'integer' }, entries: { type: 'integer' }, rejectedLines: { type: 'integer' }, firstRejected: { type: 'array', items: { type: 'string' } } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const listDate = Date.parse(`${request.query.date}T00:00:00Z`);
      if (Number.isNaN(listDate)) throw new AppError('VALIDATION_FAILED', `${request.query.date} is not a date`);
      if (!request.body || typeof (request.body as Readable).pipe !== 'function') throw new AppError('VALIDATION_FAILED', 'Send the list as text/plain, one number per line');
      const result = await importRegistry(
        db,
        { listId: request.params.listId, name: request.query.name, country: request.query.country ?? null, listDate },
        request.body,
        { defaultCallingCode: request.query.callingCode ?? null },
      );
      return reply.status(201).send(result);
    },
  );
}
