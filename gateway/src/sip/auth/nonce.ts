import crypto from 'node:crypto';

export type NonceCheck = 'valid' | 'stale' | 'invalid';

/**
 * Nonces that need no memory: the issue time and an HMAC over it, the realm and the address the
 * challenge went to. Any instance holding the key checks them; one that expired is "stale" (the
 * dialer retries with a fresh one, RFC 3261 §22.4 / RFC 7616 §3.3), one forged or replayed from
 * another address is invalid.
 */
export class NonceSigner {
  private readonly key: Buffer;

  constructor(
    keyHex: string,
    private readonly realm: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(keyHex, 'hex');
  }

  issue(address: string): string {
    const time = this.now().toString(16);
    return `${time}.${this.mac(time, address)}`;
  }

  check(nonce: string, address: string): NonceCheck {
    const m = /^([0-9a-f]{1,13})\.([A-Za-z0-9_-]{32})$/.exec(nonce);
    if (!m) return 'invalid';
    const expected = Buffer.from(this.mac(m[1], address));
    const given = Buffer.from(m[2]);
    if (!crypto.timingSafeEqual(expected, given)) return 'invalid';
    const issued = parseInt(m[1], 16);
    const age = this.now() - issued;
    if (age < -5_000) return 'invalid';
    return age > this.ttlMs ? 'stale' : 'valid';
  }

  /** When a nonce stops being accepted; replay memory can forget it then. */
  expiresAt(nonce: string): number {
    return parseInt(nonce.split('.')[0], 16) + this.ttlMs;
  }

  private mac(time: string, address: string): string {
    return crypto.createHmac('sha256', this.key).update(`${time}:${this.realm}:${address}`).digest('base64url').slice(0, 32);
  }
}
