import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../errors';
import { REGISTRY_FORMATS, type RegistryFormat } from '../../registries/parse';
import { importRegistry } from '../../storage/registry';
import { bearerSecurity, errorResponses } from '../schemas/common';

const importResult = {
  type: 'object',
  properties: {
    listId: { type: 'string' },
    version: { type: 'integer' },
    entries: { type: 'integer' },
    rejectedLines: { type: 'integer' },
    firstRejected: { type: 'array', items: { type: 'string' } },
    format: { type: 'string', enum: ['plain', 'csv'], description: 'The format read' },
    dated: { type: 'boolean', description: 'Whether each number keeps its registration date' },
    undatedLines: { type: 'integer', description: 'csv lines whose number was kept without a date: it binds at once' },
    firstUndated: { type: 'array', items: { type: 'string' } },
  },
} as const;

/**
 * Do-not-call registry imports: the file is the request body, streamed, never held whole in memory
 * as text. The new version replaces the old one atomically, and every instance loads it before its
 * next decision.
 */
export async function registryRoutes(app: FastifyInstance): Promise<void> {
  const { db, registries } = app.gate;
  // The body stays a stream; a registry of tens of millions of numbers is hundreds of megabytes.
  app.removeContentTypeParser('text/plain');
  for (const type of ['text/plain', 'application/octet-stream']) {
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }

  app.post<{ Params: { listId: string }; Querystring: { name: string; listDate: string; country?: string; callingCode?: string; format?: RegistryFormat } }>(
    '/v1/registries/:listId/versions',
    {
      // A registry applies to every tenant on the gateway: only the operator replaces it.
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['registries'],
        summary: 'Import a new version of a do-not-call registry, as text/plain: one number per line, or a number and its registration date per line (csv); replaces the current list atomically',
        security: bearerSecurity,
        params: { type: 'object', properties: { listId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$' } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'listDate'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            listDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The date the registry published this copy (what the freshness rule measures)' },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            callingCode: { type: 'string', pattern: '^[1-9]\\d{0,2}$', description: 'Country calling code for lines in national form' },
            format: {
              type: 'string',
              enum: REGISTRY_FORMATS,
              default: 'auto',
              description: 'plain: one number a line; csv: number,date a line (comma, semicolon or tab; YYYY-MM-DD or YYYYMMDD), each number keeping its registration date; auto: csv when the first line is a header or has a YYYY-MM-DD date, else plain',
            },
          },
        },
        response: { 201: importResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name, listDate, country, callingCode, format } = request.query;
      const listId = request.params.listId;
      const date = Date.parse(`${listDate}T00:00:00Z`);
      if (Number.isNaN(date)) throw new AppError('VALIDATION_FAILED', `listDate ${listDate} is not a calendar date`);
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') throw new AppError('VALIDATION_FAILED', 'Send the registry file as the body, with content-type text/plain');
      const result = await importRegistry(
        db,
        { listId, name, country: country ?? null, listDate: date },
        body,
        { defaultCallingCode: callingCode ?? null, format, onProgress: (p) => request.log.info({ listId, ...p }, 'registry import progress') },
      );
      await registries.sync();
      return reply.status(201).send(result);
    },
  );
}
