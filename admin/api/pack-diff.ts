import type { PolicyPack } from '../../gateway/src/policy/types';

export interface DiffEntry {
  /** Where, readable: "CN-HOURS › params.windows[0].end". */
  path: string;
  before: unknown;
  after: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function walk(path: string, before: unknown, after: unknown, out: DiffEntry[]): void {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) walk(path ? `${path}.${key}` : key, before[key], after[key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, i) => walk(`${path}[${i}]`, item, after[i], out));
    return;
  }
  out.push({ path, before: before ?? null, after: after ?? null });
}

/** What a change does to a pack, rule by rule (rules matched by id, not position). */
export function diffPacks(before: PolicyPack, after: PolicyPack): DiffEntry[] {
  const out: DiffEntry[] = [];
  const { rules: rulesBefore, ...headBefore } = before;
  const { rules: rulesAfter, ...headAfter } = after;
  walk('', headBefore, headAfter, out);
  const byId = new Map(rulesBefore.map((r) => [r.id, r]));
  for (const rule of rulesAfter) {
    const old = byId.get(rule.id);
    if (!old) out.push({ path: rule.id, before: null, after: rule });
    else walk(rule.id + ' ›', old, rule, out);
    byId.delete(rule.id);
  }
  for (const [id, rule] of byId) out.push({ path: id, before: rule, after: null });
  return out.map((d) => ({ ...d, path: d.path.replace(' ›.', ' › ') }));
}
