import type { FastifyInstance } from 'fastify';
import { revokeToken } from '../../auth/revocations';
import { JTI_PATTERN } from '../../auth/tokens';
import { bearerSecurity, errorResponses, nullableInstant } from '../schemas/common';

const revocationJson = {
  type: 'object',
  properties: {
    jti: { type: 'string' },
    revokedAt: { type: 'string', format: 'date-time' },
    revokedBy: { type: 'string' },
    newlyRevoked: { type: 'boolean', description: 'False when the token was already revoked' },
  },
} as const;

/**
 * Revoking a token by its id (the jti that `callgate token mint` prints). Tokens of every tenant
 * are signed with one secret, so only the gateway operator revokes them.
 */
export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;

  app.post<{ Body: { jti: string; expiresAt?: string | null } }>(
    '/v1/token-revocations',
    {
      config: { roles: ['admin'], operatorOnly: true },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token by its id (jti): refused on every instance within TOKEN_REVOCATION_REFRESH_MS',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['jti'],
          properties: {
            jti: { type: 'string', pattern: JTI_PATTERN, description: "The token's id, as `callgate token mint` printed it" },
            expiresAt: { ...nullableInstant, description: 'When the token expires anyway, if known' },
          },
        },
        response: { 201: revocationJson, 200: revocationJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      const expiresAt = request.body.expiresAt ? Date.parse(request.body.expiresAt) : null;
      const revocation = await revokeToken(db, request.body.jti, request.principal.subject, expiresAt);
      app.revocations.changed();
      return reply.status(revocation.newlyRevoked ? 201 : 200).send(revocation);
    },
  );
}
