import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DateTime } from 'luxon';
import type { ComplaintInput, ComplaintSource, RowError } from './complaints';
import { csvRecords } from './csv';

/**
 * The complaint feeds callgate reads, as a mapping from their column names to a complaint. Column
 * names are matched without case, spaces or underscores; a feed whose columns differ is renamed to
 * the generic columns first (README, "Complaints").
 */
interface FeedFormat {
  source: ComplaintSource | null;
  /** Where the feed's numbers are written nationally. */
  country: CountryCode;
  /** The zone of instants written without an offset. */
  timeZone: string;
  columns: { callee: string[]; displayNumber: string[]; at: string[]; reference: string[]; note: string[]; source: string[] };
}

export const COMPLAINT_FORMATS: Record<string, FeedFormat> = {
  generic: {
    source: null,
    country: 'CN',
    timeZone: 'UTC',
    columns: { callee: ['callee'], displayNumber: ['display_number'], at: ['at'], reference: ['reference'], note: ['note'], source: ['source'] },
  },
  // A carrier's forwarded 12321 report: the complainant, the reported number, when the call came.
  '12321': {
    source: '12321',
    country: 'CN',
    timeZone: 'Asia/Shanghai',
    columns: { callee: ['被叫号码', '举报人号码', '投诉人号码'], displayNumber: ['主叫号码', '被举报号码', '骚扰号码'], at: ['来电时间', '呼叫时间', '举报时间'], reference: ['举报编号', '工单号', '编号'], note: ['举报内容', '备注'], source: [] },
  },
  // The FTC's Do Not Call Reported Calls data names the company's number and only the consumer's area code.
  ftc: {
    source: 'ftc',
    country: 'US',
    timeZone: 'America/New_York',
    columns: { callee: [], displayNumber: ['Company_Phone_Number'], at: ['Violation_Date', 'Created_Date'], reference: [], note: ['Subject'], source: [] },
  },
};

const squash = (s: string) => s.trim().toLowerCase().replace(/[\s_]/g, '');

function columnIndex(header: string[], names: string[]): number {
  const wanted = names.map(squash);
  for (const name of wanted) {
    const at = header.findIndex((h) => squash(h) === name);
    if (at >= 0) return at;
  }
  return -1;
}

function toE164(value: string, country: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(value.trim(), country);
  return parsed?.isValid() ? parsed.number : null;
}

function toInstant(value: string, zone: string): number {
  const text = value.trim();
  const iso = DateTime.fromISO(text.replace(' ', 'T'), { zone, setZone: true });
  if (iso.isValid) return iso.toMillis();
  for (const format of ['yyyy/MM/dd HH:mm:ss', 'yyyy/MM/dd HH:mm', 'MM/dd/yyyy HH:mm:ss', 'MM/dd/yyyy']) {
    const parsed = DateTime.fromFormat(text, format, { zone });
    if (parsed.isValid) return parsed.toMillis();
  }
  return Number.NaN;
}

export interface ParsedComplaintFile {
  rows: ComplaintInput[];
  lines: number[];
  errors: RowError[];
}

/** Every row of the file, or every row's problem named by its line; the caller records nothing when there is one. */
export function parseComplaintFile(text: string, formatName: string, options: { country?: CountryCode; timeZone?: string; source?: ComplaintSource } = {}): ParsedComplaintFile {
  const format = COMPLAINT_FORMATS[formatName];
  if (!format) throw new Error(`unknown complaint format ${formatName}; one of ${Object.keys(COMPLAINT_FORMATS).join(', ')}`);
  const country = options.country ?? format.country;
  const zone = options.timeZone ?? format.timeZone;
  const records = csvRecords(text);
  const first = records.next();
  if (first.done) throw new Error('the file is empty: a header line naming the columns comes first');
  const header = first.value.fields;
  const col = Object.fromEntries(Object.entries(format.columns).map(([k, names]) => [k, columnIndex(header, names)])) as Record<keyof FeedFormat['columns'], number>;
  if (col.at < 0) throw new Error(`no column for the call's instant (${format.columns.at.join(' or ')})`);
  if (col.callee < 0 && col.displayNumber < 0) throw new Error('no column for the callee or the display number');
  const out: ParsedComplaintFile = { rows: [], lines: [], errors: [] };
  for (const { line, fields } of records) {
    const cell = (k: keyof FeedFormat['columns']) => (col[k] >= 0 ? (fields[col[k]] ?? '').trim() : '');
    const problems: string[] = [];
    const callee = cell('callee') ? toE164(cell('callee'), country) : null;
    if (cell('callee') && !callee) problems.push(`the callee "${cell('callee')}" is not a valid number`);
    const displayNumber = cell('displayNumber') ? toE164(cell('displayNumber'), country) : null;
    if (cell('displayNumber') && !displayNumber) problems.push(`the display number "${cell('displayNumber')}" is not a valid number`);
    const at = toInstant(cell('at'), zone);
    if (Number.isNaN(at)) problems.push(`"${cell('at')}" is not a date and time`);
    const source = (format.source ?? (cell('source') || options.source || null)) as ComplaintSource | null;
    if (!source) problems.push('no source: give a source column or --source');
    if (problems.length > 0) {
      out.errors.push(...problems.map((message) => ({ row: line, message })));
      continue;
    }
    out.rows.push({ callee, displayNumber, at, source: source!, reference: cell('reference') || null, note: cell('note') || null });
    out.lines.push(line);
  }
  return out;
}
