import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { AppError } from '../errors';
import { ensurePrivateDir } from '../storage/private-files';

export const ROLES = ['dialer', 'compliance', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: from a verified token, never from the request body. */
export interface Principal {
  subject: string;
  role: Role;
  /** Null for the gateway operator's own staff (admin, compliance, auditor); a dialer always has one. */
  tenantId: string | null;
}

/** What a token must satisfy beyond its signature. */
export interface TokenRules {
  clockSkewSeconds: number;
  maxTokenSeconds: Record<Role, number>;
}

export interface VerifiedToken {
  principal: Principal;
  /** The token's id, by which it is revoked. */
  jti: string;
  expiresAtMs: number;
}

const ALGORITHM = 'HS256';
const ISSUER = 'callgate';
/** What `callgate token revoke --jti` and the revocation route accept. */
export const JTI_PATTERN = '^[A-Za-z0-9_-]{8,64}$';

/**
 * The signing secret: JWT_SECRET when set (every instance of a cluster must share it), otherwise a
 * random one generated on first start and kept, readable by the owner only, in the data directory.
 */
export function loadSigningSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  ensurePrivateDir(dataDir);
  if (fs.existsSync(file)) {
    fs.chmodSync(file, 0o600);
    return fs.readFileSync(file, 'utf8').trim();
  }
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

/**
 * Verifies bearer tokens. The secret is turned into a key object once (jsonwebtoken would rebuild
 * it on every call), and a token already verified is remembered until it expires, so a dialer
 * reusing its token costs a map lookup, not an HMAC and a JSON parse per call. Revocation is
 * checked by the caller on every request, cached or not.
 */
export class TokenVerifier {
  private readonly key: crypto.KeyObject;
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    secret: string,
    private readonly rules: TokenRules,
  ) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  verify(token: string, now = Date.now()): VerifiedToken {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > now) return known;
    const checked = verifyWithKey(this.key, token, this.rules, now);
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(token, checked);
    return checked;
  }
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export function issueToken(secret: string, principal: Principal, ttlSeconds: number): IssuedToken {
  if (principal.role === 'dialer' && !principal.tenantId) throw new Error('a dialer token must be bound to a tenant');
  const claims = { role: principal.role, ...(principal.tenantId ? { tenant: principal.tenantId } : {}) };
  const jti = crypto.randomBytes(16).toString('base64url');
  const token = jwt.sign(claims, secret, { algorithm: ALGORITHM, subject: principal.subject, issuer: ISSUER, expiresIn: ttlSeconds, jwtid: jti });
  return { token, jti, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
}

export function mintToken(secret: string, principal: Principal, ttlSeconds: number): string {
  return issueToken(secret, principal, ttlSeconds).token;
}

function verifyWithKey(key: crypto.KeyObject, token: string, rules: TokenRules, now: number): VerifiedToken {
  let claims: jwt.JwtPayload;
  try {
    // Expiry is exact; the skew allowance applies to the start claims (nbf, iat), checked below.
    claims = jwt.verify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER, clockTimestamp: Math.floor(now / 1000), ignoreNotBefore: true }) as jwt.JwtPayload;
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AppError('TOKEN_EXPIRED', `The token expired at ${error.expiredAt.toISOString()}`);
    throw new AppError('TOKEN_INVALID', `The token is not valid: ${(error as Error).message}`);
  }
  const role = claims.role as Role;
  if (!ROLES.includes(role) || typeof claims.sub !== 'string') throw new AppError('TOKEN_INVALID', 'The token carries no known role or subject');
  const tenantId = typeof claims.tenant === 'string' ? claims.tenant : null;
  if (role === 'dialer' && !tenantId) throw new AppError('TOKEN_INVALID', 'A dialer token must be bound to a tenant');
  if (typeof claims.jti !== 'string' || !new RegExp(JTI_PATTERN).test(claims.jti)) throw new AppError('TOKEN_INVALID', 'The token has no id (jti), so it could not be revoked');
  if (typeof claims.exp !== 'number') throw new AppError('TOKEN_INVALID', 'The token has no expiry');
  if (typeof claims.iat !== 'number') throw new AppError('TOKEN_INVALID', 'The token has no issue time (iat)');
  const latest = now + rules.clockSkewSeconds * 1000;
  if (claims.iat * 1000 > latest) {
    throw new AppError('TOKEN_ISSUED_IN_FUTURE', `The token claims to be issued at ${new Date(claims.iat * 1000).toISOString()}, later than now`);
  }
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf * 1000 > latest)) {
    throw new AppError('TOKEN_INVALID', 'The token is not valid yet (nbf)');
  }
  const max = rules.maxTokenSeconds[role];
  if (claims.exp - claims.iat > max) {
    throw new AppError('TOKEN_LIFETIME_TOO_LONG', `The token lives ${claims.exp - claims.iat} s; a ${role} token may live at most ${max} s`);
  }
  return { principal: { subject: claims.sub, role, tenantId }, jti: claims.jti, expiresAtMs: claims.exp * 1000 };
}
