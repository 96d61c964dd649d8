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
  /** Null only for a gateway-wide admin. */
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

export function mintToken(secret: string, principal: Principal, ttlSeconds: number): string {
  if (principal.role !== 'admin' && !principal.tenantId) throw new Error(`a ${principal.role} token must be bound to a tenant`);
  const claims = { role: principal.role, ...(principal.tenantId ? { tenant: principal.tenantId } : {}) };
  return jwt.sign(claims, secret, { algorithm: ALGORITHM, subject: principal.subject, issuer: ISSUER, expiresIn: ttlSeconds });
}

export function verifyToken(secret: string, token: string): Principal {
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(token, secret, { algorithms: [ALGORITHM], issuer: ISSUER }) as jwt.JwtPayload;
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AppError('TOKEN_EXPIRED', `The token expired at ${error.expiredAt.toISOString()}`);
    throw new AppError('TOKEN_INVALID', `The token is not valid: ${(error as Error).message}`);
  }
  const role = claims.role as Role;
  if (!ROLES.includes(role) || typeof claims.sub !== 'string') throw new AppError('TOKEN_INVALID', 'The token carries no known role or subject');
  const tenantId = typeof claims.tenant === 'string' ? claims.tenant : null;
  if (role !== 'admin' && !tenantId) throw new AppError('TOKEN_INVALID', `A ${role} token must be bound to a tenant`);
  return { subject: claims.sub, role, tenantId };
}
