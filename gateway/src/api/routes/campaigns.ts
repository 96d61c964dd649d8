import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors';
import { createBrand, createCampaign, getCampaign, listBrands, listCampaigns, setCampaignStatus, setRecordingRetention, type CampaignInput } from '../../storage/entities';
import { tenantOf } from '../auth';
import { bearerSecurity, dialingMode, errorResponses, id, purpose } from '../schemas/common';

const brandJson = { type: 'object', properties: { id: { type: 'string' }, tenantId: { type: 'string' }, name: { type: 'string' } } } as const;

const campaignJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    brandId: { type: 'string' },
    name: { type: 'string' },
    purpose: { type: 'string' },
    policyPack: { type: 'string' },
    policyPacks: { type: 'array', items: { type: 'string' } },
    dialingMode: { type: 'string' },
    status: { type: 'string' },
    callerNumberIds: { type: 'array', items: { type: 'string' } },
    recordingRetentionDays: { type: ['integer', 'null'] },
  },
} as const;

const recordingRetentionDays = {
  type: ['integer', 'null'],
  minimum: 0,
  maximum: 36600,
  description: 'Days the campaign keeps its call recordings (CN: at least 30 for a call centre calling out); null: not stated',
} as const;

const tenantQuery = { type: 'object', properties: { tenantId: id } } as const;

export async function campaignRoutes(app: FastifyInstance): Promise<void> {
  const { db, policies, policyStore } = app.gate;

  app.post<{ Body: { tenantId?: string; name: string } }>(
    '/v1/brands',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['campaigns'],
        summary: 'A brand of the tenant: consent is given per brand',
        security: bearerSecurity,
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { tenantId: id, name: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 201: brandJson, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await createBrand(db, tenantOf(request, request.body.tenantId), request.body.name)),
  );

  app.get<{ Querystring: { tenantId?: string } }>(
    '/v1/brands',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: { tags: ['campaigns'], summary: "The tenant's brands", security: bearerSecurity, querystring: tenantQuery, response: { 200: { type: 'object', properties: { brands: { type: 'array', items: brandJson } } }, ...errorResponses } },
    },
    async (request) => ({ brands: await listBrands(db, tenantOf(request, request.query.tenantId)) }),
  );

  app.post<{ Body: CampaignInput & { tenantId?: string } }>(
    '/v1/campaigns',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['campaigns'],
        summary: 'A campaign: brand, purpose, policy pack, dialing mode and its registered display numbers',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['brandId', 'name', 'purpose', 'dialingMode'],
          anyOf: [{ required: ['policyPack'] }, { required: ['policyPacks'] }],
          properties: {
            tenantId: id,
            brandId: id,
            name: { type: 'string', minLength: 1, maxLength: 200 },
            purpose,
            policyPack: { type: 'string', maxLength: 40, description: 'Id of a policy pack in policies/, e.g. "cn"' },
            policyPacks: {
              type: 'array',
              minItems: 1,
              maxItems: 20,
              uniqueItems: true,
              items: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,39}$' },
              description: "Several packs for a campaign that calls several countries, e.g. [\"us\", \"uk\", \"ca\"]: each call is judged by the packs covering the callee's country (with their overlays)",
            },
            dialingMode,
            callerNumberIds: { type: 'array', items: id, uniqueItems: true, maxItems: 1000, default: [] },
            recordingRetentionDays,
          },
        },
        response: { 201: campaignJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId, policyPack, policyPacks, ...input } = request.body;
      const packs = policyPacks ?? [policyPack!];
      if (policyPack && policyPacks && policyPacks[0] !== policyPack) {
        throw new AppError('VALIDATION_FAILED', 'policyPack, when given with policyPacks, must be the first of them');
      }
      const missing = policyStore.resolver.missing(packs);
      if (missing.length > 0) throw new AppError('POLICY_PACK_NOT_FOUND', `No policy pack ${missing.map((m) => `"${m}"`).join(', ')}; loaded: ${[...policies.keys()].join(', ')}`);
      return reply.status(201).send(await createCampaign(db, tenantOf(request, tenantId), { ...input, policyPacks: packs, callerNumberIds: input.callerNumberIds ?? [] }));
    },
  );

  app.get<{ Querystring: { tenantId?: string } }>(
    '/v1/campaigns',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: { tags: ['campaigns'], summary: "The tenant's campaigns", security: bearerSecurity, querystring: tenantQuery, response: { 200: { type: 'object', properties: { campaigns: { type: 'array', items: campaignJson } } }, ...errorResponses } },
    },
    async (request) => ({ campaigns: await listCampaigns(db, tenantOf(request, request.query.tenantId)) }),
  );

  app.get<{ Params: { campaignId: string }; Querystring: { tenantId?: string } }>(
    '/v1/campaigns/:campaignId',
    {
      config: { roles: ['dialer', 'compliance', 'auditor', 'admin'] },
      schema: { tags: ['campaigns'], summary: 'One campaign', security: bearerSecurity, params: { type: 'object', properties: { campaignId: id } }, querystring: tenantQuery, response: { 200: campaignJson, ...errorResponses } },
    },
    async (request) => getCampaign(db, request.params.campaignId, tenantOf(request, request.query.tenantId)),
  );

  app.post<{ Params: { campaignId: string }; Body: { status: 'active' | 'paused' | 'closed'; tenantId?: string } }>(
    '/v1/campaigns/:campaignId/status',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['campaigns'],
        summary: 'Pause, resume or close a campaign',
        security: bearerSecurity,
        params: { type: 'object', properties: { campaignId: id } },
        body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['active', 'paused', 'closed'] }, tenantId: id } },
        response: { 200: campaignJson, ...errorResponses },
      },
    },
    async (request) => setCampaignStatus(db, request.params.campaignId, tenantOf(request, request.body.tenantId), request.body.status),
  );

  app.post<{ Params: { campaignId: string }; Body: { recordingRetentionDays: number | null; tenantId?: string } }>(
    '/v1/campaigns/:campaignId/recording-retention',
    {
      config: { roles: ['compliance', 'admin'] },
      schema: {
        tags: ['campaigns'],
        summary: 'State how many days the campaign keeps its call recordings',
        security: bearerSecurity,
        params: { type: 'object', properties: { campaignId: id } },
        body: { type: 'object', additionalProperties: false, required: ['recordingRetentionDays'], properties: { recordingRetentionDays, tenantId: id } },
        response: { 200: campaignJson, ...errorResponses },
      },
    },
    async (request) => setRecordingRetention(db, request.params.campaignId, tenantOf(request, request.body.tenantId), request.body.recordingRetentionDays),
  );
}
