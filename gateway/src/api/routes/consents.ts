import type { FastifyInstance } from 'fastify';
import { iso, isoOrNull } from '../../iso';
import { requireValidNumber } from '../../numbers/phone';
import { createConsent, listConsents, revokeConsent, type Consent } from '../../storage/consents';
import { tenantOf } from '../auth';
import { bearerSecurity, dialingMode, e164, errorResponses, id, instant, nullableInstant, purpose } from '../schemas/common';

const CHANNELS = ['web', 'app', 'ivr', 'sms', 'phone_call', 'paper', 'in_person', 'email'] as const;
const CAPTURE_METHODS = ['web_form_checkbox', 'app_toggle', 'ivr_keypress', 'recorded_verbal', 'sms_reply', 'signed_form', 'email_reply'] as const;

const evidence = {
  type: 'object',
  additionalProperties: false,
  required: ['textShown', 'preTicked', 'bundledWithOtherTerms'],
  properties: {
    textShown: { type: 'string', minLength: 1, maxLength: 20000, description: 'The exact consent text the callee saw or heard' },
    pageUrl: { type: 'string', maxLength: 2000 },
    ip: { type: 'string', maxLength: 64 },
    recordingRef: { type: 'string', maxLength: 500 },
    artefactHash: { type: 'string', pattern: '^(sha256:)?[0-9a-f]{64}$' },
    preTicked: { type: 'boolean', description: 'Was the box ticked before the callee acted? Such consent is refused.' },
    bundledWithOtherTerms: { type: 'boolean', description: 'Was consent part of accepting other terms? Such consent is refused.' },
  },
} as const;

const consentJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    brandId: { type: 'string' },
    callee: { type: 'string' },
    purpose: { type: 'string' },
    channel: { type: 'string' },
    modes: { type: 'array', items: { type: 'string' } },
    obtainedAt: instant,
    expiresAt: nullableInstant,
    captureMethod: { type: 'string' },
    evidence: {},
    revokedAt: nullableInstant,
    revokeReason: { type: ['string', 'null'] },
    recordedBy: { type: 'string' },
  },
} as const;

const toJson = (c: Consent) => ({ ...c, obtainedAt: iso(c.obtainedAt), expiresAt: isoOrNull(c.expiresAt), revokedAt: isoOrNull(c.revokedAt) });

interface ConsentBody {
  tenantId?: string;
  callee: string;
  brandId: string;
  purpose: string;
  channel: string;
  modes?: Consent['modes'];
  obtainedAt: string;
  expiresAt?: string | null;
  captureMethod: string;
  evidence: Consent['evidence'];
}

export async function consentRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: ConsentBody }>(
    '/v1/consents',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: 'Record a specific consent with its evidence; bundled, pre-ticked or blanket consent is refused',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['callee', 'brandId', 'purpose', 'channel', 'obtainedAt', 'captureMethod', 'evidence'],
          properties: {
            tenantId: id,
            callee: e164,
            brandId: { ...id, description: 'Consent covers one brand: 个人信息保护法 art. 23 needs separate consent for another' },
            purpose,
            channel: { type: 'string', enum: CHANNELS },
            modes: { type: 'array', items: dialingMode, uniqueItems: true, description: 'Dialing modes named in the consent; prerecorded and AI voice must be named' },
            obtainedAt: instant,
            expiresAt: nullableInstant,
            captureMethod: { type: 'string', enum: CAPTURE_METHODS },
            evidence,
          },
        },
        response: { 201: consentJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const tenantId = tenantOf(request, body.tenantId);
      const callee = requireValidNumber(body.callee, 'The callee');
      const consent = await createConsent(
        db,
        tenantId,
        {
          callee: callee.e164,
          brandId: body.brandId,
          purpose: body.purpose,
          channel: body.channel,
          modes: body.modes ?? [],
          obtainedAt: Date.parse(body.obtainedAt),
          expiresAt: body.expiresAt ? Date.parse(body.expiresAt) : null,
          captureMethod: body.captureMethod,
          evidence: body.evidence,
        },
        request.principal.subject,
      );
      return reply.status(201).send(toJson(consent));
    },
  );

  app.post<{ Params: { consentId: string }; Body: { reason?: string; tenantId?: string } }>(
    '/v1/consents/:consentId/revoke',
    {
      config: { roles: ['dialer', 'compliance', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: 'Withdraw a consent (个人信息保护法 art. 15); effective for every later decision',
        security: bearerSecurity,
        params: { type: 'object', properties: { consentId: id } },
        body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 2000 }, tenantId: id } },
        response: { 200: consentJson, ...errorResponses },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request, request.body?.tenantId);
      return toJson(await revokeConsent(db, request.params.consentId, tenantId, request.body?.reason ?? null));
    },
  );

  app.get<{ Querystring: { callee: string; tenantId?: string } }>(
    '/v1/consents',
    {
      config: { roles: ['compliance', 'auditor', 'admin'] },
      schema: {
        tags: ['consents'],
        summary: "A callee's consents to this tenant, with evidence",
        security: bearerSecurity,
        querystring: { type: 'object', required: ['callee'], properties: { callee: e164, tenantId: id } },
        response: { 200: { type: 'object', properties: { consents: { type: 'array', items: consentJson } } }, ...errorResponses },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request, request.query.tenantId);
      return { consents: (await listConsents(db, tenantId, request.query.callee)).map(toJson) };
    },
  );
}
