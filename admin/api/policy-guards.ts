import { composePolicies, packSet, PolicyError } from '../../gateway/src/policy/loader';
import { PolicyResolver } from '../../gateway/src/policy/resolve';
import { describeReach, meetsMinimum, minimumOn, reachOn } from '../../gateway/src/policy/opt-out-reach';
import type { CompiledPolicy, OptOutRule, PackRule, PolicyPack, RegistryRule } from '../../gateway/src/policy/types';

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * In force somewhere on the planet today: callees' local dates run from yesterday to tomorrow in
 * UTC, so a rule counts as in force when any of those dates falls within its effective dates.
 */
function inForceSomewhere(rule: PackRule, now: number): boolean {
  return rule.effectiveFrom <= isoDate(now + DAY_MS) && (!rule.effectiveUntil || isoDate(now - DAY_MS) < rule.effectiveUntil);
}

/**
 * An opt-out acknowledged by the gateway must block every later call (and a registry that must be
 * loaded must deny when it is not): no approved change may switch either off, now or on a later date.
 */
export function weakeningProblems(base: PolicyPack, candidate: PolicyPack, now = Date.now()): string[] {
  const problems: string[] = [];
  const byId = new Map(candidate.rules.map((r) => [r.id, r]));
  for (const rule of base.rules) {
    if (!inForceSomewhere(rule, now)) continue;
    const next = byId.get(rule.id);
    if (rule.kind === 'optOut') problems.push(...optOutProblems(rule, next));
    if (rule.kind === 'registry') problems.push(...registryProblems(rule, next));
  }
  return [...problems, ...minimumProblems(base, candidate, now)];
}

/**
 * The reach of a refusal may be narrowed only down to what the pack's law requires, on every date
 * from today on: each date a step of the minimum, a rule or a widening begins or ends is checked.
 * The minimum is the one of the pack in force; a candidate cannot lower it for itself.
 */
function minimumProblems(base: PolicyPack, candidate: PolicyPack, now: number): string[] {
  if (!base.optOutMinimum?.length) return [];
  const today = isoDate(now - DAY_MS);
  const rules = candidate.rules.filter((r): r is OptOutRule => r.kind === 'optOut' && !r.regions);
  const boundaries = [
    ...base.optOutMinimum.map((s) => s.from),
    ...rules.flatMap((r) => [r.effectiveFrom, r.effectiveUntil ?? '', ...(r.params.widenings ?? []).map((w) => w.from)]),
  ];
  const dates = [...new Set([today, ...boundaries.filter((d) => d > today)])].sort();
  for (const date of dates) {
    const minimum = minimumOn(base, date);
    if (!minimum) continue;
    const reaches = rules.filter((r) => r.effectiveFrom <= date && (!r.effectiveUntil || date < r.effectiveUntil)).map((r) => reachOn(r, date));
    if (reaches.some((reach) => meetsMinimum(reach, minimum))) continue;
    const law = `${minimum.citation.instrument}${minimum.citation.article ? ' ' + minimum.citation.article : ''}`;
    const got = reaches.length ? reaches.map((r) => describeReach(r.scopeFloor, r.purposes)).join('; ') : 'no opt-out rule in force';
    return [`on ${date} ${law} requires a refusal to reach at least ${describeReach(minimum.scope, minimum.purposes)}; the pack's opt-out rules would reach ${got}`];
  }
  return [];
}

function optOutProblems(rule: OptOutRule, next: PackRule | undefined): string[] {
  const name = `the opt-out rule ${rule.id}`;
  if (!next || next.kind !== 'optOut') return [`${name} is in force and cannot be removed: recorded opt-outs would stop blocking calls`];
  const problems: string[] = [];
  if (next.effectiveFrom > rule.effectiveFrom) problems.push(`${name} is in force since ${rule.effectiveFrom}; its start cannot move later (to ${next.effectiveFrom})`);
  if (next.effectiveUntil && (!rule.effectiveUntil || next.effectiveUntil < rule.effectiveUntil)) {
    problems.push(`${name} is in force; it cannot be given an end date (${next.effectiveUntil}) ${rule.effectiveUntil ? `earlier than ${rule.effectiveUntil}` : ''}`.trim());
  }
  if (next.regions && (!rule.regions || next.regions.some((r) => !rule.regions!.includes(r)) || next.regions.length < rule.regions.length)) {
    problems.push(`${name} is in force; it cannot be limited to fewer regions`);
  }
  return problems;
}

function registryProblems(rule: RegistryRule, next: PackRule | undefined): string[] {
  const required = rule.params.lists.filter((l) => l.requireLoaded);
  if (required.length === 0) return [];
  const lists = next?.kind === 'registry' ? next.params.lists : [];
  const problems: string[] = [];
  for (const list of required) {
    const kept = lists.find((l) => l.listId === list.listId);
    if (!kept) problems.push(`the registry list ${list.listId} of rule ${rule.id} must be loaded for calls to go ahead; it cannot be removed`);
    else if (!kept.requireLoaded) problems.push(`the registry list ${list.listId} of rule ${rule.id} must be loaded for calls to go ahead; requireLoaded cannot be turned off`);
  }
  if (next && next.kind === 'registry' && next.effectiveUntil && (!rule.effectiveUntil || next.effectiveUntil < rule.effectiveUntil)) {
    problems.push(`the registry rule ${rule.id} is in force with a list that must be loaded; it cannot be given an earlier end date`);
  }
  if (next && next.kind === 'registry' && next.effectiveFrom > rule.effectiveFrom) {
    problems.push(`the registry rule ${rule.id} is in force with a list that must be loaded; its start cannot move later`);
  }
  return problems;
}

/**
 * The candidate in place of its pack, composed into every pack set that includes it, as decisions
 * would compose them: a clash of rule ids or a missing composeWith pack would otherwise make every
 * decision under those packs fail.
 */
export function compositionProblems(candidate: CompiledPolicy, inForce: Map<string, CompiledPolicy>, campaignPackLists: string[][] = []): string[] {
  const packs = new Map(inForce);
  packs.set(candidate.pack.id, candidate);
  const missing = (candidate.pack.composeWith ?? []).filter((id) => !packs.has(id));
  if (missing.length > 0) return [`the pack "${candidate.pack.id}" is composed with packs that are not in force: ${missing.join(', ')}`];
  const problems: string[] = [];
  for (const id of packs.keys()) {
    const set = packSet(id, packs);
    if (!set || !set.some((p) => p.pack.id === candidate.pack.id)) continue;
    try {
      composePolicies(set);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      problems.push(`composed as "${set.map((p) => p.pack.id).join(' + ')}": ${error.problems.join('; ')}`);
    }
  }
  return problems.length > 0 ? problems : campaignProblems(candidate.pack.id, packs, campaignPackLists);
}

/** Campaigns naming several packs compose the sets covering the callee's country: each such country is tried. */
function campaignProblems(candidateId: string, packs: Map<string, CompiledPolicy>, campaignPackLists: string[][]): string[] {
  const resolver = new PolicyResolver(packs);
  const problems: string[] = [];
  for (const packIds of campaignPackLists) {
    const sets = packIds.map((id) => packSet(id, packs));
    if (sets.some((set) => !set) || !sets.some((set) => set!.some((p) => p.pack.id === candidateId))) continue;
    const countries = new Set(sets.flatMap((set) => set!.flatMap((p) => p.pack.appliesTo.countries)));
    for (const country of countries) {
      try {
        resolver.forCall(packIds, country);
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        problems.push(`campaigns naming "${packIds.join(', ')}" compose them for calls to ${country}: ${error.problems.join('; ')}`);
      }
    }
  }
  return problems;
}
