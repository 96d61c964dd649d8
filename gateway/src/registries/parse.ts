import type { Readable } from 'node:stream';

/**
 * Reads a registry file as it streams in: one number per line, in E.164 ("+15551234567") or, with
 * a default calling code, in national form ("5551234567", "0412 345 678"). Spaces, dashes, dots and
 * brackets are ignored; lines starting with "#" and blank lines are skipped; anything else is a
 * rejected line, counted and shown. Bytes are scanned directly: readline and a string per line
 * would cost more than the whole rest of an import of tens of millions of numbers.
 */
export interface ParsedList {
  /** Ascending, unique values of the numbers' digits. */
  values: Float64Array;
  lines: number;
  rejectedLines: number;
  firstRejected: string[];
}

const NL = 10;
const CR = 13;
const PLUS = 43;
const HASH = 35;
const IGNORED = new Set([32, 9, 44, 45, 40, 41, 46, CR]); // space, tab , - ( ) . \r ("area code,number" lines too)

class Growable {
  data = new Float64Array(1 << 20);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

export async function parseRegistryStream(
  input: Readable,
  options: { defaultCallingCode: string | null; onProgress?: (lines: number) => void; progressEvery?: number },
): Promise<ParsedList> {
  const cc = options.defaultCallingCode ? Number(options.defaultCallingCode) : null;
  const out = new Growable();
  const firstRejected: string[] = [];
  let lines = 0;
  let rejectedLines = 0;
  const every = options.progressEvery ?? 1_000_000;
  // State of the line being read.
  let value = 0;
  let digits = 0;
  let plus = false;
  let leadingZero = false;
  let bad = false;
  let comment = false;
  let empty = true;
  let text: number[] = [];

  const endLine = () => {
    if (!empty && !comment) {
      lines++;
      const v = bad ? NaN : finish();
      if (Number.isNaN(v)) {
        rejectedLines++;
        if (firstRejected.length < 10) firstRejected.push(Buffer.from(text).toString('utf8'));
      } else {
        out.push(v);
      }
      if (options.onProgress && lines % every === 0) options.onProgress(lines);
    }
    value = 0;
    digits = 0;
    plus = false;
    leadingZero = false;
    bad = false;
    comment = false;
    empty = true;
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

  for await (const chunk of input as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === NL) {
        endLine();
        continue;
      }
      if (comment) continue;
      if (text.length < 40) text.push(b);
      if (b >= 48 && b <= 57) {
        if (digits === 0 && b === 48) leadingZero = true;
        value = value * 10 + (b - 48);
        digits++;
        empty = false;
      } else if (IGNORED.has(b)) {
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

  const values = out.data.subarray(0, out.length).sort();
  let unique = 0;
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[unique - 1]) values[unique++] = values[i];
  return { values: values.slice(0, unique), lines, rejectedLines, firstRejected };
}
