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

/** Splits one CSV line (callgate never writes a line break inside a field: JSON escapes them). */
function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new FormatError('an unterminated quoted field');
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
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
