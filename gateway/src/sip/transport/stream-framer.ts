import { LIMITS } from '../message/limits';

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im;
const CR = 0x0d;
const LF = 0x0a;
/** The keep-alive ping of RFC 5626 §3.5.1. */
const PING = [CR, LF, CR, LF];

/**
 * Cuts a TCP byte stream into messages by Content-Length (§18.3). A double CRLF between messages
 * is a keep-alive ping answered with a single CRLF (RFC 5626 §3.5.1). Returns false when the
 * stream can no longer be framed (oversized headers, body or message): the connection must be closed.
 *
 * Linear in the bytes received: the chunks of a message are kept in a list and each byte is looked
 * at once to find the end of the header section; a message is copied together once, when whole.
 * (Joining the whole buffer on every chunk made a message sent byte by byte cost O(n²).)
 */
export class StreamFramer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes of the current message before its body, once the blank line was seen; -1 before. */
  private headerBytes = -1;
  private total = -1;
  private prev1 = -1;
  private prev2 = -1;
  private ping = 0;

  constructor(
    private readonly onMessage: (bytes: Buffer) => void,
    private readonly onPing: () => void,
    private readonly maxMessageBytes = LIMITS.maxDatagramBytes,
  ) {}

  /** True while a message has begun and is not complete: the transport times this. */
  get pending(): boolean {
    return this.size > 0;
  }

  push(chunk: Buffer): boolean {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.size === 0) pos = this.skipKeepAlives(chunk, pos);
      if (pos >= chunk.length) return true;
      const taken = this.headerBytes < 0 ? this.scanHeaders(chunk, pos) : Math.min(chunk.length - pos, this.total - this.size);
      if (taken < 0) return false;
      this.chunks.push(chunk.subarray(pos, pos + taken));
      this.size += taken;
      pos += taken;
      if (this.headerBytes < 0) {
        if (this.size > Math.min(LIMITS.maxHeaderBytes, this.maxMessageBytes)) return false;
        continue;
      }
      if (this.total < 0 && !this.measure()) return false;
      if (this.size === this.total) this.emit();
    }
    return true;
  }

  /** Leading CRLFs between messages; a CRLFCRLF among them is a ping. */
  private skipKeepAlives(chunk: Buffer, pos: number): number {
    while (pos < chunk.length && (chunk[pos] === CR || chunk[pos] === LF)) {
      const byte = chunk[pos++];
      this.ping = byte === PING[this.ping] ? this.ping + 1 : byte === CR ? 1 : 0;
      if (this.ping === PING.length) {
        this.ping = 0;
        this.onPing();
      }
    }
    if (pos < chunk.length) this.ping = 0;
    return pos;
  }

  /**
   * Looks at each new byte once for the blank line that ends the headers (CRLF CRLF, or bare LF LF
   * which the parser also accepts). Returns how many bytes of the chunk belong to the headers.
   */
  private scanHeaders(chunk: Buffer, pos: number): number {
    for (let i = pos; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === LF && (this.prev1 === LF || (this.prev1 === CR && this.prev2 === LF))) {
        this.headerBytes = this.size + (i - pos) + 1;
        this.prev1 = this.prev2 = -1;
        return i - pos + 1;
      }
      this.prev2 = this.prev1;
      this.prev1 = byte;
    }
    return chunk.length - pos;
  }

  /** Once the headers are in: the message's full length from Content-Length. */
  private measure(): boolean {
    if (this.headerBytes > LIMITS.maxHeaderBytes + 4) return false;
    const head = Buffer.concat(this.chunks, this.size);
    this.chunks = [head];
    const m = CONTENT_LENGTH.exec(head.subarray(0, this.headerBytes).toString('latin1'));
    const length = m ? Number(m[1]) : 0;
    if (length > LIMITS.maxBodyBytes) return false;
    this.total = this.headerBytes + length;
    return this.total <= this.maxMessageBytes;
  }

  private emit(): void {
    const message = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.headerBytes = -1;
    this.total = -1;
    this.onMessage(message);
  }
}
