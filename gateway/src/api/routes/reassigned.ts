import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../errors';
import { isCalendarDate } from '../../reassigned/format';
import { importReassigned } from '../../reassigned/import';
import { importedReassignedSource } from '../../reassigned/source';
import { bearerSecurity, errorResponses } from '../schemas/common';

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

const importResult = {
  type: 'object',
  properties: { version: { type: 'integer' }, asOf: date, coverageFrom: { ...date, nullable: true }, entries: { type: 'integer' }, digest: { type: 'string' } },
} as const;

/**
 * The FCC Reassigned Numbers Database's permanent-disconnect data: the file is the request body,
 * streamed (`number,disconnect_date` a line), and replaces the current data atomically.
 */
export async function reassignedRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  app.removeContentTypeParser('text/plain');
  for (const type of ['text/plain', 'text/csv', 'application/octet-stream']) {
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }

  app.post<{ Querystring: { asOf: string; coverageFrom?: string } }>(
    '/v1/reassigned-numbers/versions',
    {
      // The data applies to every tenant on the gateway: only the operator replaces it.
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['registries'],
        summary: 'Import the Reassigned Numbers Database permanent-disconnect data: lines of number,disconnect_date (text/plain or text/csv); a bad line refuses the file with a 400 naming it; replaces the current data atomically',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['asOf'],
          properties: {
            asOf: { ...date, description: 'The date the data describes (what the freshness parameter measures)' },
            coverageFrom: { ...date, description: 'The earliest date the data covers: a date of consent before it is answered "no data"' },
          },
        },
        response: { 201: importResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { asOf, coverageFrom } = request.query;
      for (const [name, value] of [['asOf', asOf], ['coverageFrom', coverageFrom]] as const) {
        if (value !== undefined && !isCalendarDate(value)) throw new AppError('VALIDATION_FAILED', `${name} ${value} is not a calendar date`);
      }
      if (coverageFrom !== undefined && coverageFrom > asOf) throw new AppError('VALIDATION_FAILED', 'coverageFrom must not be after asOf');
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') throw new AppError('VALIDATION_FAILED', 'Send the file as the body, with content-type text/plain or text/csv');
      const result = await importReassigned(db, { asOf, coverageFrom: coverageFrom ?? null }, body);
      request.log.info({ version: result.version, entries: result.entries }, 'reassigned-numbers data imported');
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/v1/reassigned-numbers',
    {
      config: { roles: ['admin', 'auditor'], operatorOnly: true },
      schema: {
        tags: ['registries'],
        summary: 'The Reassigned Numbers Database data in force: version, as-of date and coverage',
        security: bearerSecurity,
        response: { 200: { type: 'object', properties: { loaded: { type: 'boolean' }, version: { type: 'integer' }, asOf: date, coverageFrom: { ...date, nullable: true } } }, ...errorResponses },
      },
    },
    async () => {
      const status = await importedReassignedSource.status(db);
      return status ? { loaded: true, ...status } : { loaded: false };
    },
  );
}
