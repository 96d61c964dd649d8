import type { FastifyRequest } from 'fastify';
import { AppError } from '../../gateway/src/errors';

/**
 * The tenant an admin-UI request may look at: a tenant's own people see only their tenant; the
 * gateway operator's staff see every tenant, or the one they name.
 */
export function visibleTenant(request: FastifyRequest, requested?: string | null): string | null {
  const own = request.principal.tenantId;
  if (!own) return requested || null;
  if (requested && requested !== own) throw new AppError('FORBIDDEN_TENANT', 'You may only see your own tenant');
  return own;
}

/** Policy packs are shared by every tenant, so only the operator's own officers change them. */
export function requireOperatorStaff(request: FastifyRequest, doing: string): void {
  if (request.principal.tenantId) {
    throw new AppError('FORBIDDEN_ROLE', `Policy packs apply to every tenant: only the gateway operator's compliance officers may ${doing}`);
  }
}

export const looseObject = { type: 'object', additionalProperties: true } as const;
