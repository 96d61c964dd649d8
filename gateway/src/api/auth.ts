import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { DoorsConfig } from '../auth/config';
import { RevocationList } from '../auth/revocations';
import { TokenVerifier, type Principal, type Role } from '../auth/tokens';
import { AppError } from '../errors';
import { logAction } from '../storage/admin-log';
import type { Db } from '../storage/db';
import { RateLimiter } from './rate-limit';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    /** The revoked tokens as this instance knows them; told when a revocation was made here. */
    revocations: RevocationList;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; a route without it is public. */
    roles?: readonly Role[];
    /** Only the gateway operator (an admin bound to no tenant): tenants never verify themselves. */
    operatorOnly?: boolean;
  }
}

/** The roles that manage or inspect data: each of their requests is logged before it runs. */
const LOGGED_ROLES: readonly Role[] = ['compliance', 'auditor', 'admin'];

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw new AppError('AUTH_REQUIRED');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError('AUTH_REQUIRED', 'The Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * The tenant a request acts for. A tenant-bound token acts for its own tenant only; a gateway-wide
 * admin names the tenant it acts for.
 */
export function tenantOf(request: FastifyRequest, requested?: string | null): string {
  const { tenantId } = request.principal;
  if (tenantId) {
    if (requested && requested !== tenantId) throw new AppError('FORBIDDEN_TENANT', 'The token is bound to another tenant');
    return tenantId;
  }
  if (!requested) throw new AppError('VALIDATION_FAILED', 'A gateway-wide token must name the tenant (tenantId)');
  return requested;
}

/** Refused tokens per source address per minute: a token guesser is slowed whatever the request limit. */
const BAD_TOKENS_PER_MINUTE = 120;

async function authPlugin(app: FastifyInstance, options: { secret: string; db: Db; doors: DoorsConfig }) {
  const tokens = new TokenVerifier(options.secret, options.doors);
  const revocations = new RevocationList(options.db, options.doors.revocationRefreshMs);
  const requests = new RateLimiter(options.doors.requestsPerMinute);
  const badTokens = new RateLimiter(BAD_TOKENS_PER_MINUTE);
  app.decorate('revocations', revocations);
  app.decorateRequest('principal', null as unknown as Principal);
  // onRequest, before the body is even parsed: an unauthenticated request learns nothing about the schema.
  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    const limited = (wait: number, message: string) => {
      reply.header('retry-after', String(wait));
      return new AppError('TOO_MANY_REQUESTS', message);
    };
    let token;
    try {
      token = tokens.verify(bearer(request));
      await revocations.check(token.jti);
    } catch (error) {
      const wait = error instanceof AppError && error.status === 401 ? badTokens.hit(request.ip) : 0;
      if (wait > 0) throw limited(wait, `Too many refused tokens from ${request.ip}; wait ${wait} s`);
      throw error;
    }
    const wait = requests.hit(token.jti);
    if (wait > 0) throw limited(wait, `More than ${options.doors.requestsPerMinute} requests a minute with this token; wait ${wait} s`);
    request.principal = token.principal;
    if (!roles.includes(request.principal.role)) {
      throw new AppError('FORBIDDEN_ROLE', `The ${request.principal.role} role may not ${request.method} ${request.routeOptions.url}; allowed: ${roles.join(', ')}`);
    }
    if (request.routeOptions.config.operatorOnly && request.principal.tenantId) {
      throw new AppError('FORBIDDEN_ROLE', `Only the gateway operator may ${request.method} ${request.routeOptions.url}, not an admin of one tenant`);
    }
    if (!LOGGED_ROLES.includes(request.principal.role)) return;
    const params = request.params as Record<string, string> | undefined;
    const target = params ? Object.values(params)[0] ?? null : null;
    const callee = (request.query as Record<string, unknown> | undefined)?.callee;
    await logAction(options.db, request.principal, `${request.method} ${request.routeOptions.url}`, target, { url: request.url }, request.principal.tenantId, typeof callee === 'string' && /^\+[1-9][0-9]{6,14}$/.test(callee) ? callee : null);
  });
}

export const auth = fp(authPlugin, { name: 'callgate-auth' });
