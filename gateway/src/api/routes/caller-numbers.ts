import type { FastifyInstance } from 'fastify';
import { requireValidNumber } from '../../numbers/phone';
import { createCallerNumber, getCallerNumber, listCallerNumbers, updateCallerNumber, type CallerNumber } from '../../storage/entities';
import { tenantOf } from '../auth';
import { bearerSecurity, e164, errorResponses, id, verificationStatus } from '../schemas/common';

const LINE_TYPES = ['fixed_line', 'mobile', 'virtual_operator', 'toll_free', 'call_centre', 'cn_service', 'voip'] as const;

const numberJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    e164: { type: 'string' },
    proofOfRight: {},
    verificationStatus: { type: 'string' },
    verifiedBy: { type: ['string', 'null'] },
    lineType: { type: 'string' },
    realNameProof: {},
    region: { type: ['string', 'null'] },
    status: { type: 'string' },
    acceptsReturnCalls: { type: ['boolean', 'null'] },
    acceptsOptOutRequests: { type: ['boolean', 'null'] },
  },
} as const;

/** What a callee can do by calling the number back: packs that require it deny a number that does not say so. */
const callbackProperties = {
  acceptsReturnCalls: { type: ['boolean', 'null'], description: 'A callee calling the number back reaches the caller (Ofcom: a returnable CLI); null: not stated' },
  acceptsOptOutRequests: { type: ['boolean', 'null'], description: 'A do-not-call request can be made by calling the number during business hours (47 CFR 64.1601(e)); null: not stated' },
} as const;

interface NumberBody {
  tenantId?: string;
  e164: string;
  lineType?: (typeof LINE_TYPES)[number];
  region?: string;
  proofOfRight: Record<string, unknown>;
  realNameProof?: Record<string, unknown> | null;
  acceptsReturnCalls?: boolean | null;
  acceptsOptOutRequests?: boolean | null;
}

const toJson = (n: CallerNumber) => n;

export async function callerNumberRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  const idParams = { type: 'object', properties: { numberId: id } } as const;

  app.post<{ Body: NumberBody }>(
    '/v1/caller-numbers',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['caller numbers'],
        summary: 'Register a display number with proof of the right to use it; it is pending until an admin verifies it',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['e164', 'proofOfRight'],
          properties: {
            tenantId: id,
            e164,
            lineType: { type: 'string', enum: LINE_TYPES, description: 'Defaults to what the numbering plan says' },
            region: { type: 'string', maxLength: 100, description: 'Registered region (归属地); defaults to the numbering data' },
            proofOfRight: { type: 'object', minProperties: 1, description: 'Carrier allocation letter, number certificate or LOA reference' },
            realNameProof: { type: ['object', 'null'], description: 'Real-name registration of a virtual-operator number to this tenant' },
            ...callbackProperties,
          },
        },
        response: { 201: numberJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const info = requireValidNumber(body.e164, 'The display number');
      const created = await createCallerNumber(db, tenantOf(request, body.tenantId), {
        e164: info.e164,
        lineType: body.lineType ?? info.lineType,
        region: body.region ?? info.region,
        proofOfRight: body.proofOfRight,
        realNameProof: body.realNameProof ?? null,
        acceptsReturnCalls: body.acceptsReturnCalls ?? null,
        acceptsOptOutRequests: body.acceptsOptOutRequests ?? null,
      });
      return reply.status(201).send(toJson(created));
    },
  );

  app.get<{ Querystring: { tenantId?: string } }>(
    '/v1/caller-numbers',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['caller numbers'],
        summary: "The tenant's display numbers",
        security: bearerSecurity,
        querystring: { type: 'object', properties: { tenantId: id } },
        response: { 200: { type: 'object', properties: { callerNumbers: { type: 'array', items: numberJson } } }, ...errorResponses },
      },
    },
    async (request) => ({ callerNumbers: (await listCallerNumbers(db, tenantOf(request, request.query.tenantId))).map(toJson) }),
  );

  app.post<{ Params: { numberId: string }; Body: { status: CallerNumber['verificationStatus'] } }>(
    '/v1/caller-numbers/:numberId/verification',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['caller numbers'],
        summary: "Record the check of the tenant's right to use the number (never by the tenant itself)",
        security: bearerSecurity,
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: verificationStatus } },
        response: { 200: numberJson, ...errorResponses },
      },
    },
    async (request) => toJson(await updateCallerNumber(db, request.params.numberId, null, { verificationStatus: request.body.status, verifiedBy: request.principal.subject })),
  );

  app.post<{ Params: { numberId: string }; Body: { status: CallerNumber['status'] } }>(
    '/v1/caller-numbers/:numberId/status',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['caller numbers'],
        summary: 'Suspend or reactivate a display number',
        security: bearerSecurity,
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['active', 'suspended'] } } },
        response: { 200: numberJson, ...errorResponses },
      },
    },
    async (request) => {
      const number = await getCallerNumber(db, request.params.numberId, request.principal.tenantId);
      return toJson(await updateCallerNumber(db, number.id, number.tenantId, { status: request.body.status }));
    },
  );

  app.post<{ Params: { numberId: string }; Body: { acceptsReturnCalls: boolean | null; acceptsOptOutRequests: boolean | null } }>(
    '/v1/caller-numbers/:numberId/callbacks',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['caller numbers'],
        summary: 'State whether the number takes return calls and do-not-call requests (recorded on the trail)',
        security: bearerSecurity,
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['acceptsReturnCalls', 'acceptsOptOutRequests'], properties: callbackProperties },
        response: { 200: numberJson, ...errorResponses },
      },
    },
    async (request) => {
      const number = await getCallerNumber(db, request.params.numberId, request.principal.tenantId);
      const { acceptsReturnCalls, acceptsOptOutRequests } = request.body;
      return toJson(await updateCallerNumber(db, number.id, number.tenantId, { callbacks: { acceptsReturnCalls, acceptsOptOutRequests } }));
    },
  );
}
