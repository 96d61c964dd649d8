import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors';
import { numberInfo } from '../../numbers/phone';
import { importAttempts, type HistoricalAttempt } from '../../storage/history';
import { OUTCOMES, type Outcome } from '../../storage/outcomes';
import type { Db } from '../../storage/db';
import { tenantOf } from '../auth';
import { bearerSecurity, e164, errorResponses, id, instant } from '../schemas/common';

interface AttemptBody {
  callee: string;
  caller?: string | null;
  campaignId?: string | null;
  attemptedAt: string;
  outcome?: Outcome | null;
  durationSeconds?: number | null;
  infoMessagePlayed?: boolean | null;
  answerMachineDetected?: boolean | null;
  externalId?: string | null;
}

interface HistoryBody {
  tenantId?: string;
  attempts: AttemptBody[];
}

interface RowError {
  row: number;
  field: string;
  message: string;
}

const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] });

const attemptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['callee', 'attemptedAt'],
  properties: {
    callee: e164,
    caller: nullable(e164),
    campaignId: nullable(id),
    attemptedAt: instant,
    outcome: nullable({ type: 'string', enum: OUTCOMES, description: 'How the call ended, as POST /v1/calls/{decisionId}/outcome reports it' }),
    durationSeconds: nullable({ type: 'integer', minimum: 0, maximum: 86400 }),
    infoMessagePlayed: nullable({ type: 'boolean', description: 'Whether an information message was played (e.g. on an abandoned call)' }),
    answerMachineDetected: nullable({ type: 'boolean', description: 'Whether answer-machine detection judged a machine: the callee then waits out the pack\'s answer-machine redial wait' }),
    externalId: nullable({ type: 'string', minLength: 1, maxLength: 200, description: "The old dialer's id of the call; re-importing it adds nothing" }),
  },
} as const;

/** Every row checked before any is stored: the answer names each bad row, and nothing is half-imported. */
async function checkRows(db: Db, tenantId: string, rows: AttemptBody[], now: number): Promise<{ attempts: HistoricalAttempt[]; errors: RowError[] }> {
  const errors: RowError[] = [];
  const campaignIds = [...new Set(rows.map((r) => r.campaignId).filter((c): c is string => typeof c === 'string'))];
  const own = new Set((await db('campaigns').whereIn('id', campaignIds).andWhere({ tenant_id: tenantId }).select('id')).map((r: { id: string }) => r.id));
  const attempts = rows.map((r, row) => {
    const callee = numberInfo(r.callee);
    if (!callee?.valid) errors.push({ row, field: 'callee', message: `${r.callee} is not a valid, allocated number` });
    const attemptedAt = Date.parse(r.attemptedAt);
    if (attemptedAt > now) errors.push({ row, field: 'attemptedAt', message: 'a past call cannot be in the future' });
    // Another tenant's campaign would let one tenant move another's abandonment rate.
    if (r.campaignId && !own.has(r.campaignId)) errors.push({ row, field: 'campaignId', message: `no campaign ${r.campaignId} for this tenant` });
    return {
      callee: callee?.e164 ?? r.callee,
      caller: r.caller ?? null,
      campaignId: r.campaignId ?? null,
      attemptedAt,
      outcome: r.outcome ?? null,
      durationSeconds: r.durationSeconds ?? null,
      infoMessage: r.infoMessagePlayed ?? null,
      answerMachine: r.answerMachineDetected ?? null,
      externalId: r.externalId ?? null,
    };
  });
  return { attempts, errors };
}

export async function historyRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: HistoryBody }>(
    '/v1/call-history',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['calls'],
        summary: 'Import calls placed before adopting callgate, with how they ended, so caps, abandonment rates and redial waits hold from day one',
        description:
          'All rows or none. A row with the same externalId (or, without one, the same campaign, callee and instant) as one imported before adds nothing and is counted as a duplicate. ' +
          'Bad rows are refused with VALIDATION_FAILED and details naming each row.',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['attempts'],
          properties: { tenantId: id, attempts: { type: 'array', minItems: 1, maxItems: 10000, items: attemptSchema } },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              importId: { type: 'string', description: 'The import on the audit trail' },
              imported: { type: 'integer', description: 'Rows stored now (same as inserted)' },
              inserted: { type: 'integer' },
              duplicates: { type: 'integer', description: 'Rows imported before, or repeated in this request' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request, request.body.tenantId);
      const { attempts, errors } = await checkRows(db, tenantId, request.body.attempts, Date.now());
      if (errors.length > 0) {
        const first = errors[0];
        throw new AppError('VALIDATION_FAILED', `attempts[${first.row}].${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}; nothing was imported`, errors);
      }
      const result = await importAttempts(db, tenantId, attempts, request.principal.subject);
      return reply.status(201).send({ imported: result.inserted, ...result });
    },
  );
}
