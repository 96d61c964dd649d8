import type { FastifyInstance } from 'fastify';
import { noteText, type Checkpoint, type Cosignature } from '../../audit/checkpoint-format';
import { addCosignature, CosignatureError, findCheckpoint } from '../../audit/checkpoints';
import { trustOf } from '../../audit/open';
import { findRecord, ProofError, proveConsistency, proveInclusion } from '../../audit/proofs';
import { AppError } from '../../errors';
import { bearerSecurity, errorResponses } from '../schemas/common';

const roles = { roles: ['auditor', 'compliance', 'admin'] as const };
const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const hashes = { type: 'array', items: { type: 'string', description: 'base64 SHA-256' } } as const;

const checkpointJson = {
  type: 'object',
  description: 'A signed checkpoint of the whole trail (see README, "Checkpoints, proofs and witnesses")',
  properties: {
    origin: { type: 'string' },
    size: { type: 'integer' },
    root: { type: 'string', description: 'Merkle root (RFC 9162), hex' },
    issuedAt: { type: 'string' },
    inventory: { type: 'array', items: { type: 'object', properties: { chain: { type: 'string' }, seq: { type: 'integer' }, head: { type: 'string' } } } },
    body: { type: 'string', description: 'The signed bytes: origin, size, base64 root, inventory hash, one per line' },
    keyId: { type: 'string' },
    publicKey: { type: 'string' },
    signature: { type: 'string', description: 'base64 Ed25519 over body' },
    cosignatures: {
      type: 'array',
      items: { type: 'object', properties: { keyId: { type: 'string' }, publicKey: { type: 'string' }, time: { type: 'integer' }, signature: { type: 'string' } } },
    },
    note: { type: 'string', description: 'The same as a signed note (transparency-dev)' },
  },
} as const;

const withNote = (cp: Checkpoint): Checkpoint => ({ ...cp, note: noteText(cp) });

const proofError = (error: unknown): never => {
  if (error instanceof ProofError) throw new AppError('PROOF_UNAVAILABLE', error.message);
  throw error;
};

/**
 * Checkpoints, consistency and inclusion proofs, and witnesses' cosignatures. Checkpoints and
 * consistency proofs hold hashes and chain names only, so every audit role may read them; an
 * inclusion proof names a record, so a tenant-bound token gets proofs of its own tenant's records only.
 */
export async function auditProofRoutes(app: FastifyInstance): Promise<void> {
  const { db, audit } = app.gate;

  const latestSize = async (): Promise<number> => {
    const cp = await findCheckpoint(db);
    if (!cp) throw new AppError('CHECKPOINT_NOT_FOUND', 'No checkpoint yet: the checkpoint job has not run');
    return cp.size;
  };

  app.get<{ Querystring: { size?: number } }>(
    '/v1/audit/checkpoints',
    {
      config: roles,
      schema: {
        tags: ['audit'],
        summary: 'The newest signed checkpoint of the trail, or the one of a given size',
        security: bearerSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { size } },
        response: { 200: checkpointJson, ...errorResponses },
      },
    },
    async (request) => {
      const cp = await findCheckpoint(db, request.query.size);
      if (!cp) throw new AppError('CHECKPOINT_NOT_FOUND', request.query.size === undefined ? 'No checkpoint yet' : `No checkpoint of size ${request.query.size}`);
      return withNote(cp);
    },
  );

  app.post<{ Params: { size: number }; Body: Cosignature }>(
    '/v1/audit/checkpoints/:size/cosignatures',
    {
      config: { roles: ['auditor', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: "A witness's cosignature of a checkpoint (accepted from AUDIT_WITNESS_KEYS only)",
        security: bearerSecurity,
        params: { type: 'object', properties: { size } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['keyId', 'publicKey', 'time', 'signature'],
          properties: {
            keyId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
            publicKey: { type: 'string', maxLength: 1000 },
            time: { type: 'integer', minimum: 0 },
            signature: { type: 'string', maxLength: 200, description: 'base64 Ed25519 over "cosignature/v1\\ntime <time>\\n" + body' },
          },
        },
        response: { 201: checkpointJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      try {
        const cp = await addCosignature(db, request.params.size, request.body, trustOf(audit).witnesses);
        return reply.status(201).send(withNote(cp));
      } catch (error) {
        if (error instanceof CosignatureError) throw new AppError(error.message.startsWith('no checkpoint') ? 'CHECKPOINT_NOT_FOUND' : 'COSIGNATURE_INVALID', error.message);
        throw error;
      }
    },
  );

  app.get<{ Querystring: { from: number; to?: number } }>(
    '/v1/audit/proofs/consistency',
    {
      config: roles,
      schema: {
        tags: ['audit'],
        summary: 'RFC 9162 consistency proof between two tree sizes (to: the newest checkpoint when absent)',
        security: bearerSecurity,
        querystring: { type: 'object', additionalProperties: false, required: ['from'], properties: { from: size, to: size } },
        response: { 200: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' }, proof: hashes } }, ...errorResponses },
      },
    },
    async (request) => {
      const to = request.query.to ?? (await latestSize());
      return proveConsistency(db, request.query.from, to).catch(proofError);
    },
  );

  app.get<{ Querystring: { leaf?: number; record?: number; decision?: string; size?: number } }>(
    '/v1/audit/proofs/inclusion',
    {
      config: roles,
      schema: {
        tags: ['audit'],
        summary: "RFC 9162 inclusion proof of one record (by leaf index, record id or decision id) in a checkpoint's tree",
        description: 'A tenant-bound token gets proofs of its own tenant\'s records only. size: the newest checkpoint when absent.',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { leaf: size, record: { type: 'integer', minimum: 1 }, decision: { type: 'string', minLength: 1, maxLength: 64 }, size },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              leafIndex: { type: 'integer' },
              size: { type: 'integer' },
              record: { type: 'object', additionalProperties: true },
              leafHash: { type: 'string' },
              root: { type: 'string' },
              proof: hashes,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { leaf, record, decision } = request.query;
      if ([leaf, record, decision].filter((v) => v !== undefined).length !== 1) throw new AppError('VALIDATION_FAILED', 'Name the record by exactly one of leaf, record or decision');
      const row = await findRecord(db, { leaf, record, decision });
      if (!row) throw new AppError('RECORD_NOT_FOUND');
      const tenantId = request.principal.tenantId;
      if (tenantId && row.tenant_id !== tenantId) throw new AppError('FORBIDDEN_TENANT', 'This record is not of your tenant');
      return proveInclusion(db, row, request.query.size ?? (await latestSize())).catch(proofError);
    },
  );
}
