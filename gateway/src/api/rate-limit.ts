/**
 * Requests per key in fixed one-minute windows, in this instance's memory. It bounds what one
 * token or one address can make a single instance do; it is not shared, so a cluster of n
 * instances admits up to n times the limit (the sign-in throttle, which must be exact, lives in
 * the database instead).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one request; answers the seconds to wait when it is over the limit, or 0. */
  hit(key: string, now = Date.now()): number {
    if (this.perMinute <= 0) return 0;
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (!w && this.windows.size >= this.maxKeys) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.perMinute ? Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) : 0;
  }

  /** Drops ended windows only: a running window is never forgotten to make room. */
  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(key);
  }
}
