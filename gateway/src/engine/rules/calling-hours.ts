import type { CallingHoursRule } from '../../policy/types';
import { judgeLocalTime } from '../calendar';
import { fail, pass, type RuleCheck } from '../context';

/**
 * The call must be allowed in every zone the callee may be in (the intersection of windows), so an
 * unsure zone never lets a call through that one of its candidates forbids.
 */
export const callingHours: RuleCheck<CallingHoursRule> = (rule, { callee, now, extraZones }) => {
  const own = callee.timeZones.length > 0 ? callee.timeZones : rule.params.fallbackZones;
  const zones = extraZones?.length ? [...new Set([...own, ...extraZones])] : own;
  if (zones.length === 0) return fail('OUTSIDE_CALLING_HOURS', "The callee's time zone is unknown, so no calling window can be confirmed");
  let holiday: { zone: string; name: string } | null = null;
  let closedIn: string | null = null;
  let retryAt = now;
  for (const zone of zones) {
    const verdict = judgeLocalTime(now, zone, rule.params.windows, rule.params.holidays);
    if (verdict.allowed) continue;
    if (verdict.holiday && !holiday) holiday = { zone, name: verdict.holiday };
    closedIn ??= zone;
    if (verdict.nextOpen === null) return fail(holiday ? 'HOLIDAY' : 'OUTSIDE_CALLING_HOURS', `No calling window opens within a year in ${zone}`);
    retryAt = Math.max(retryAt, verdict.nextOpen);
  }
  if (!closedIn) return pass;
  if (holiday) return fail('HOLIDAY', `No calls on ${holiday.name} in the callee's time zone (${holiday.zone})`, retryAt);
  const windows = rule.params.windows.map((w) => `${w.start}–${w.end}`).join(', ');
  return fail('OUTSIDE_CALLING_HOURS', `Outside ${windows} in the callee's local time (${closedIn})`, retryAt);
};
