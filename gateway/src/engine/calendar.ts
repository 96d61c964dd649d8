import Holidays from 'date-holidays';
import { IANAZone } from 'luxon';
import type { HoursWindow } from '../policy/types';

/**
 * Calling windows in a local time zone. Windows are start-inclusive and end-exclusive: a call at
 * exactly 21:00:00 falls outside a window ending at 21:00. Offsets, DST included, come from the
 * IANA tzdb through luxon's zone; the arithmetic is on wall-clock milliseconds.
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

/** The holiday's name when the local date (YYYY-MM-DD) is a no-call day, else null. */
export function holidayOn(isoDate: string, calendar: string | undefined, extraDates: string[] | undefined): string | null {
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

export interface LocalVerdict {
  allowed: boolean;
  holiday: string | null;
  /** The next instant a window opens, when not allowed now; null when none within a year. */
  nextOpen: number | null;
}

const HORIZON_DAYS = 370;

const QUARTER_HOUR_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const offsetCache = new Map<string, number>();

/**
 * The zone's UTC offset in ms at an instant. Present-day offsets change only at instants that are
 * whole quarter-hours in UTC, so the offset is memoised per zone and quarter-hour: computing it
 * through Intl on every decision would cost more than all the other rules together.
 */
function offsetMs(zone: string, at: number): number {
  const key = `${zone}|${Math.floor(at / QUARTER_HOUR_MS)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    if (offsetCache.size > 100_000) offsetCache.clear();
    offset = IANAZone.create(zone).offset(at) * 60_000;
    offsetCache.set(key, offset);
  }
  return offset;
}

/** The UTC instant at which the zone's clock shows `wall` (wall-clock ms read as if UTC). */
function wallToUtc(zone: string, wall: number): number {
  return wall - offsetMs(zone, wall - offsetMs(zone, wall));
}

const isoDate = (wall: number) => new Date(wall).toISOString().slice(0, 10);

/** The civil date (YYYY-MM-DD) in a zone at an instant. */
export function localIsoDate(at: number, zone: string): string {
  return isoDate(at + offsetMs(zone, at));
}
const isoWeekday = (wall: number) => new Date(wall).getUTCDay() || 7;
const startOfDay = (wall: number) => wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);

export function judgeLocalTime(
  at: number,
  zone: string,
  windows: HoursWindow[],
  holidays: { calendar?: string; dates?: string[] } | undefined,
): LocalVerdict {
  // Wall-clock time as if it were UTC: its UTC fields are the callee's local date and time.
  const wall = at + offsetMs(zone, at);
  const msOfDay = wall - startOfDay(wall);
  const holiday = holidayOn(isoDate(wall), holidays?.calendar, holidays?.dates);
  if (!holiday) {
    const weekday = isoWeekday(wall);
    for (const w of windows) {
      if (!w.days.includes(weekday)) continue;
      if (msOfDay >= clockMinutes(w.start) * 60_000 && msOfDay < clockMinutes(w.end) * 60_000) return { allowed: true, holiday: null, nextOpen: null };
    }
  }
  return { allowed: false, holiday, nextOpen: nextOpening(at, zone, windows, holidays) };
}

/** The first instant from `at` on that lies inside a window on a day that is no holiday. */
function nextOpening(at: number, zone: string, windows: HoursWindow[], holidays: { calendar?: string; dates?: string[] } | undefined): number | null {
  const today = startOfDay(at + offsetMs(zone, at));
  for (let offset = 0; offset < HORIZON_DAYS; offset++) {
    const day = today + offset * DAY_MS;
    if (holidayOn(isoDate(day), holidays?.calendar, holidays?.dates)) continue;
    let best: number | null = null;
    for (const w of windows) {
      if (!w.days.includes(isoWeekday(day))) continue;
      // Wall-clock bounds turned into instants on that very day: DST moves them, not the clock.
      const end = wallToUtc(zone, day + clockMinutes(w.end) * 60_000);
      if (end <= at) continue;
      const start = Math.max(at, wallToUtc(zone, day + clockMinutes(w.start) * 60_000));
      best = best === null ? start : Math.min(best, start);
    }
    if (best !== null) return best;
  }
  return null;
}
