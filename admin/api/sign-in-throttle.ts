import type { Db } from '../../gateway/src/storage/db';
import { isMysql } from '../../gateway/src/storage/db';

/**
 * Sign-in attempts counted in the database, so every instance sharing it counts the same guesses.
 * An attempt is counted before its password is checked, in one atomic upsert whose result decides
 * whether the password is checked at all: forty parallel guesses get at most the allowed few
 * checks, never forty (no read-then-write window). Counters live in fixed windows and are reset
 * by the window's end, never dropped wholesale.
 */
export interface Count {
  failures: number;
  windowStart: number;
}

/**
 * The user name as the database compares it. MariaDB's default collations ignore case, accents
 * and trailing spaces (PAD SPACE); SQLite compares bytes. A name that matches an account counts
 * under the account's own name; any other name counts under this folding of it, so `OPS`, `ops `
 * and `Ops` are one counter on either engine.
 */
export function throttleName(username: string): string {
  // Folding can lengthen a name; the key column holds 200 characters.
  return username.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/ +$/, '').slice(0, 190);
}

const DEADLOCK_RETRIES = 8;

/** Counts one attempt against the key and answers the count in the current window. */
export async function countAttempt(db: Db, key: string, windowMs: number, now = Date.now()): Promise<Count> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction((trx) => bump(trx, key, now - windowMs, now));
    } catch (error) {
      // Concurrent first inserts of one key can deadlock on InnoDB's gap locks; one side is rolled back whole.
      if (!isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
    }
  }
}

async function bump(trx: Db, key: string, cutoff: number, now: number): Promise<Count> {
  if (isMysql(trx)) {
    // Assignments run left to right: failures reads window_start before it moves.
    await trx.raw(
      'INSERT INTO sign_in_throttle (throttle_key, window_start, failures) VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE failures = IF(window_start <= ?, 1, failures + 1), window_start = IF(window_start <= ?, ?, window_start)',
      [key, now, cutoff, cutoff, now],
    );
  } else {
    await trx.raw(
      'INSERT INTO sign_in_throttle (throttle_key, window_start, failures) VALUES (?, ?, 1) ON CONFLICT (throttle_key) DO UPDATE SET failures = CASE WHEN window_start <= ? THEN 1 ELSE failures + 1 END, window_start = CASE WHEN window_start <= ? THEN excluded.window_start ELSE window_start END',
      [key, now, cutoff, cutoff],
    );
  }
  // The row stays locked by this transaction until commit: the count read is the one written.
  const row = await trx('sign_in_throttle').where({ throttle_key: key }).first('failures', 'window_start');
  return { failures: Number(row.failures), windowStart: Number(row.window_start) };
}

/** A successful sign-in: the name starts afresh. */
export async function forgetAttempts(db: Db, key: string): Promise<void> {
  await db('sign_in_throttle').where({ throttle_key: key }).delete();
}

/** A successful sign-in from an address is not a failure of that address. */
export async function uncountAttempt(db: Db, key: string): Promise<void> {
  await db('sign_in_throttle').where({ throttle_key: key }).andWhere('failures', '>', 0).decrement('failures', 1);
}

/** Removes counters whose window has ended: they would be reset by their next attempt anyway. */
export async function dropExpired(db: Db, windowMs: number, now = Date.now()): Promise<void> {
  await db('sign_in_throttle').where('window_start', '<=', now - windowMs).delete();
}

function isDeadlock(error: unknown): boolean {
  const e = error as { code?: string; errno?: number } | null;
  return e?.code === 'ER_LOCK_DEADLOCK' || e?.errno === 1213;
}
