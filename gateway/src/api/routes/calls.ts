import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors';
import type { TrailEvent } from '../../audit/events';
import { insertOptOut, optOutEvent, type OptOutReceipt } from '../../storage/opt-outs';
import { completeSignalledOutcome, insertCallOutcomes, OUTCOMES, SIGNALLED_BY } from '../../storage/outcomes';
import { isDuplicateKey } from '../../storage/db';
import { tenantOf } from '../auth';
import { bearerSecurity, errorResponses, id, instant, optOutScope } from '../schemas/common';

interface OutcomeBody {
  outcome: (typeof OUTCOMES)[number];
  endedAt?: string;
  durationSeconds?: number;
  refused?: boolean;
  refusalScope?: 'campaign' | 'brand' | 'tenant' | 'all';
  answerMachineDetected?: boolean;
  infoMessagePlayed?: boolean;
}

export async function callRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Params: { decisionId: string }; Body: OutcomeBody }>(
    '/v1/calls/:decisionId/outcome',
    {
      config: { roles: ['dialer', 'admin'] },
      schema: {
        tags: ['calls'],
        summary: 'How an allowed call ended; a refusal during the call records an opt-out',
        security: bearerSecurity,
        params: { type: 'object', properties: { decisionId: id } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['outcome'],
          properties: {
            outcome: { type: 'string', enum: OUTCOMES },
            endedAt: instant,
            durationSeconds: { type: 'integer', minimum: 0, maximum: 86400 },
            refused: { type: 'boolean', description: 'The callee asked not to be called again' },
            refusalScope: { ...optOutScope, description: 'Defaults to the whole tenant' },
            answerMachineDetected: { type: 'boolean', description: 'Answer-machine detection judged a machine (false positives included): the callee then waits out the pack\'s answer-machine redial wait' },
            infoMessagePlayed: { type: 'boolean', description: 'The information message played (an abandoned call must play one); absent: not reported' },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['decisionId', 'outcome', 'optOutId'],
            properties: { decisionId: { type: 'string' }, outcome: { type: 'string' }, optOutId: { type: ['string', 'null'] } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { decisionId } = request.params;
      const body = request.body;
      const decision = await db('decisions').where({ id: decisionId }).first();
      if (!decision) throw new AppError('DECISION_NOT_FOUND', `No decision ${decisionId}`);
      const tenantId = tenantOf(request, decision.tenant_id);
      if (!decision.allow) throw new AppError('OUTCOME_FOR_DENIED_CALL');
      // Signalling may have recorded the call at its BYE, before the dialer's disposition: the dialer
      // still completes that row once (a refusal must become an opt-out); its own second report is refused.
      const recorded = await db('call_outcomes').where({ decision_id: decisionId }).first();
      if (recorded && recorded.recorded_by !== SIGNALLED_BY) throw new AppError('OUTCOME_ALREADY_RECORDED');
      const campaign = body.refused ? await db('campaigns').where({ id: decision.campaign_id }).first() : null;
      const { optOutId, stored } = await app.gate.audit.trail.record(db, async (trx) => {
        const events: TrailEvent[] = [];
        let receipt: OptOutReceipt | null = null;
        if (body.refused) {
          const scope = body.refusalScope ?? 'tenant';
          receipt = await insertOptOut(
            trx,
            { callee: decision.callee, scope, tenantId: scope === 'all' ? null : tenantId, brandId: campaign?.brand_id ?? null, campaignId: decision.campaign_id, source: 'agent', note: `refused during call ${decisionId}` },
            request.principal.subject,
          );
          events.push(optOutEvent(receipt));
        }
        const outcome = {
          decisionId,
          tenantId,
          outcome: body.outcome,
          endedAt: body.endedAt ? Date.parse(body.endedAt) : Date.now(),
          durationSeconds: body.durationSeconds ?? null,
          refused: Boolean(body.refused),
          optOutId: receipt?.id ?? null,
          recordedBy: request.principal.subject,
          answerMachineDetected: body.answerMachineDetected ?? null,
          infoMessagePlayed: body.infoMessagePlayed ?? null,
        };
        if (!recorded) {
          // Signalling's batch may land between the read above and this insert: then complete its row.
          const inserted = await insertCallOutcomes(trx, [outcome], { ignoreDuplicates: false }).catch((error) => {
            if (isDuplicateKey(error)) return null;
            throw error;
          });
          if (inserted) return { result: { optOutId: outcome.optOutId, stored: outcome.outcome }, events: [...events, ...inserted] };
        }
        const completion = await completeSignalledOutcome(trx, outcome);
        if (!completion) throw new AppError('OUTCOME_ALREADY_RECORDED');
        events.push(...completion.events);
        return { result: { optOutId: outcome.optOutId, stored: completion.outcome as string }, events };
      });
      return reply.status(201).send({ decisionId, outcome: stored, optOutId });
    },
  );
}
