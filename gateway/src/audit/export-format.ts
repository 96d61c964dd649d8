/**
 * One line of an export, the same fields in NDJSON and CSV:
 *   kind      record | purged (payload removed by retention) | pseudonymised | omitted
 *   chain, fromSeq, toSeq   a record has fromSeq = toSeq; an omitted run covers fromSeq..toSeq
 *   at, type  readable copies of what the link holds
 *   hash      SHA-256 of link (for an omitted run: the hash of its last record)
 *   link      the exact bytes that were hashed
 *   payload   the exact bytes whose SHA-256 is the link's payloadHash (record kind only)
 */
export interface ExportLine {
  kind: 'record' | 'purged' | 'pseudonymised' | 'omitted';
  chain: string;
  fromSeq: number;
  toSeq: number;
  at: string | null;
  type: string | null;
  hash: string;
  link: string | null;
  payload: string | null;
}

export const CSV_COLUMNS = ['kind', 'chain', 'fromSeq', 'toSeq', 'at', 'type', 'hash', 'link', 'payload'] as const;
export const CSV_HEADER = CSV_COLUMNS.join(',');

export type ExportFormat = 'ndjson' | 'csv';

const csvField = (value: string | number | null): string => {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function formatLine(line: ExportLine, format: ExportFormat): string {
  if (format === 'ndjson') return JSON.stringify(line);
  return CSV_COLUMNS.map((c) => csvField(line[c])).join(',');
}

export class FormatError extends Error {}

/** A quoted field from its opening quote: alternatives that cannot overlap, so no backtracking. */
const QUOTED_FIELD = /"((?:[^"]|"")*)"/y;

/** A quoted field's text (quotes still doubled) and the index after its closing quote. */
function quotedField(text: string, open: number): [string, number] {
  QUOTED_FIELD.lastIndex = open;
  let match: RegExpExecArray | null = null;
  try {
    match = QUOTED_FIELD.exec(text);
  } catch {
    // a field too long for the regular expression's backtracking stack: scan for the quote instead
  }
  if (match) return [match[1], QUOTED_FIELD.lastIndex];
  let quote = text.indexOf('"', open + 1);
  while (quote >= 0 && text.charCodeAt(quote + 1) === 0x22) quote = text.indexOf('"', quote + 2);
  if (quote < 0) throw new FormatError('an unterminated quoted field');
  return [text.slice(open + 1, quote), quote + 1];
}

/** Splits one CSV line (callgate never writes a line break inside a field: JSON escapes them). */
function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text.charCodeAt(i) === 0x22) {
      // One sticky match to the closing quote (doubled quotes stay inside), then undouble them.
      const [raw, end] = quotedField(text, i);
      const value = raw.includes('""') ? raw.replace(/""/g, '"') : raw;
      i = end;
      fields.push(value);
      if (i < text.length && text[i] !== ',') throw new FormatError('text after a quoted field');
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      fields.push(text.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

const KINDS = new Set(['record', 'purged', 'pseudonymised', 'omitted']);

export function parseLine(text: string, format: ExportFormat): ExportLine {
  let raw: Record<string, unknown>;
  if (format === 'ndjson') {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new FormatError('not JSON');
    }
  } else {
    const fields = splitCsv(text);
    if (fields.length !== CSV_COLUMNS.length) throw new FormatError(`${fields.length} fields instead of ${CSV_COLUMNS.length}`);
    raw = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, fields[i] === '' ? null : fields[i]]));
  }
  const line = {
    kind: raw.kind,
    chain: raw.chain,
    fromSeq: Number(raw.fromSeq),
    toSeq: Number(raw.toSeq),
    at: (raw.at as string | null) ?? null,
    type: (raw.type as string | null) ?? null,
    hash: raw.hash,
    link: (raw.link as string | null) ?? null,
    payload: (raw.payload as string | null) ?? null,
  };
  if (typeof line.kind !== 'string' || !KINDS.has(line.kind)) throw new FormatError('unknown kind');
  if (typeof line.chain !== 'string' || typeof line.hash !== 'string') throw new FormatError('chain or hash missing');
  if (!Number.isSafeInteger(line.fromSeq) || !Number.isSafeInteger(line.toSeq)) throw new FormatError('fromSeq or toSeq is not an integer');
  return line as ExportLine;
}
