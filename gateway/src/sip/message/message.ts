import { headerKey, LIST_HEADERS } from './headers';
import { splitList } from './split';

/**
 * One header line as received. `raw` holds its exact bytes (folding included) until the proxy
 * changes it; serialisation writes raw lines back untouched, so what the proxy did not change is
 * forwarded byte for byte.
 */
export interface HeaderField {
  name: string;
  key: string;
  value: string;
  raw: string | null;
}

const CRLF = '\r\n';

/** A SIP request or response as an ordered header list over a raw start line and body. */
export class SipMessage {
  private startLineRaw: string | null;

  constructor(
    readonly kind: 'request' | 'response',
    startLine: string,
    readonly method: string,
    public uri: string,
    readonly status: number,
    readonly reason: string,
    public headers: HeaderField[],
    public body: Buffer,
    private bodyChanged = false,
  ) {
    this.startLineRaw = startLine;
  }

  static request(method: string, uri: string, headers: [string, string][], body: Buffer = Buffer.alloc(0)): SipMessage {
    return new SipMessage('request', `${method} ${uri} SIP/2.0`, method, uri, 0, '', headers.map(([n, v]) => field(n, v)), body, true);
  }

  static response(status: number, reason: string, headers: [string, string][], body: Buffer = Buffer.alloc(0)): SipMessage {
    return new SipMessage('response', `SIP/2.0 ${status} ${reason}`, '', '', status, reason, headers.map(([n, v]) => field(n, v)), body, true);
  }

  get isRequest(): boolean {
    return this.kind === 'request';
  }

  get startLine(): string {
    return this.startLineRaw ?? (this.isRequest ? `${this.method} ${this.uri} SIP/2.0` : `SIP/2.0 ${this.status} ${this.reason}`);
  }

  setRequestUri(uri: string): void {
    this.uri = uri;
    this.startLineRaw = null;
  }

  clone(): SipMessage {
    const copy = new SipMessage(this.kind, this.startLine, this.method, this.uri, this.status, this.reason, this.headers.map((h) => ({ ...h })), this.body, this.bodyChanged);
    copy.startLineRaw = this.startLineRaw;
    return copy;
  }

  /** The first value of a header (the whole line for non-list headers). */
  get(name: string): string | undefined {
    const key = headerKey(name);
    if (!LIST_HEADERS.has(key)) return this.headers.find((f) => f.key === key)?.value;
    // A list header line may be empty (`Supported:`); the first value is then on a later line.
    for (const h of this.headers) {
      if (h.key !== key) continue;
      const first = splitList(h.value)[0];
      if (first !== undefined) return first;
    }
    return undefined;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.headers.some((f) => f.key === key);
  }

  /** Every value of a header across its lines, list headers split at commas. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (LIST_HEADERS.has(key)) out.push(...splitList(h.value));
      else out.push(h.value);
    }
    return out;
  }

  /** Adds a header above the first of its kind (Via, Record-Route), or at the end. */
  prepend(name: string, value: string): void {
    const key = headerKey(name);
    const at = this.headers.findIndex((f) => f.key === key);
    if (at < 0) this.headers.push(field(name, value));
    else this.headers.splice(at, 0, field(name, value));
  }

  append(name: string, value: string): void {
    this.headers.push(field(name, value));
  }

  /** Replaces every line of a header with one value, where the first one was. */
  set(name: string, value: string): void {
    const key = headerKey(name);
    const at = this.headers.findIndex((f) => f.key === key);
    if (at < 0) return this.append(name, value);
    const keptName = this.headers[at].name;
    this.headers[at] = field(keptName, value);
    this.headers = this.headers.filter((f, i) => i === at || f.key !== key);
  }

  remove(name: string): void {
    const key = headerKey(name);
    this.headers = this.headers.filter((f) => f.key !== key);
  }

  /** Removes the topmost value of a list header: the whole line, or its first comma value. */
  removeFirst(name: string): string | undefined {
    const key = headerKey(name);
    const at = this.headers.findIndex((f) => f.key === key);
    if (at < 0) return undefined;
    const values = splitList(this.headers[at].value);
    if (values.length <= 1) {
      this.headers.splice(at, 1);
      return values[0];
    }
    this.headers[at] = field(this.headers[at].name, values.slice(1).join(', '));
    return values[0];
  }

  /** Rewrites the topmost value of a list header in place (Via received/rport). */
  replaceFirst(name: string, value: string): void {
    const key = headerKey(name);
    const at = this.headers.findIndex((f) => f.key === key);
    if (at < 0) return;
    const values = splitList(this.headers[at].value);
    values[0] = value;
    this.headers[at] = field(this.headers[at].name, values.join(', '));
  }

  setBody(body: Buffer, contentType?: string): void {
    this.body = body;
    this.bodyChanged = true;
    if (contentType) this.set('Content-Type', contentType);
  }

  /**
   * The bytes to send. Content-Length is rewritten only when the body changed, and added when it
   * is missing on a stream transport, where it frames the message (§18.3).
   */
  serialize(stream = false): Buffer {
    let hasLength = false;
    let head = this.startLine + CRLF;
    for (const h of this.headers) {
      if (h.key === 'content-length') {
        if (hasLength) continue;
        hasLength = true;
        head += (this.bodyChanged ? `${h.name}: ${this.body.length}` : h.raw ?? `${h.name}: ${h.value}`) + CRLF;
        continue;
      }
      head += (h.raw ?? `${h.name}: ${h.value}`) + CRLF;
    }
    if (!hasLength && (stream || this.bodyChanged)) head += `Content-Length: ${this.body.length}${CRLF}`;
    head += CRLF;
    if (this.body.length === 0) return Buffer.from(head, 'latin1');
    return Buffer.concat([Buffer.from(head, 'latin1'), this.body]);
  }

  toString(): string {
    return this.serialize().toString('latin1');
  }
}

export function field(name: string, value: string): HeaderField {
  return { name, key: headerKey(name), value, raw: null };
}
