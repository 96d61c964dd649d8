/**
 * Registration dates of registry entries, as whole days since 1970-01-01 in a Uint16 (until 2149).
 * Day 0 means unknown: such a number binds at once, as every number of a list without dates does.
 * A date before 1970-01-02 is stored as unknown too; it binds at once either way.
 */
export const UNDATED = 0;
const DAY_MS = 86_400_000;
const MAX_DAY = 0xfffe;

/** The day of "YYYY-MM-DD" (optionally followed by a time, cut off) or "YYYYMMDD" bytes; UNDATED when neither. */
export function dayOfDate(bytes: number[]): number {
  const digit = (i: number) => (bytes[i] >= 48 && bytes[i] <= 57 ? bytes[i] - 48 : NaN);
  const num = (from: number, n: number) => {
    let v = 0;
    for (let i = from; i < from + n; i++) v = v * 10 + digit(i);
    return v;
  };
  let y: number, m: number, d: number;
  if (bytes.length >= 10 && bytes[4] === 45 && bytes[7] === 45 && (bytes.length === 10 || bytes[10] === 84 /* T */)) {
    [y, m, d] = [num(0, 4), num(5, 2), num(8, 2)];
  } else if (bytes.length === 8) {
    [y, m, d] = [num(0, 4), num(4, 2), num(6, 2)];
  } else {
    return UNDATED;
  }
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= 31)) return UNDATED;
  const ms = Date.UTC(y, m - 1, d);
  if (new Date(ms).getUTCDate() !== d) return UNDATED; // 2026-02-30
  const day = Math.floor(ms / DAY_MS);
  if (day < 1) return UNDATED;
  return day > MAX_DAY ? UNDATED : day;
}

/** The day a list dated at `ms` was published: no entry can have been registered after it. */
export const dayOfInstant = (ms: number) => Math.floor(ms / DAY_MS);

/** "YYYY-MM-DD" of a stored day; null when unknown. */
export const isoOfDay = (day: number): string | null => (day === UNDATED ? null : new Date(day * DAY_MS).toISOString().slice(0, 10));
