import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors';
import { requireValidNumber } from '../../numbers/phone';
import { importAttempts } from '../../storage/history';
import { tenantOf } from '../auth';
import { bearerSecurity, e164, errorResponses, id, instant } from '../schemas/common';

interface HistoryBody {
  tenantId?: string;
  attempts: { callee: string; caller?: string | null; campaignId?: string | null; attemptedAt: string }[];
}

export async function historyRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: HistoryBody }>(
    '/v1/call-history',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['calls'],
        summary: 'Import calls placed before adopting callgate, so frequency caps hold from day one',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['attempts'],
          properties: {
            tenantId: id,
            attempts: {
              type: 'array',
              minItems: 1,
              maxItems: 10000,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['callee', 'attemptedAt'],
                properties: { callee: e164, caller: { anyOf: [e164, { type: 'null' }] }, campaignId: { anyOf: [id, { type: 'null' }] }, attemptedAt: instant },
              },
            },
          },
        },
        response: { 201: { type: 'object', properties: { imported: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request, request.body.tenantId);
      const now = Date.now();
      const attempts = request.body.attempts.map((a, i) => {
        const callee = requireValidNumber(a.callee, `attempts[${i}]: the callee`);
        const attemptedAt = Date.parse(a.attemptedAt);
        if (attemptedAt > now) throw new AppError('VALIDATION_FAILED', `attempts[${i}]: a past call cannot be in the future`);
        return { callee: callee.e164, caller: a.caller ?? null, campaignId: a.campaignId ?? null, attemptedAt };
      });
      return reply.status(201).send({ imported: await importAttempts(db, tenantId, attempts) });
    },
  );
}
