import type { Role } from './tokens';

/** Limits at the HTTP doors: token lifetimes, sign-in throttling, request rates, evidence sizes. */
export interface DoorsConfig {
  /** How far a token's iat (or nbf) may lie ahead of this clock: clocks of a cluster drift a little. */
  clockSkewSeconds: number;
  /** Longest lifetime (exp - iat) accepted per role; a token promising more is refused. */
  maxTokenSeconds: Record<Role, number>;
  /** How often an instance rereads the revocation version; a revocation applies everywhere within this. */
  revocationRefreshMs: number;
  signIn: {
    /** Sign-in attempts per user name in one window before it must wait. */
    maxFailures: number;
    /** Failed sign-ins per source address in one window, over every user name. */
    maxFailuresPerAddress: number;
    windowSeconds: number;
  };
  /** Requests per token (or per source address when no token) per minute on this instance; 0: unlimited. */
  requestsPerMinute: number;
  /** Largest serialised JSON evidence or proof object accepted, in bytes. */
  evidenceMaxBytes: number;
}

type Env = Record<string, string | undefined>;
type Integer = (env: Env, name: string, fallback: number, min: number, max: number) => number;

const DAY = 86_400;

export function loadDoorsConfig(env: Env, integer: Integer): DoorsConfig {
  return {
    clockSkewSeconds: integer(env, 'TOKEN_CLOCK_SKEW_SECONDS', 60, 0, 3600),
    maxTokenSeconds: {
      dialer: integer(env, 'TOKEN_MAX_SECONDS_DIALER', 30 * DAY, 60, 366 * DAY),
      compliance: integer(env, 'TOKEN_MAX_SECONDS_COMPLIANCE', DAY, 60, 366 * DAY),
      auditor: integer(env, 'TOKEN_MAX_SECONDS_AUDITOR', DAY, 60, 366 * DAY),
      admin: integer(env, 'TOKEN_MAX_SECONDS_ADMIN', DAY, 60, 366 * DAY),
    },
    revocationRefreshMs: integer(env, 'TOKEN_REVOCATION_REFRESH_MS', 2000, 0, 60_000),
    signIn: {
      maxFailures: integer(env, 'SIGN_IN_MAX_FAILURES', 5, 1, 1000),
      maxFailuresPerAddress: integer(env, 'SIGN_IN_MAX_FAILURES_PER_ADDRESS', 50, 1, 100_000),
      windowSeconds: integer(env, 'SIGN_IN_WINDOW_SECONDS', 900, 1, DAY),
    },
    requestsPerMinute: integer(env, 'API_REQUESTS_PER_MINUTE', 0, 0, 10_000_000),
    evidenceMaxBytes: integer(env, 'EVIDENCE_MAX_BYTES', 64 * 1024, 1024, 4 * 1024 * 1024),
  };
}
