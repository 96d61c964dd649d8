/** How many nonces are remembered; beyond it the oldest are forgotten (they expire soon anyway). */
const MAX_NONCES = 100_000;

/**
 * RFC 7616 §3.4: with qop=auth the client counts its uses of a nonce (nc); a count not above the
 * last one seen for that nonce is a replay. Kept per instance: across instances the nonce's expiry
 * still bounds how long a captured request could be replayed.
 */
export class NonceCounts {
  private readonly seen = new Map<string, { nc: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  accept(nonce: string, ncHex: string, expiresAt: number): boolean {
    if (!/^[0-9a-fA-F]{8}$/.test(ncHex)) return false;
    const nc = parseInt(ncHex, 16);
    const last = this.seen.get(nonce);
    if (last && nc <= last.nc) return false;
    this.seen.delete(nonce);
    this.seen.set(nonce, { nc, expiresAt });
    this.prune();
    return true;
  }

  private prune(): void {
    const now = this.now();
    for (const [nonce, entry] of this.seen) {
      if (this.seen.size <= MAX_NONCES && entry.expiresAt > now) return;
      this.seen.delete(nonce);
    }
  }
}
