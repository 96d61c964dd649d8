import { AppError } from '../errors';
import type { Db } from '../storage/db';
import { isDuplicateKey } from '../storage/db';

/**
 * A token revoked at T was issued before T and lives at most the longest lifetime any role may be
 * given (366 days, whatever is configured), so past that its revocation row may go.
 */
const KEEP_REVOCATIONS_MS = 367 * 86_400_000;

/**
 * The revoked token ids, as every instance sees them. Each instance rereads one version number at
 * most every refresh interval and the list only when the number moved, so a revocation applies on
 * every instance within that interval at the cost of one tiny read per interval, not per request.
 */
export class RevocationList {
  private version = -1;
  private revoked = new Set<string>();
  private readAt = 0;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly refreshMs: number,
  ) {}

  /** Refuses a revoked token, as far as the list last read says. */
  async check(jti: string, now = Date.now()): Promise<void> {
    if (now - this.readAt >= this.refreshMs) await this.refresh(now);
    if (this.revoked.has(jti)) throw new AppError('TOKEN_REVOKED', `The token ${jti} was revoked`);
  }

  /** Forgets the version read, so this instance rereads before the next request. */
  changed(): void {
    this.readAt = 0;
  }

  private refresh(now: number): Promise<void> {
    this.reading ??= this.read(now).finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async read(now: number): Promise<void> {
    try {
      const row = await this.db('revocation_version').where({ id: 1 }).first('version');
      const version = Number(row?.version ?? 0);
      if (version !== this.version) {
        const ids = await this.db('revoked_tokens').pluck('jti');
        this.revoked = new Set(ids);
        this.version = version;
      }
    } catch {
      // The list read last stays in force until the next interval's read. Failing here would
      // not be safer: a revocation is itself a database write, and whatever the token then asks for
      // needs the same database, so a decision is denied GATEWAY_UNAVAILABLE and spooled as before
      // instead of being refused unrecorded.
    } finally {
      this.readAt = now;
    }
  }
}

export interface Revocation {
  jti: string;
  revokedAt: string;
  revokedBy: string;
  /** False when the id was revoked before: revoking twice changes nothing. */
  newlyRevoked: boolean;
}

/** Revokes a token by its id, for every instance sharing the database. */
export async function revokeToken(db: Db, jti: string, revokedBy: string, expiresAt: number | null = null): Promise<Revocation> {
  const now = Date.now();
  return db.transaction(async (trx) => {
    try {
      await trx('revoked_tokens').insert({ jti, revoked_at: now, revoked_by: revokedBy, expires_at: expiresAt });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const row = await trx('revoked_tokens').where({ jti }).first();
      return { jti, revokedAt: new Date(Number(row.revoked_at)).toISOString(), revokedBy: row.revoked_by, newlyRevoked: false };
    }
    await trx('revoked_tokens').where('revoked_at', '<', now - KEEP_REVOCATIONS_MS).delete();
    await trx('revocation_version').where({ id: 1 }).increment('version', 1);
    return { jti, revokedAt: new Date(now).toISOString(), revokedBy, newlyRevoked: true };
  });
}
