import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '../../audit/events';
import type { ExportFilter } from '../../audit/export';
import { createExport, exportFileExists, findExport } from '../../audit/exports';
import { personTrail } from '../../audit/person';
import { verifyDatabase } from '../../audit/verify-db';
import { AppError } from '../../errors';
import { requireValidNumber } from '../../numbers/phone';
import { bearerSecurity, e164, errorResponses, id, instant } from '../schemas/common';

const open = { type: 'object', additionalProperties: true } as const;

const manifestJson = {
  type: 'object',
  additionalProperties: true,
  description: 'Signed with Ed25519 over the canonical JSON (sorted keys, no spaces) of every field but signature',
  properties: {
    version: { type: 'string' },
    id: { type: 'string' },
    createdAt: instant,
    exportedBy: open,
    filter: open,
    format: { type: 'string' },
    pseudonymised: { type: 'boolean' },
    file: open,
    counts: open,
    chains: { type: 'array', items: open },
    seals: { type: 'array', items: open },
    integrity: open,
    keys: { type: 'array', items: open },
    signature: open,
  },
} as const;

const tableFinding = {
  type: 'object',
  properties: {
    table: { type: 'string' },
    rowId: { type: 'string' },
    problem: { type: 'string', enum: ['row missing', 'row differs', 'row without trail event', 'event subject differs'] },
    differs: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, table: {}, trail: {} } } },
    event: { type: 'object', properties: { chain: { type: 'string' }, seq: { type: 'integer' } } },
  },
} as const;

const tablesReport = {
  type: 'object',
  description: "The engine's tables reconciled with the trail, which is their source of truth",
  properties: {
    ok: { type: 'boolean' },
    checked: { type: 'object', additionalProperties: { type: 'integer' } },
    purged: { type: 'integer', description: 'Rows whose events a retention purge emptied: only their presence is checked' },
    findings: { type: 'array', items: tableFinding },
    moreFindings: { type: 'integer', description: 'Findings beyond the first 100 listed' },
  },
} as const;

const badRecord = { type: 'object', properties: { chain: { type: 'string' }, seq: { type: 'integer' }, problem: { type: 'string' } } } as const;

interface ExportBody {
  from?: string;
  to?: string;
  tenantId?: string;
  callee?: string;
  campaignId?: string;
  types?: string[];
  format: 'ndjson' | 'csv';
  pseudonymise?: boolean;
}

export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const { db, audit, config } = app.gate;
  /** A tenant-bound token is held to its tenant; a gateway-wide admin may name one or none. */
  const scopeTenant = (principal: { tenantId: string | null }, requested?: string): string | undefined => {
    if (principal.tenantId && requested && requested !== principal.tenantId) throw new AppError('FORBIDDEN_TENANT', 'The token is bound to another tenant');
    return principal.tenantId ?? requested;
  };

  app.post<{ Body: ExportBody }>(
    '/v1/audit/exports',
    {
      config: { roles: ['auditor', 'compliance', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Export trail records for an auditor, with a signed manifest',
        description: 'Writes the records matching the filter to a file (NDJSON or CSV) with flat memory and answers its signed manifest. Verify with `callgate audit verify` or the procedure in the README.',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: {
            from: instant,
            to: instant,
            tenantId: id,
            callee: e164,
            campaignId: id,
            types: { type: 'array', items: { type: 'string', enum: EVENT_TYPES }, minItems: 1, uniqueItems: true },
            format: { type: 'string', enum: ['ndjson', 'csv'] },
            pseudonymise: { type: 'boolean', default: false, description: 'Numbers replaced by keyed HMAC pseudonyms (payload hashes then cannot be rechecked)' },
          },
        },
        response: { 201: { type: 'object', required: ['id', 'manifest'], properties: { id: { type: 'string' }, manifest: manifestJson } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const filter: ExportFilter = {
        from: body.from ? Date.parse(body.from) : undefined,
        to: body.to ? Date.parse(body.to) : undefined,
        tenantId: scopeTenant(request.principal, body.tenantId),
        callee: body.callee ? requireValidNumber(body.callee, 'The callee').e164 : undefined,
        campaignId: body.campaignId,
        types: body.types,
      };
      if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) throw new AppError('VALIDATION_FAILED', '"from" is after "to"');
      const manifest = await createExport(db, audit, config.dataDir, { filter, format: body.format, pseudonymise: body.pseudonymise ?? false, exportedBy: request.principal });
      // Sent as text, so the manifest reaches the auditor byte for byte as it was signed.
      return reply.status(201).type('application/json').send(`{"id":${JSON.stringify(manifest.id)},"manifest":${JSON.stringify(manifest)}}`);
    },
  );

  const exportParams = { type: 'object', properties: { exportId: id } } as const;

  app.get<{ Params: { exportId: string } }>(
    '/v1/audit/exports/:exportId/manifest',
    {
      config: { roles: ['auditor', 'compliance', 'admin'] },
      schema: { tags: ['audit'], summary: "An export's signed manifest", security: bearerSecurity, params: exportParams, response: { 200: manifestJson, ...errorResponses } },
    },
    async (request, reply) => {
      const { manifest } = await findExport(db, config.dataDir, request.params.exportId, request.principal.tenantId);
      return reply.type('application/json').send(JSON.stringify(manifest));
    },
  );

  app.get<{ Params: { exportId: string } }>(
    '/v1/audit/exports/:exportId/file',
    {
      config: { roles: ['auditor', 'compliance', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: 'The export file, streamed (NDJSON or CSV)',
        security: bearerSecurity,
        params: exportParams,
        response: { 200: { type: 'string', description: 'One line per record or omitted run' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { manifest, file } = await findExport(db, config.dataDir, request.params.exportId, request.principal.tenantId);
      if (!exportFileExists(file)) throw new AppError('EXPORT_NOT_FOUND', `The file of export ${manifest.id} is not on this instance (it is kept in the DATA_DIR of the instance that wrote it)`);
      return reply
        .type(manifest.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="${manifest.file.name}"`)
        .send(fs.createReadStream(file));
    },
  );

  app.get<{ Querystring: { callee: string; tenantId?: string; limit?: number } }>(
    '/v1/audit/trail',
    {
      config: { roles: ['auditor', 'compliance', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: "One person's trail: consents with evidence, opt-outs, decisions with reasons, outcomes, and who read them",
        description: 'The answer to a data subject access request (个人信息保护法 art. 45). The read itself is recorded in the trail.',
        security: bearerSecurity,
        querystring: { type: 'object', required: ['callee'], properties: { callee: e164, tenantId: id, limit: { type: 'integer', minimum: 1, maximum: 50000, default: 10000 } } },
        response: {
          200: {
            type: 'object',
            required: ['callee', 'events', 'truncated'],
            properties: {
              callee: { type: 'string' },
              truncated: { type: 'boolean' },
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: instant,
                    type: { type: 'string' },
                    chain: { type: 'string' },
                    seq: { type: 'integer' },
                    hash: { type: 'string' },
                    tenantId: { type: ['string', 'null'] },
                    campaignId: { type: ['string', 'null'] },
                    subjectId: { type: ['string', 'null'] },
                    purged: { type: 'boolean' },
                    record: {},
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const callee = requireValidNumber(request.query.callee, 'The callee').e164;
      const tenantId = scopeTenant(request.principal, request.query.tenantId) ?? null;
      return { callee, ...(await personTrail(db, audit.pseudonyms, callee, tenantId, request.query.limit ?? 10000)) };
    },
  );

  app.post(
    '/v1/audit/verify',
    {
      config: { roles: ['auditor', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Verify every chain in the database (links, payloads, heads, signed seals) and the engine\'s tables against it',
        description: 'Each consent, opt-out, decision and outcome row is compared with its trail event on the fields the engine reads; a row missing, altered or without an event is named in `tables.findings`.',
        security: bearerSecurity,
        response: {
          200: {
            type: 'object',
            required: ['ok', 'chains'],
            properties: {
              ok: { type: 'boolean' },
              records: { type: 'integer' },
              chains: {
                type: 'array',
                items: { type: 'object', properties: { chain: { type: 'string' }, records: { type: 'integer' }, lastSeq: { type: 'integer' }, headHash: { type: 'string' }, sealedSeq: { type: ['integer', 'null'] }, ok: { type: 'boolean' } } },
              },
              firstBad: badRecord,
              tables: tablesReport,
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => verifyDatabase(db),
  );

  app.get(
    '/v1/audit/public-key',
    {
      schema: {
        tags: ['audit'],
        summary: 'The public keys that sign seals and export manifests (PEM), to verify exports elsewhere',
        response: {
          200: {
            type: 'object',
            properties: { keyId: { type: 'string' }, publicKey: { type: 'string' }, keys: { type: 'array', items: { type: 'object', properties: { keyId: { type: 'string' }, publicKey: { type: 'string' } } } } },
          },
        },
      },
    },
    async () => {
      const keys = await db('audit_keys').orderBy('created_at').select('key_id', 'public_key');
      return { keyId: audit.signer.keyId, publicKey: audit.signer.publicKeyPem, keys: keys.map((k) => ({ keyId: k.key_id, publicKey: k.public_key })) };
    },
  );
}
