import type { FastifyInstance } from 'fastify';
import { COMPLAINT_SOURCES, intakeComplaints, MAX_COMPLAINTS_PER_REQUEST, type ComplaintSource, type StoredComplaint } from '../../abuse/complaints';
import { loadAbuseThresholds } from '../../abuse/thresholds';
import { AppError } from '../../errors';
import { iso } from '../../iso';
import { bearerSecurity, e164, errorResponses, id, instant } from '../schemas/common';
import { suspensionSchema, suspensionJson } from './abuse-suspensions';

const complaintSchema = {
  type: 'object',
  required: ['id', 'tenantId', 'at', 'source', 'receivedAt'],
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    callee: { type: ['string', 'null'] },
    displayNumber: { type: ['string', 'null'] },
    at: instant,
    source: { type: 'string' },
    reference: { type: ['string', 'null'] },
    note: { type: ['string', 'null'] },
    optOutId: { type: ['string', 'null'], description: 'The receipt of the opt-out the complaint put in force' },
    receivedAt: instant,
  },
} as const;

const complaintJson = (c: StoredComplaint) => ({
  id: c.id,
  tenantId: c.tenantId,
  callee: c.callee,
  displayNumber: c.displayNumber,
  at: iso(c.at),
  source: c.source,
  reference: c.reference,
  note: c.note,
  optOutId: c.optOutId,
  receivedAt: iso(c.receivedAt),
});

interface ComplaintBody {
  tenantId?: string;
  complaints: { callee?: string; displayNumber?: string; at: string; source: ComplaintSource; reference?: string; note?: string }[];
}

export async function complaintRoutes(app: FastifyInstance): Promise<void> {
  const { db, config } = app.gate;
  // Read once at start: a broken thresholds file stops the gateway from starting, never from deciding.
  const thresholds = loadAbuseThresholds(config.policyDir);

  app.post<{ Body: ComplaintBody }>(
    '/v1/complaints',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['abuse'],
        summary: 'Record complaints about calls: each puts an opt-out in force and counts toward the abuse thresholds',
        description:
          'All or nothing: a request with one invalid row records none and names every bad row. A tenant-bound officer reports complaints about its own calls; the operator may omit tenantId and let each display number name its tenant.',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['complaints'],
          properties: {
            tenantId: id,
            complaints: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_COMPLAINTS_PER_REQUEST,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['at', 'source'],
                properties: {
                  callee: e164,
                  displayNumber: e164,
                  at: { ...instant, description: 'When the complained-of call was received' },
                  source: { type: 'string', enum: COMPLAINT_SOURCES },
                  reference: { type: 'string', minLength: 1, maxLength: 200, description: "The source's own id for the complaint: re-sending it adds nothing" },
                  note: { type: 'string', maxLength: 2000 },
                },
              },
            },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              received: { type: 'integer' },
              duplicates: { type: 'integer' },
              complaints: { type: 'array', items: complaintSchema },
              suspensions: { type: 'array', items: suspensionSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const bound = request.principal.tenantId;
      const tenantId = bound ?? request.body.tenantId ?? null;
      if (bound && request.body.tenantId && request.body.tenantId !== bound) {
        throw new AppError('FORBIDDEN_TENANT', 'The token is bound to another tenant');
      }
      const rows = request.body.complaints.map((c) => ({
        callee: c.callee ?? null,
        displayNumber: c.displayNumber ?? null,
        at: Date.parse(c.at),
        source: c.source,
        reference: c.reference ?? null,
        note: c.note ?? null,
      }));
      const intake = await intakeComplaints(db, thresholds, rows, { tenantId, recordedBy: request.principal.subject });
      return reply.status(201).send({ received: intake.received, duplicates: intake.duplicates, complaints: intake.complaints.map(complaintJson), suspensions: intake.suspensions.map(suspensionJson) });
    },
  );
}
