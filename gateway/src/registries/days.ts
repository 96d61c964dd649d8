/**
 * Registration dates of registry entries, as whole days since 1970-01-01 in a Uint16 (until 2149).
 * Day 0 means unknown: such a number binds at once, as every number of a list without dates does.
 * A date before 1970-01-02 is stored as unknown too; it binds at once either way.
 */
export const UNDATED = 0;
const DAY_MS = 86_400_000;
const MAX_DAY = 0xfffe;


const digitsAt = (bytes: number[], from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = bytes[i] - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    v = v * 10 + d;
  }
  return v;
};

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The day of "YYYY-MM-DD" (optionally followed by "T" and a time, cut off) or "YYYYMMDD" bytes;
 * UNDATED when neither is a calendar date. Called once a line of lists of tens of millions: no
 * string, no Date.
 */
export function dayOfDate(bytes: number[]): number {
  let y: number, m: number, d: number;
  if (bytes.length >= 10 && bytes[4] === 45 && bytes[7] === 45 && (bytes.length === 10 || bytes[10] === 84 /* T */)) {
    [y, m, d] = [digitsAt(bytes, 0, 4), digitsAt(bytes, 5, 2), digitsAt(bytes, 8, 2)];
  } else if (bytes.length === 8) {
    [y, m, d] = [digitsAt(bytes, 0, 4), digitsAt(bytes, 4, 2), digitsAt(bytes, 6, 2)];
  } else {
    return UNDATED;
  }
  if (!(m >= 1 && m <= 12 && d >= 1)) return UNDATED;
  if (d > MONTH_DAYS[m - 1] + (m === 2 && leap(y) ? 1 : 0)) return UNDATED; // 2026-02-30
  const day = daysFromCivil(y, m, d);
  if (day < 1) return UNDATED;
  return day > MAX_DAY ? UNDATED : day;
}

/** The day a list dated at `ms` was published: no entry can have been registered after it. */
export const dayOfInstant = (ms: number) => Math.floor(ms / DAY_MS);

/** "YYYY-MM-DD" of a stored day; null when unknown. */
export const isoOfDay = (day: number): string | null => (day === UNDATED ? null : new Date(day * DAY_MS).toISOString().slice(0, 10));
