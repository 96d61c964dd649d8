import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { HoursWindow } from '../policy/types';

/**
 * Calling windows in a local time zone. Windows are start-inclusive and end-exclusive: a call at
 * exactly 21:00:00 falls outside a window ending at 21:00. DST is luxon's (IANA tzdb) business.
 */

const holidayCalendars = new Map<string, Holidays>();

function calendarFor(code: string): Holidays {
  let calendar = holidayCalendars.get(code);
  if (!calendar) {
    const [country, state] = code.split('-');
    calendar = state ? new Holidays(country, state, { types: ['public'] }) : new Holidays(country, { types: ['public'] });
    holidayCalendars.set(code, calendar);
  }
  return calendar;
}

const holidayCache = new Map<string, string | null>();

/** The holiday's name when the local date is a no-call day, else null. */
export function holidayOn(day: DateTime, calendar: string | undefined, extraDates: string[] | undefined): string | null {
  const isoDate = day.toISODate()!;
  if (extraDates?.includes(isoDate)) return `no-call day ${isoDate}`;
  if (!calendar) return null;
  const key = `${calendar}|${isoDate}`;
  if (!holidayCache.has(key)) {
    // date-holidays reads the civil date of a Date in its own zone; noon UTC of the same date is safe.
    const found = calendarFor(calendar).isHoliday(new Date(`${isoDate}T12:00:00Z`));
    holidayCache.set(key, found ? found.map((h) => h.name).join(', ') : null);
  }
  return holidayCache.get(key)!;
}

function clockMinutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
}

function windowBounds(day: DateTime, window: HoursWindow): [DateTime, DateTime] {
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  const midnight = day.startOf('day');
  // Wall-clock times, not elapsed minutes: on a DST day 08:00 is not 480 minutes after midnight.
  const at = (m: number) => midnight.set({ hour: Math.floor(m / 60), minute: m % 60 });
  return [at(start), end === 24 * 60 ? midnight.plus({ days: 1 }) : at(end)];
}

export interface LocalVerdict {
  allowed: boolean;
  holiday: string | null;
  /** The next instant a window opens, when not allowed now; null when none within a year. */
  nextOpen: number | null;
}

const HORIZON_DAYS = 370;

export function judgeLocalTime(
  at: number,
  zone: string,
  windows: HoursWindow[],
  holidays: { calendar?: string; dates?: string[] } | undefined,
): LocalVerdict {
  const local = DateTime.fromMillis(at, { zone });
  const holiday = holidayOn(local, holidays?.calendar, holidays?.dates);
  if (!holiday) {
    for (const w of windows) {
      if (!w.days.includes(local.weekday)) continue;
      const [start, end] = windowBounds(local, w);
      if (local >= start && local < end) return { allowed: true, holiday: null, nextOpen: null };
    }
  }
  return { allowed: false, holiday, nextOpen: nextOpening(local, windows, holidays) };
}

function nextOpening(local: DateTime, windows: HoursWindow[], holidays: { calendar?: string; dates?: string[] } | undefined): number | null {
  for (let offset = 0; offset < HORIZON_DAYS; offset++) {
    const day = local.startOf('day').plus({ days: offset });
    if (holidayOn(day, holidays?.calendar, holidays?.dates)) continue;
    const starts = windows
      .filter((w) => w.days.includes(day.weekday))
      .map((w) => windowBounds(day, w))
      .filter(([, end]) => end > local)
      .map(([start]) => Math.max(start.toMillis(), local.toMillis()));
    if (starts.length > 0) return Math.min(...starts);
  }
  return null;
}
