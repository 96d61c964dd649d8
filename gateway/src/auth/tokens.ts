import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { AppError } from '../errors';

export const ROLES = ['dialer', 'compliance', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: from a verified token, never from the request body. */
export interface Principal {
  subject: string;
  role: Role;
  /** Null for the gateway operator's own staff (admin, compliance, auditor); a dialer always has one. */
  tenantId: string | null;
}

const ALGORITHM = 'HS256';
const ISSUER = 'callgate';

/**
 * The signing secret: JWT_SECRET when set (every instance of a cluster must share it), otherwise a
 * random one generated on first start and kept, readable by the owner only, in the data directory.
 */
export function loadSigningSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

/**
 * Verifies bearer tokens. The secret is turned into a key object once (jsonwebtoken would rebuild
 * it on every call), and a token already verified is remembered until it expires, so a dialer
 * reusing its token costs a map lookup, not an HMAC and a JSON parse per call.
 */
export class TokenVerifier {
  private readonly key: crypto.KeyObject;
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(secret: string) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  verify(token: string, now = Date.now()): Principal {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > now) return known.principal;
    const { principal, expiresAtMs } = verifyWithKey(this.key, token);
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(token, { principal, expiresAtMs });
    return principal;
  }
}

export function mintToken(secret: string, principal: Principal, ttlSeconds: number): string {
  if (principal.role === 'dialer' && !principal.tenantId) throw new Error('a dialer token must be bound to a tenant');
  const claims = { role: principal.role, ...(principal.tenantId ? { tenant: principal.tenantId } : {}) };
  return jwt.sign(claims, secret, { algorithm: ALGORITHM, subject: principal.subject, issuer: ISSUER, expiresIn: ttlSeconds });
}

function verifyWithKey(key: crypto.KeyObject, token: string): { principal: Principal; expiresAtMs: number } {
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER }) as jwt.JwtPayload;
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AppError('TOKEN_EXPIRED', `The token expired at ${error.expiredAt.toISOString()}`);
    throw new AppError('TOKEN_INVALID', `The token is not valid: ${(error as Error).message}`);
  }
  const role = claims.role as Role;
  if (!ROLES.includes(role) || typeof claims.sub !== 'string') throw new AppError('TOKEN_INVALID', 'The token carries no known role or subject');
  const tenantId = typeof claims.tenant === 'string' ? claims.tenant : null;
  if (role === 'dialer' && !tenantId) throw new AppError('TOKEN_INVALID', 'A dialer token must be bound to a tenant');
  if (typeof claims.exp !== 'number') throw new AppError('TOKEN_INVALID', 'The token has no expiry');
  return { principal: { subject: claims.sub, role, tenantId }, expiresAtMs: claims.exp * 1000 };
}
