import type { ExportFormat, ExportLine } from './export-format';

/**
 * An export line read from its bytes: the payload and the link stay bytes (views into the line, or
 * into a scratch buffer when they had to be unescaped), so verification hashes them as they are,
 * without decoding the line into a string, parsing it and encoding the payload back.
 */
export interface ScannedLine extends ExportLine {
  payloadBytes: Buffer | null;
  linkBytes: Buffer | null;
}

const QUOTE = 0x22;
const COMMA = 0x2c;

/** The byte layout the export writer produces; any other line goes to the general parser. */
const NDJSON_KEYS = ['{"kind":'].map((k) => Buffer.from(k));
const NON_ASCII = /[^\x00-\x7f]/;
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/** A field parsed as Latin-1, back to its UTF-8 text (callgate writes no \u escape above U+001F). */
function textOf(value: unknown, nullable: boolean): string | null {
  if (value === null || value === undefined) {
    if (!nullable) throw new NotFast();
    return null;
  }
  if (typeof value !== 'string') throw new NotFast();
  if (!NON_ASCII.test(value)) return value;
  if (BEYOND_LATIN1.test(value)) throw new NotFast();
  return Buffer.from(value, 'latin1').toString('utf8');
}

/** Scans export lines reusing one scratch buffer: a line's byte views are valid until the next line. */
export class LineScanner {
  private scratch = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private pos = 0;
  private line: Buffer = Buffer.alloc(0);

  /** The line, or null when it is not laid out as callgate writes it (then parse it in full). */
  scan(line: Buffer, format: ExportFormat): ScannedLine | null {
    this.line = line;
    this.pos = 0;
    this.used = 0;
    try {
      return format === 'ndjson' ? this.ndjson() : this.csv();
    } catch (error) {
      if (error instanceof NotFast) return null;
      throw error;
    }
  }

  /**
   * JSON.parse is native and beats any byte loop in JavaScript, so the line is parsed whole, but as
   * Latin-1: each character is one byte of the file, and the payload goes back to its exact bytes
   * with one native write, never decoded from UTF-8 and encoded again.
   */
  private ndjson(): ScannedLine | null {
    const line = this.line;
    if (!startsAt(line, NDJSON_KEYS[0], 0)) throw new NotFast();
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line.toString('latin1'));
    } catch {
      throw new NotFast();
    }
    const { kind, chain, fromSeq, toSeq, at, type, hash, link, payload } = raw;
    if (typeof fromSeq !== 'number' || typeof toSeq !== 'number' || !Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq)) throw new NotFast();
    const linkText = textOf(link, true);
    return {
      ...lineOf(textOf(kind, false)!, textOf(chain, false)!, fromSeq, toSeq, textOf(at, true), textOf(type, true), textOf(hash, false)!, null, this.bytesOf(payload)),
      link: linkText,
      linkBytes: null,
    };
  }

  /** A Latin-1 string's bytes, in the scratch buffer. */
  private bytesOf(value: unknown): Buffer | null {
    if (value === null) return null;
    if (typeof value !== 'string' || BEYOND_LATIN1.test(value)) throw new NotFast();
    const out = this.room(value.length);
    const n = out.write(value, this.used, 'latin1');
    const bytes = out.subarray(this.used, this.used + n);
    this.used += n;
    return bytes;
  }

  private csv(): ScannedLine | null {
    const fields: (Buffer | null)[] = [];
    for (let i = 0; i < 8; i++) {
      fields.push(this.csvField(false));
      if (this.line[this.pos] !== COMMA) throw new NotFast();
      this.pos++;
    }
    fields.push(this.csvField(true));
    if (this.pos !== this.line.length) throw new NotFast();
    const text = (f: Buffer | null) => (f === null ? null : f.toString('utf8'));
    const kind = text(fields[0]);
    const chain = text(fields[1]);
    const hash = text(fields[6]);
    if (kind === null || chain === null || hash === null) throw new NotFast();
    return lineOf(kind, chain, integer(text(fields[2])), integer(text(fields[3])), text(fields[4]), text(fields[5]), hash, fields[7], fields[8]);
  }

  /** A CSV field as bytes: empty is null, a quoted one has its doubled quotes undone. */
  private csvField(last: boolean): Buffer | null {
    const line = this.line;
    const start = this.pos;
    if (line[start] !== QUOTE) {
      let end = last ? line.length : line.indexOf(COMMA, start);
      if (end < 0) end = line.length;
      this.pos = end;
      return end === start ? null : line.subarray(start, end);
    }
    const out = this.room(line.length);
    const from = this.used;
    let p = from;
    let i = start + 1;
    for (;;) {
      if (i >= line.length) throw new NotFast();
      const c = line[i++];
      if (c !== QUOTE) {
        out[p++] = c;
        continue;
      }
      if (line[i] !== QUOTE) break;
      out[p++] = QUOTE;
      i++;
    }
    this.pos = i;
    this.used = p;
    return out.subarray(from, p);
  }

  private room(bytes: number): Buffer {
    if (this.used + bytes > this.scratch.length) {
      if (this.used > 0) throw new NotFast(); // a second long escaped field in one line: rare
      this.scratch = Buffer.allocUnsafe(Math.max(bytes, this.scratch.length * 2));
    }
    return this.scratch;
  }
}

class NotFast extends Error {}

const startsAt = (line: Buffer, bytes: Buffer, at: number): boolean => at + bytes.length <= line.length && line.compare(bytes, 0, bytes.length, at, at + bytes.length) === 0;

function integer(text: string | null): number {
  if (text === null || !/^(0|[1-9][0-9]{0,14})$/.test(text)) throw new NotFast();
  return Number(text);
}

const KINDS = new Set(['record', 'purged', 'pseudonymised', 'omitted']);

function lineOf(kind: string, chain: string, fromSeq: number, toSeq: number, at: string | null, type: string | null, hash: string, link: Buffer | null, payload: Buffer | null): ScannedLine {
  if (!KINDS.has(kind)) throw new NotFast();
  return {
    kind: kind as ScannedLine['kind'],
    chain,
    fromSeq,
    toSeq,
    at,
    type,
    hash,
    link: link === null ? null : link.toString('utf8'),
    // The payload's text is decoded only if something asks for it (pseudonymised checks do not).
    payload: null,
    payloadBytes: payload,
    linkBytes: link,
  };
}
