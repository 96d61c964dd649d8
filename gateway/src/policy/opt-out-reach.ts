import { OPT_OUT_SCOPES, type OptOutScope } from '../engine/types';
import type { OptOutMinimum, OptOutPurposes, OptOutReach, OptOutRule, PolicyPack } from './types';

const PURPOSES: OptOutPurposes[] = ['same', 'all'];

export const scopeRank = (s: OptOutScope) => OPT_OUT_SCOPES.indexOf(s);
export const widerScope = (a: OptOutScope, b: OptOutScope): OptOutScope => (scopeRank(a) >= scopeRank(b) ? a : b);
const widerPurposes = (a: OptOutPurposes, b: OptOutPurposes): OptOutPurposes => (a === 'all' || b === 'all' ? 'all' : 'same');

/** What the rule makes a refusal reach on a local date (YYYY-MM-DD): its params, widened by every widening begun by then. */
export function reachOn(rule: OptOutRule, date: string): Required<OptOutReach> {
  let reach: Required<OptOutReach> = { scopeFloor: rule.params.scopeFloor, purposes: rule.params.purposes ?? 'all' };
  for (const w of rule.params.widenings ?? []) {
    if (w.from > date) continue;
    reach = { scopeFloor: widerScope(reach.scopeFloor, w.scopeFloor ?? reach.scopeFloor), purposes: widerPurposes(reach.purposes, w.purposes ?? reach.purposes) };
  }
  return reach;
}

/** The legal minimum in force on a date: the last step begun by then; null before the first. */
export function minimumOn(pack: PolicyPack, date: string): OptOutMinimum | null {
  let found: OptOutMinimum | null = null;
  for (const step of pack.optOutMinimum ?? []) if (step.from <= date) found = step;
  return found;
}

export function meetsMinimum(reach: Required<OptOutReach>, minimum: OptOutMinimum): boolean {
  return scopeRank(reach.scopeFloor) >= scopeRank(minimum.scope) && PURPOSES.indexOf(reach.purposes) >= PURPOSES.indexOf(minimum.purposes);
}

export const describeReach = (scope: OptOutScope, purposes: OptOutPurposes) => `${scope} scope, ${purposes === 'all' ? 'every purpose' : 'the same purpose only'}`;

/** Dated steps must be in date order, so that "the last begun" is well defined to a reader too. */
export function reachOrderProblems(pack: PolicyPack): string[] {
  const problems: string[] = [];
  const ordered = (dates: string[]) => dates.every((d, i) => i === 0 || dates[i - 1] < d);
  if (!ordered((pack.optOutMinimum ?? []).map((s) => s.from))) problems.push('optOutMinimum: steps must be in strictly increasing date order');
  for (const rule of pack.rules) {
    if (rule.kind === 'optOut' && !ordered((rule.params.widenings ?? []).map((w) => w.from))) problems.push(`${rule.id}: widenings must be in strictly increasing date order`);
  }
  return problems;
}
