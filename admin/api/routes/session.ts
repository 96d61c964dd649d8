import type { FastifyInstance } from 'fastify';
import { mintToken } from '../../../gateway/src/auth/tokens';
import { AppError } from '../../../gateway/src/errors';
import { logAction } from '../../../gateway/src/storage/admin-log';
import { bearerSecurity, errorResponses } from '../../../gateway/src/api/schemas/common';
import { countAttempt, dropExpired, forgetAttempts, throttleName, uncountAttempt, type Count } from '../sign-in-throttle';
import { authenticate, storedUsername } from '../users';
import { userJson } from './user-json';

/** A working day: officers sign in again each morning. */
const SESSION_SECONDS = 8 * 3600;
/** How often this instance removes counters whose window has ended. */
const PURGE_EVERY_MS = 60_000;

export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const { db, signingSecret } = app.gate;
  const limits = app.gate.config.doors.signIn;
  const windowMs = limits.windowSeconds * 1000;
  let purgedAt = 0;
  const retryAfter = (count: Count) => Math.max(1, Math.ceil((count.windowStart + windowMs - Date.now()) / 1000));

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
      const nameKey = `user:${throttleName((await storedUsername(db, username)) ?? username)}`;
      const addressKey = `ip:${request.ip}`;
      // Counted before the password is checked: the count decides whether it is checked at all.
      const byName = await countAttempt(db, nameKey, windowMs);
      const byAddress = await countAttempt(db, addressKey, windowMs);
      if (Date.now() - purgedAt > PURGE_EVERY_MS) {
        purgedAt = Date.now();
        await dropExpired(db, windowMs);
      }
      const blocked = byName.failures > limits.maxFailures ? byName : byAddress.failures > limits.maxFailuresPerAddress ? byAddress : null;
      if (blocked) {
        await logAction(db, { subject: username, role: 'unknown', tenantId: null }, 'sign in refused', null, { ip: request.ip, reason: blocked === byName ? 'too many failures' : 'too many failures from this address' });
        reply.header('retry-after', String(retryAfter(blocked)));
        throw blocked === byName
          ? new AppError('TOO_MANY_SIGN_INS')
          : new AppError('TOO_MANY_SIGN_INS', 'Too many failed sign-ins from this address; wait and try again');
      }
      const user = await authenticate(db, username, password);
      const actor = { subject: username, role: user?.role ?? 'unknown', tenantId: user?.tenantId ?? null };
      await logAction(db, actor, user ? 'sign in' : 'sign in refused', null, { ip: request.ip });
      if (!user) throw new AppError('INVALID_CREDENTIALS');
      await forgetAttempts(db, nameKey);
      await uncountAttempt(db, addressKey);
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
