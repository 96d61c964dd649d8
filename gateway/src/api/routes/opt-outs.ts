import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors';
import { iso } from '../../iso';
import { requireValidNumber } from '../../numbers/phone';
import { listOptOuts, OPT_OUT_SOURCES, recordOptOut, type OptOutReceipt } from '../../storage/opt-outs';
import { tenantOf } from '../auth';
import { bearerSecurity, e164, errorResponses, id, instant, optOutScope } from '../schemas/common';

const receipt = {
  type: 'object',
  required: ['id', 'callee', 'scope', 'effectiveAt', 'receivedAt'],
  properties: {
    id: { type: 'string', description: 'Receipt number' },
    callee: { type: 'string' },
    scope: { type: 'string' },
    tenantId: { type: ['string', 'null'] },
    brandId: { type: ['string', 'null'] },
    campaignId: { type: ['string', 'null'] },
    source: { type: 'string' },
    note: { type: ['string', 'null'] },
    receivedAt: instant,
    effectiveAt: { ...instant, description: 'From this instant every decision on every instance denies the call' },
  },
} as const;

const toJson = (r: OptOutReceipt) => ({ ...r, receivedAt: iso(r.receivedAt), effectiveAt: iso(r.effectiveAt) });

interface OptOutBody {
  tenantId?: string;
  callee: string;
  scope: 'campaign' | 'brand' | 'tenant' | 'group' | 'all';
  brandId?: string;
  campaignId?: string;
  source: (typeof OPT_OUT_SOURCES)[number];
  note?: string;
}

export async function optOutRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: OptOutBody }>(
    '/v1/opt-outs',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['opt-outs'],
        summary: 'Record a refusal; the receipt is returned once it is in force everywhere',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['callee', 'scope', 'source'],
          properties: {
            tenantId: id,
            callee: e164,
            scope: optOutScope,
            brandId: id,
            campaignId: id,
            source: { type: 'string', enum: OPT_OUT_SOURCES },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 201: receipt, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const tenantId = tenantOf(request, body.tenantId);
      const callee = requireValidNumber(body.callee, 'The callee');
      if (body.scope === 'brand' && !body.brandId) throw new AppError('VALIDATION_FAILED', 'A brand-scoped refusal names the brand (brandId)');
      if (body.scope === 'campaign' && !body.campaignId) throw new AppError('VALIDATION_FAILED', 'A campaign-scoped refusal names the campaign (campaignId)');
      if (body.brandId && !(await db('brands').where({ id: body.brandId, tenant_id: tenantId }).first())) throw new AppError('BRAND_NOT_FOUND');
      if (body.campaignId && !(await db('campaigns').where({ id: body.campaignId, tenant_id: tenantId }).first())) throw new AppError('CAMPAIGN_NOT_FOUND');
      const stored = await recordOptOut(
        db,
        {
          callee: callee.e164,
          scope: body.scope,
          // A refusal of every tenant is still received through one tenant; it is kept with none.
          tenantId: body.scope === 'all' ? null : tenantId,
          brandId: body.brandId ?? null,
          campaignId: body.campaignId ?? null,
          source: body.source,
          note: body.note ?? null,
        },
        request.principal.subject,
      );
      return reply.status(201).send(toJson(stored));
    },
  );

  app.get<{ Querystring: { callee: string; tenantId?: string } }>(
    '/v1/opt-outs',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['opt-outs'],
        summary: "A callee's refusals visible to this tenant",
        security: bearerSecurity,
        querystring: { type: 'object', required: ['callee'], properties: { callee: e164, tenantId: id } },
        response: { 200: { type: 'object', properties: { optOuts: { type: 'array', items: receipt } } }, ...errorResponses },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request, request.query.tenantId);
      return { optOuts: (await listOptOuts(db, tenantId, request.query.callee)).map(toJson) };
    },
  );
}
