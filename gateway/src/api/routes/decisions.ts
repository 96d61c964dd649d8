import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromRow, toAnswer } from '../../decisions/record';
import { iso, isoOrNull } from '../../iso';
import type { CallInput, DialingMode } from '../../engine/types';
import { knownLocation, type LocationInput } from '../../numbers/known-location';
import { AppError } from '../../errors';
import { requireValidNumber } from '../../numbers/phone';
import { tenantOf } from '../auth';
import { bearerSecurity, decisionAnswer, dialingMode, e164, errorResponses, id, instant, reason } from '../schemas/common';
import { calleeLocation } from '../schemas/location';

const callBody = {
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'callee'],
  properties: {
    tenantId: { ...id, description: 'Only for gateway-wide tokens; a tenant token acts for its own tenant' },
    campaignId: id,
    callee: e164,
    caller: { type: ['string', 'null'], maxLength: 32, description: 'The display number to present (E.164)' },
    mode: {
      ...dialingMode,
      description: "This call's dialing mode, when the campaign mixes modes. The call is judged under the campaign's own mode and this one, so it can add demands (consent naming prerecorded calls) but never lift any.",
    },
    calleeLocation,
  },
} as const;

interface CallBody {
  tenantId?: string;
  campaignId: string;
  callee: string;
  caller?: string | null;
  mode?: DialingMode;
  calleeLocation?: LocationInput;
}

/** A callee that is no phone number is bad input (400), not a decision to record. */
function callInput(request: FastifyRequest<{ Body: CallBody }>): CallInput {
  const body = request.body;
  const callee = requireValidNumber(body.callee, 'The callee');
  const call: CallInput = { tenantId: tenantOf(request, body.tenantId), campaignId: body.campaignId, callee: callee.e164, caller: body.caller ?? null };
  if (body.mode !== undefined) call.mode = body.mode;
  if (body.calleeLocation !== undefined) call.calleeLocation = knownLocation(body.calleeLocation);
  return call;
}

export async function decisionRoutes(app: FastifyInstance): Promise<void> {
  const { decisions, db } = app.gate;

  app.post<{ Body: CallBody }>(
    '/v1/decisions',
    {
      config: { roles: ['dialer', 'admin'] },
      schema: {
        tags: ['decisions'],
        summary: 'May this call be placed now?',
        description: 'Decides the call and records the decision before answering. An allowed call counts toward frequency caps from this instant. When the gateway cannot decide, it answers 503 with allow=false and GATEWAY_UNAVAILABLE.',
        security: bearerSecurity,
        body: callBody,
        response: { 200: decisionAnswer, ...errorResponses, 503: decisionAnswer },
      },
    },
    async (request, reply) => {
      const record = await decisions.decide(callInput(request));
      const unavailable = record.reasons.some((r) => r.code === 'GATEWAY_UNAVAILABLE');
      return reply.status(unavailable ? 503 : 200).send(toAnswer(record));
    },
  );

  app.post<{ Body: CallBody & { at: string } }>(
    '/v1/decisions/evaluate',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['decisions'],
        summary: 'Would this call be allowed at a given instant? Changes nothing.',
        security: bearerSecurity,
        body: { ...callBody, required: [...callBody.required, 'at'], properties: { ...callBody.properties, at: instant } },
        response: {
          200: {
            type: 'object',
            required: ['allow', 'reasons', 'nextAllowedAt', 'policyRevision', 'at'],
            properties: {
              allow: { type: 'boolean' },
              reasons: { type: 'array', items: reason },
              nextAllowedAt: { type: ['string', 'null'], format: 'date-time' },
              policyRevision: { type: 'string' },
              at: instant,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const at = Date.parse(request.body.at);
      const decision = await decisions.evaluate(callInput(request), at);
      return {
        allow: decision.allow,
        reasons: decision.reasons,
        nextAllowedAt: isoOrNull(decision.nextAllowedAt),
        policyRevision: decision.policyRevision,
        at: iso(at),
      };
    },
  );

  app.get<{ Params: { decisionId: string } }>(
    '/v1/decisions/:decisionId',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['decisions'],
        summary: 'One recorded decision with its inputs, rules evaluated and timing',
        security: bearerSecurity,
        params: { type: 'object', properties: { decisionId: id } },
        response: {
          200: {
            type: 'object',
            properties: {
              ...decisionAnswer.properties,
              tenantId: { type: 'string' },
              campaignId: { type: 'string' },
              callee: { type: 'string' },
              caller: { type: ['string', 'null'] },
              mode: { ...dialingMode, description: 'The dialing mode the call declared, when it declared one' },
              ruleIds: { type: 'array', items: { type: 'string' } },
              instanceId: { type: 'string' },
              input: {},
              timing: {},
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const row = await db('decisions').where({ id: request.params.decisionId }).first();
      if (!row) throw new AppError('DECISION_NOT_FOUND', `No decision ${request.params.decisionId}`);
      tenantOf(request, row.tenant_id);
      const record = fromRow(row);
      return { ...toAnswer(record), ...record.call, ruleIds: record.ruleIds, instanceId: record.instanceId, input: record.input, timing: record.timing };
    },
  );
}
