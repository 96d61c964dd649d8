import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { AppError } from '../errors';

/**
 * The permanent-disconnect file: one number and the date it was permanently disconnected a line,
 * `number,disconnect_date`, e.g. `+15125550123,2024-03-15`. The number is E.164 or, for the North
 * American plan the RND covers, ten digits (`5125550123`) or eleven starting with 1. The date is
 * YYYY-MM-DD. A first line `number,disconnect_date` is a header; blank lines and lines starting
 * with "#" are skipped; CRLF line ends are accepted. Any other line refuses the whole file, naming
 * the line, so a partly read file never replaces good data.
 */
export interface DisconnectRow {
  number: string;
  disconnectedOn: string;
}

const E164 = /^\+[1-9]\d{7,14}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

function toE164(raw: string): string | null {
  const text = raw.trim();
  if (E164.test(text)) return text;
  if (/^[2-9]\d{9}$/.test(text)) return `+1${text}`;
  if (/^1[2-9]\d{9}$/.test(text)) return `+${text}`;
  return null;
}

function bad(line: number, text: string, why: string): AppError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return new AppError('REASSIGNED_FILE_INVALID', `line ${line}: ${why} (${JSON.stringify(shown)}); nothing was imported`, { line });
}

/** Parses the file as it streams in, handing rows on in batches; throws on the first bad line. */
export async function readDisconnects(input: Readable, asOf: string, onRows: (rows: DisconnectRow[]) => Promise<void>, batchSize = 300): Promise<number> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let count = 0;
  let batch: DisconnectRow[] = [];
  for await (const rawLine of lines) {
    lineNo++;
    const text = rawLine.trim();
    if (text === '' || text.startsWith('#')) continue;
    if (count === 0 && batch.length === 0 && /^number\s*,\s*disconnect_date$/i.test(text)) continue;
    const fields = text.split(',');
    if (fields.length !== 2) throw bad(lineNo, text, 'expected two fields, number,disconnect_date');
    const number = toE164(fields[0]);
    if (!number) throw bad(lineNo, text, 'the number is neither E.164 nor a ten-digit North American number');
    const date = fields[1].trim();
    if (!isCalendarDate(date)) throw bad(lineNo, text, 'the disconnect date is not a calendar date YYYY-MM-DD');
    if (date > asOf) throw bad(lineNo, text, `the disconnect date is after the data's as-of date ${asOf}`);
    batch.push({ number, disconnectedOn: date });
    count++;
    if (batch.length >= batchSize) {
      await onRows(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await onRows(batch);
  return count;
}
