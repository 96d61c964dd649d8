import type { Readable } from 'node:stream';
import { dayOfDate, UNDATED } from './days';

/**
 * Reads a registry file as it streams in. Two formats, as registries publish them:
 *
 * - `plain`: one number per line, in E.164 ("+15551234567") or, with a default calling code, in
 *   national form ("5551234567", "0412 345 678"). Spaces, dashes, dots, brackets and commas are
 *   ignored ("area code,number" lines).
 * - `csv`: a number and the date it was registered (or last changed) per line, separated by a
 *   comma, semicolon or tab: "+447700900123,2026-11-03" or "7700900123;20261103". The date is
 *   YYYY-MM-DD (a time after it, "2026-11-03T14:22:00Z", is cut to the day) or YYYYMMDD. A first
 *   line with letters is a header and skipped. A line whose number is good but whose date is
 *   missing, not a calendar date or later than the list itself keeps its number without a date:
 *   such a number binds at once, as on a list without dates.
 *
 * `auto` (the default) reads the first line that is neither blank nor a comment: a header with a
 * separator, or a number followed by a separator and a YYYY-MM-DD date, makes the file `csv`;
 * anything else `plain`. YYYYMMDD dates are not guessed (an 8-digit local number looks the same):
 * give `csv` or a header for them.
 *
 * Lines starting with "#" and blank lines are skipped; a line without a good number is a rejected
 * line, counted and shown. Bytes are scanned directly: readline and a string per line would cost
 * more than the whole rest of an import of tens of millions of numbers.
 */
export type RegistryFormat = 'auto' | 'plain' | 'csv';
export const REGISTRY_FORMATS: RegistryFormat[] = ['auto', 'plain', 'csv'];

export interface ParsedList {
  /** Ascending, unique values of the numbers' digits. */
  values: Float64Array;
  /** Per value, its registration day (days since 1970-01-01, 0 when unknown); null for a plain list. */
  days: Uint16Array | null;
  format: 'plain' | 'csv';
  lines: number;
  rejectedLines: number;
  firstRejected: string[];
  /** Lines of a csv list whose number was kept without a date. */
  undatedLines: number;
  firstUndated: string[];
}

export interface ParseOptions {
  defaultCallingCode: string | null;
  format?: RegistryFormat;
  /** The latest registration day a line may carry (the list's own date); later ones count as undated. */
  latestDay?: number;
  onProgress?: (lines: number) => void;
  progressEvery?: number;
}

const NL = 10;
const CR = 13;
const PLUS = 43;
const HASH = 35;
const COMMA = 44;
const QUOTE = 34;
/** Ignored inside a number: space, tab, comma, - ( ) . \r, and quotes. */
const IGNORED_PLAIN = new Set([32, 9, COMMA, 45, 40, 41, 46, CR, QUOTE]);
/** In a csv list the comma, semicolon and tab end the number instead. */
const SEPARATORS = new Set([COMMA, 59, 9]);
const IGNORED_CSV = new Set([32, 45, 40, 41, 46, CR, QUOTE]);

class Growable<T extends Float64Array | Uint16Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

/** The format of a file from its first line that is neither blank nor a comment. */
export function detectFormat(line: string): 'plain' | 'csv' {
  const sep = line.search(/[,;\t]/);
  if (sep < 0) return 'plain';
  if (/[A-Za-z]/.test(line.slice(0, sep))) return 'csv'; // a header
  return /^\s*"?\d{4}-\d{2}-\d{2}/.test(line.slice(sep + 1)) ? 'csv' : 'plain';
}

/** Buffers the stream up to the end of its first data line, to choose the format from it. */
async function withFormat(input: Readable, format: RegistryFormat): Promise<{ format: 'plain' | 'csv'; chunks: AsyncIterable<Buffer> }> {
  const iterator = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  if (format !== 'auto') return { format, chunks: { [Symbol.asyncIterator]: () => iterator } };
  const head: Buffer[] = [];
  let text = '';
  let chosen: 'plain' | 'csv' | null = null;
  while (chosen === null) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    text += next.value.toString('latin1');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length - 1 && chosen === null; i++) {
      const line = lines[i].trim();
      if (line && !line.startsWith('#')) chosen = detectFormat(line);
    }
    if (text.length > 1 << 16) chosen = detectFormat(text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '');
  }
  if (chosen === null) chosen = detectFormat(text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '');
  async function* all() {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { format: chosen, chunks: all() };
}

export async function parseRegistryStream(input: Readable, options: ParseOptions): Promise<ParsedList> {
  const { format, chunks } = await withFormat(input, options.format ?? 'auto');
  const csv = format === 'csv';
  const ignored = csv ? IGNORED_CSV : IGNORED_PLAIN;
  const latestDay = options.latestDay ?? Infinity;
  const cc = options.defaultCallingCode ? Number(options.defaultCallingCode) : null;
  const out = new Growable(new Float64Array(1 << 20));
  const outDays = csv ? new Growable(new Uint16Array(1 << 20)) : null;
  const firstRejected: string[] = [];
  const firstUndated: string[] = [];
  let lines = 0;
  let rejectedLines = 0;
  let undatedLines = 0;
  let headerPossible = csv;
  const every = options.progressEvery ?? 1_000_000;
  // State of the line being read.
  let value = 0;
  let digits = 0;
  let plus = false;
  let leadingZero = false;
  let bad = false;
  let comment = false;
  let empty = true;
  let letters = false;
  /** In a csv line: past the separator, reading the date. */
  let inDate = false;
  let date: number[] = [];
  let text: number[] = [];

  const shown = () => Buffer.from(text).toString('utf8');

  const endLine = () => {
    if (!empty && !comment) {
      const header = headerPossible && letters;
      headerPossible = false;
      if (!header) {
        lines++;
        const v = bad ? NaN : finish();
        if (Number.isNaN(v)) {
          rejectedLines++;
          if (firstRejected.length < 10) firstRejected.push(shown());
        } else {
          out.push(v);
          if (outDays) {
            const day = dayOfDate(date);
            const known = day !== UNDATED && day <= latestDay;
            if (!known) {
              undatedLines++;
              if (firstUndated.length < 10) firstUndated.push(shown());
            }
            outDays.push(known ? day : UNDATED);
          }
        }
        if (options.onProgress && lines % every === 0) options.onProgress(lines);
      }
    }
    value = 0;
    digits = 0;
    plus = false;
    leadingZero = false;
    bad = false;
    comment = false;
    empty = true;
    letters = false;
    inDate = false;
    date = [];
    text = [];
  };

  const finish = (): number => {
    if (plus) return digits >= 7 && digits <= 15 && !leadingZero ? value : NaN;
    if (cc === null) return NaN;
    const national = leadingZero ? digits - 1 : digits;
    if (national < 6 || national > 14) return NaN;
    const combined = cc * 10 ** national + value;
    return combined < 1e15 ? combined : NaN;
  };

  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === NL) {
        endLine();
        continue;
      }
      if (comment) continue;
      if (text.length < 40) text.push(b);
      if (inDate) {
        if (b !== 32 && b !== CR && b !== QUOTE && date.length < 40) date.push(b);
        continue;
      }
      if ((b >= 65 && b <= 90) || (b >= 97 && b <= 122)) letters = true;
      if (b >= 48 && b <= 57) {
        if (digits === 0 && b === 48) leadingZero = true;
        value = value * 10 + (b - 48);
        digits++;
        empty = false;
      } else if (csv && SEPARATORS.has(b)) {
        inDate = true;
        empty = false;
      } else if (ignored.has(b)) {
        continue;
      } else if (b === HASH && empty && !plus) {
        comment = true;
      } else if (b === PLUS && empty && !plus) {
        plus = true;
        empty = false;
      } else {
        bad = true;
        empty = false;
      }
    }
  }
  endLine();

  const raw = out.data.subarray(0, out.length);
  const values = Float64Array.from(raw).sort();
  let unique = 0;
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[unique - 1]) values[unique++] = values[i];
  const sorted = values.slice(0, unique);
  const days = outDays ? earliestDays(sorted, raw, outDays.data.subarray(0, outDays.length)) : null;
  return { values: sorted, days, format, lines, rejectedLines, firstRejected, undatedLines, firstUndated };
}

/**
 * Each number's registration day, in the order of the sorted unique values. A number listed twice
 * keeps its earliest day, and an unknown day (0) wins over any: the earlier a number binds, the safer.
 */
function earliestDays(sorted: Float64Array, raw: Float64Array, rawDays: Uint16Array): Uint16Array {
  const days = new Uint16Array(sorted.length).fill(0xffff);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    if (rawDays[i] < days[lo]) days[lo] = rawDays[i];
  }
  return days;
}
