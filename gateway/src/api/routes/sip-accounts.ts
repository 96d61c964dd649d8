import type { FastifyInstance } from 'fastify';
import { iso } from '../../iso';
import { createSipAccount, listSipAccounts, revokeSipAccount, rotateSipAccount, type SipAccount } from '../../storage/sip-accounts';
import { bearerSecurity, errorResponses, id } from '../schemas/common';

const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

const accountJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: 'string' },
    username: { type: 'string' },
    realm: { type: 'string' },
    defaultCampaignId: { type: ['string', 'null'] },
    sources: { type: ['array', 'null'], items: { type: 'string' }, description: 'When set, calls must also come from these networks' },
    certFingerprint: { type: ['string', 'null'], description: 'SHA-256 of a TLS client certificate that authenticates as this account' },
    certSubject: { type: ['string', 'null'], description: 'Common name of a client certificate from SIP_TLS_CLIENT_CA_FILE' },
    description: { type: ['string', 'null'] },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    rotatedAt: nullableTime,
    revokedAt: nullableTime,
  },
} as const;

const withPassword = {
  type: 'object',
  properties: {
    account: accountJson,
    password: { type: 'string', description: 'Shown this once; only digests of it are stored' },
  },
} as const;

const toJson = (a: SipAccount) => ({ ...a, createdAt: iso(a.createdAt), rotatedAt: a.rotatedAt === null ? null : iso(a.rotatedAt), revokedAt: a.revokedAt === null ? null : iso(a.revokedAt) });

type CreateBody = { tenantId: string; username: string; defaultCampaignId?: string; sources?: string[]; certFingerprint?: string; certSubject?: string; description?: string };

/**
 * Dialer accounts for SIP digest authentication (RFC 3261 §22.3, RFC 8760) and mutual TLS. An
 * account speaks for its tenant, so only the gateway operator manages them, like the address
 * allow-list. Running gateways pick changes up within SIP_DIALER_REFRESH_MS.
 */
export async function sipAccountRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  const realm = app.gate.config.sip?.auth.realm ?? (process.env.SIP_AUTH_REALM || 'callgate');
  const operator = { roles: ['admin'] as const, operatorOnly: true };
  const accountId = { type: 'object', properties: { accountId: id } } as const;

  app.post<{ Body: CreateBody }>(
    '/v1/sip-accounts',
    {
      config: operator,
      schema: {
        tags: ['sip'],
        summary: 'Create a digest account for a dialer; the generated password is shown once',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['tenantId', 'username'],
          properties: {
            tenantId: id,
            username: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@+-]+$' },
            defaultCampaignId: { ...id, description: 'The campaign of INVITEs that carry no campaign header' },
            sources: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 2, maxLength: 64 }, description: 'Also require one of these source networks' },
            certFingerprint: { type: 'string', maxLength: 100, description: 'SHA-256 fingerprint of a client certificate (mutual TLS)' },
            certSubject: { type: 'string', minLength: 1, maxLength: 200, description: 'Or the common name of a client certificate' },
            description: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: withPassword, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await createSipAccount(db, { ...request.body, realm }, request.principal.subject);
      return reply.status(201).send({ account: toJson(created.account), password: created.password });
    },
  );

  app.get<{ Querystring: { tenantId?: string } }>(
    '/v1/sip-accounts',
    {
      config: operator,
      schema: {
        tags: ['sip'],
        summary: 'The SIP dialer accounts, revoked ones included',
        security: bearerSecurity,
        querystring: { type: 'object', properties: { tenantId: id } },
        response: { 200: { type: 'object', properties: { sipAccounts: { type: 'array', items: accountJson } } }, ...errorResponses },
      },
    },
    async (request) => ({ sipAccounts: (await listSipAccounts(db, request.query.tenantId ?? null)).map(toJson) }),
  );

  app.post<{ Params: { accountId: string } }>(
    '/v1/sip-accounts/:accountId/rotate',
    {
      config: operator,
      schema: {
        tags: ['sip'],
        summary: 'Give the account a new password; the old one stops working',
        security: bearerSecurity,
        params: accountId,
        response: { 200: withPassword, ...errorResponses },
      },
    },
    async (request) => {
      const rotated = await rotateSipAccount(db, request.params.accountId);
      return { account: toJson(rotated.account), password: rotated.password };
    },
  );

  app.post<{ Params: { accountId: string } }>(
    '/v1/sip-accounts/:accountId/revoke',
    {
      config: operator,
      schema: {
        tags: ['sip'],
        summary: 'Revoke the account for good: neither its password nor its certificate authenticates any more',
        security: bearerSecurity,
        params: accountId,
        response: { 200: accountJson, ...errorResponses },
      },
    },
    async (request) => toJson(await revokeSipAccount(db, request.params.accountId)),
  );
}
