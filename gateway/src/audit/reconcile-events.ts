/** A trail event about one row; its payload is decoded and parsed only when a comparison needs it. */
export class SubjectEvent {
  private parsed: unknown = undefined;

  constructor(
    readonly chain: string,
    readonly seq: number,
    readonly at: number,
    readonly id: number,
    readonly type: string,
    readonly subject: string,
    /** The payload as stored: its bytes, or its text. */
    private readonly raw: Buffer | string | null,
  ) {}

  get text(): string | null {
    return this.raw === null || typeof this.raw === 'string' ? this.raw : this.raw.toString('utf8');
  }

  /** Whether the stored payload begins with this text, compared as bytes without decoding the payload. */
  startsWith(prefix: string): boolean {
    if (this.raw === null) return false;
    if (typeof this.raw === 'string') return this.raw.startsWith(prefix);
    const bytes = Buffer.from(prefix, 'utf8');
    return this.raw.length >= bytes.length && this.raw.compare(bytes, 0, bytes.length, 0, bytes.length) === 0;
  }

  get payload(): unknown {
    if (this.parsed === undefined) this.parsed = this.raw === null ? null : parsePayload(this.text!);
    return this.parsed;
  }
}

/** A payload the chain check will name if it is not JSON; here it counts as content lost. */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

