import type { FastifyInstance } from 'fastify';
import { mintToken } from '../../../gateway/src/auth/tokens';
import { AppError } from '../../../gateway/src/errors';
import { logAction } from '../../../gateway/src/storage/admin-log';
import { bearerSecurity, errorResponses } from '../../../gateway/src/api/schemas/common';
import { authenticate } from '../users';
import { userJson } from './user-json';

/** A working day: officers sign in again each morning. */
const SESSION_SECONDS = 8 * 3600;
/** Failed sign-ins per user name before it must wait: slows password guessing on each instance. */
const MAX_FAILURES = 5;
const LOCKOUT_MS = 15 * 60_000;

/** Recent failed sign-ins by user name, in this process. */
class FailedSignIns {
  private readonly failures = new Map<string, { count: number; since: number }>();

  blocked(username: string, now = Date.now()): boolean {
    const f = this.failures.get(username);
    if (!f || now - f.since > LOCKOUT_MS) return false;
    return f.count >= MAX_FAILURES;
  }

  fail(username: string, now = Date.now()): void {
    const f = this.failures.get(username);
    if (!f || now - f.since > LOCKOUT_MS) this.failures.set(username, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > 10_000) this.failures.clear();
  }

  clear(username: string): void {
    this.failures.delete(username);
  }
}

export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const { db, signingSecret } = app.gate;
  const failed = new FailedSignIns();

  app.post<{ Body: { username: string; password: string } }>(
    '/admin/api/session',
    {
      schema: {
        tags: ['admin'],
        summary: 'Sign in to the admin UI: a user name and password for a bearer token of the user\'s role and tenant',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, user: userJson } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      if (failed.blocked(username)) {
        await logAction(db, { subject: username, role: 'unknown', tenantId: null }, 'sign in refused', null, { ip: request.ip, reason: 'too many failures' });
        throw new AppError('TOO_MANY_SIGN_INS');
      }
      const user = await authenticate(db, username, password);
      const actor = { subject: username, role: user?.role ?? 'unknown', tenantId: user?.tenantId ?? null };
      await logAction(db, actor, user ? 'sign in' : 'sign in refused', null, { ip: request.ip });
      if (!user) {
        failed.fail(username);
        throw new AppError('INVALID_CREDENTIALS');
      }
      failed.clear(username);
      const token = mintToken(signingSecret, { subject: user.username, role: user.role, tenantId: user.tenantId }, SESSION_SECONDS);
      return reply.status(201).send({ token, expiresAt: new Date(Date.now() + SESSION_SECONDS * 1000).toISOString(), user });
    },
  );

  app.get(
    '/admin/api/session',
    {
      config: { roles: ['compliance', 'auditor', 'admin'] },
      schema: { tags: ['admin'], summary: 'Who the token belongs to', security: bearerSecurity, response: { 200: { type: 'object', properties: { subject: { type: 'string' }, role: { type: 'string' }, tenantId: { type: ['string', 'null'] } } }, ...errorResponses } },
    },
    async (request) => request.principal,
  );
}
