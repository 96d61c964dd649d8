import { headerEnd } from '../message/parse';
import { LIMITS } from '../message/limits';

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im;

/**
 * Cuts a TCP byte stream into messages by Content-Length (§18.3). A double CRLF between messages
 * is a keep-alive ping answered with a single CRLF (RFC 5626 §3.5.1). Returns false when the
 * stream can no longer be framed (oversized headers or body): the connection must be closed.
 */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onMessage: (bytes: Buffer) => void,
    private readonly onPing: () => void,
  ) {}

  push(chunk: Buffer): boolean {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      let skip = 0;
      while (skip + 1 < this.buffer.length && this.buffer[skip] === 0x0d && this.buffer[skip + 1] === 0x0a) {
        if (skip + 3 < this.buffer.length && this.buffer[skip + 2] === 0x0d && this.buffer[skip + 3] === 0x0a) {
          this.onPing();
          skip += 4;
        } else skip += 2;
      }
      if (skip > 0) this.buffer = this.buffer.subarray(skip);
      if (this.buffer.length === 0) return true;
      const found = headerEnd(this.buffer);
      if (!found) return this.buffer.length <= LIMITS.maxHeaderBytes;
      if (found.end > LIMITS.maxHeaderBytes) return false;
      const m = CONTENT_LENGTH.exec(this.buffer.subarray(0, found.end).toString('latin1'));
      const length = m ? Number(m[1]) : 0;
      if (length > LIMITS.maxBodyBytes) return false;
      const total = found.end + found.gap + length;
      if (this.buffer.length < total) return true;
      const message = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      this.onMessage(message);
    }
  }
}
