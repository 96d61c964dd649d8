import crypto from 'node:crypto';
import fs from 'node:fs';
import { iso } from '../iso';
import { CSV_HEADER, formatLine, type ExportFormat, type ExportLine } from './export-format';
import type { StoredRow } from './chain-scan';

const CHUNK = 4 << 20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';
/** 1 for the bytes a JSON string holds as they are: all but control characters, quote and backslash. */
const PLAIN = new Uint8Array(256).map((_, c) => (c >= 0x20 && c !== QUOTE && c !== BACKSLASH ? 1 : 0));
/** JSON.stringify's short escapes for control characters; the others become \u00XX. */
const SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
/** toISOString has the fixed 24-character form up to the year 9999. */
const LAST_FIXED_ISO_MS = 253402300799999;

/**
 * Writes an export file and hashes it as it goes, assembling lines as bytes in one large buffer:
 * a payload goes from the database's bytes to the file escaped in place, without being decoded into
 * a string, stringified and encoded again. Every line is byte for byte what formatLine writes.
 */
export class ExportWriter {
  private readonly fd: number;
  private readonly hash = crypto.createHash('sha256');
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private isoSecond = NaN;
  private isoPrefix = '';
  bytes = 0;
  lines = 0;

  constructor(
    readonly file: string,
    readonly format: ExportFormat,
  ) {
    this.fd = fs.openSync(file, 'wx', 0o600);
    if (format === 'csv') this.line(CSV_HEADER);
  }

  /** A line given as text (headers, omitted runs, pseudonymised records). */
  line(text: string): void {
    this.text(text);
    this.newline();
  }

  exportLine(line: ExportLine): void {
    this.line(formatLine(line, this.format));
  }

  /** A record exported as stored: kind `record` with its payload, or `purged` without. */
  storedRecord(row: StoredRow, link: string): void {
    const seq = Number(row.seq);
    const kind = row.payload === null ? 'purged' : 'record';
    const at = this.iso(Number(row.at));
    if (this.format === 'ndjson') {
      this.text(
        `{"kind":"${kind}","chain":${JSON.stringify(row.chain_id)},"fromSeq":${seq},"toSeq":${seq},"at":"${at}",` +
          `"type":${JSON.stringify(row.type)},"hash":${JSON.stringify(row.hash)},"link":${JSON.stringify(link)},"payload":`,
      );
      if (row.payload === null) this.text('null}');
      else {
        this.jsonString(row.payload);
        this.text('}');
      }
    } else {
      this.text(`${kind},${csvText(row.chain_id)},${seq},${seq},${at},${csvText(row.type)},${csvText(row.hash)},${csvText(link)},`);
      if (row.payload !== null) this.csvField(row.payload);
    }
    this.newline();
  }

  close(): string {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.hash.digest('hex');
  }

  /** Closes and removes an export that failed half-way. */
  discard(): void {
    try {
      fs.closeSync(this.fd);
    } finally {
      fs.rmSync(this.file, { force: true });
    }
  }

  /** iso(), with the date and time up to the second computed once per second of records. */
  private iso(ms: number): string {
    if (!(ms >= 0 && ms <= LAST_FIXED_ISO_MS)) return iso(ms);
    const second = Math.floor(ms / 1000);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const millis = ms - second * 1000;
    return `${this.isoPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  private text(text: string): void {
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  private newline(): void {
    this.room(1);
    this.buf[this.pos++] = 10;
    this.lines++;
  }

  /** UTF-8 bytes as a JSON string, escaped exactly as JSON.stringify escapes their text. */
  private jsonString(bytes: Buffer): void {
    this.room(bytes.length * 6 + 2);
    this.buf[this.pos] = QUOTE;
    const end = escapeJson(bytes, this.buf, this.pos + 1);
    this.buf[end] = QUOTE;
    this.pos = end + 1;
  }

  /** UTF-8 bytes as a CSV field: quoted, with quotes doubled, when it holds a quote, comma or line break. */
  private csvField(bytes: Buffer): void {
    let quote = false;
    for (let i = 0; i < bytes.length && !quote; i++) {
      const c = bytes[i];
      quote = c === QUOTE || c === 0x2c || c === 10 || c === 13;
    }
    if (!quote) {
      this.room(bytes.length);
      this.pos += bytes.copy(this.buf, this.pos);
      return;
    }
    this.room(bytes.length * 2 + 2);
    const out = this.buf;
    let p = this.pos;
    out[p++] = QUOTE;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      out[p++] = c;
      if (c === QUOTE) out[p++] = QUOTE;
    }
    out[p++] = QUOTE;
    this.pos = p;
  }

  private flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.hash.update(chunk);
    for (let written = 0; written < chunk.length; ) written += fs.writeSync(this.fd, chunk, written, chunk.length - written);
    this.bytes += chunk.length;
    this.pos = 0;
  }
}

/** The hot loop kept small and monomorphic: plain bytes are copied, the rest escaped out of line. */
function escapeJson(src: Uint8Array, out: Uint8Array, at: number): number {
  let p = at;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src[i];
    if (PLAIN[c] === 1) out[p++] = c;
    else p = escapeByte(c, out, p);
  }
  return p;
}

function escapeByte(c: number, out: Uint8Array, p: number): number {
  out[p++] = BACKSLASH;
  if (c >= 0x20) {
    out[p++] = c;
    return p;
  }
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) {
    out[p++] = short;
    return p;
  }
  out[p++] = 0x75; // u00XX
  out[p++] = 0x30;
  out[p++] = 0x30;
  out[p++] = HEX.charCodeAt(c >> 4);
  out[p++] = HEX.charCodeAt(c & 15);
  return p;
}

const csvText = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
