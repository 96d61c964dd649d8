import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { IANAZone } from 'luxon';
import { projectRoot } from '../paths';
import { reachOrderProblems } from './opt-out-reach';
import type { CompiledPolicy, FactNeeds, PackRule, PolicyPack } from './types';

export class PolicyError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  - ${problems.join('\n  - ')}`);
  }
}

export const POLICIES_DIR = path.join(projectRoot(), 'policies');
export const packSchema = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, 'schema', 'pack.schema.json'), 'utf8'));

const ajv = new Ajv({ allErrors: true, strict: false });
const validatePack = ajv.compile(packSchema);

/** Schema errors in plain words, with the JSON path they point at. */
function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '(pack)'} ${e.message}${e.params && 'allowedValues' in e.params ? ': ' + (e.params.allowedValues as unknown[]).join(', ') : ''}`);
}

function minutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
}

/** What the schema cannot say: unique ids, ordered windows, real zones and calendars. */
function semanticProblems(pack: PolicyPack): string[] {
  const problems: string[] = reachOrderProblems(pack);
  const seen = new Set<string>();
  if (pack.timeZone && !IANAZone.isValidZone(pack.timeZone)) problems.push(`timeZone "${pack.timeZone}" is not an IANA time zone`);
  const ruleIds = new Set(pack.rules.map((r) => r.id));
  for (const parameter of pack.parameters ?? []) {
    for (const id of parameter.usedBy) if (!ruleIds.has(id)) problems.push(`parameter ${parameter.name} names rule ${id}, which the pack does not have`);
  }
  for (const rule of pack.rules) {
    if (seen.has(rule.id)) problems.push(`rule id ${rule.id} is used twice`);
    seen.add(rule.id);
    if (rule.effectiveUntil && rule.effectiveUntil <= rule.effectiveFrom) problems.push(`${rule.id}: effectiveUntil must be after effectiveFrom`);
    for (const region of rule.regions ?? []) {
      if (!pack.appliesTo.countries.includes(region.slice(0, 2))) problems.push(`${rule.id}: region ${region} lies outside the pack's countries`);
    }
    if (rule.kind !== 'callingHours') continue;
    for (const w of rule.params.windows) {
      if (minutes(w.start) >= minutes(w.end)) problems.push(`${rule.id}: window ${w.start}–${w.end} must start before it ends`);
    }
    for (const zone of rule.params.fallbackZones) {
      if (!IANAZone.isValidZone(zone)) problems.push(`${rule.id}: "${zone}" is not an IANA time zone`);
    }
  }
  return problems;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key]) => key !== '$schema')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function lookbacks(rules: PackRule[]) {
  let calleeLookbackMs = 0;
  const callerWindows: { seconds: number; max: number }[] = [];
  const abandonmentWindows = new Set<number>();
  for (const rule of rules) {
    if (rule.kind === 'rotation') calleeLookbackMs = Math.max(calleeLookbackMs, rule.params.windowSeconds * 1000);
    if (rule.kind === 'abandonment') abandonmentWindows.add(rule.params.windowSeconds);
    if (rule.kind === 'abandonment' && rule.params.withoutMessage) abandonmentWindows.add(rule.params.withoutMessage.windowSeconds);
    if (rule.kind !== 'frequencyCap') continue;
    for (const w of rule.params.windows) {
      if (rule.params.scope === 'caller_number') {
        callerWindows.push({ seconds: w.seconds, max: w.max });
      } else {
        calleeLookbackMs = Math.max(calleeLookbackMs, w.seconds * 1000);
      }
    }
  }
  return { calleeLookbackMs, callerWindows, abandonmentWindows: [...abandonmentWindows], needs: factNeeds(rules) };
}

/** Which optional facts the rules read, so storage skips the queries no rule needs. */
function factNeeds(rules: PackRule[]): FactNeeds {
  let redialLookbackMs = 0;
  let machineLookbackMs = 0;
  let refusalLookbackMs = 0;
  for (const rule of rules) {
    if (rule.kind === 'refusalWait') refusalLookbackMs = Math.max(refusalLookbackMs, rule.params.days * 86_400_000);
    if (rule.kind !== 'abandonment') continue;
    redialLookbackMs = Math.max(redialLookbackMs, (rule.params.redialWaitSeconds ?? 0) * 1000);
    machineLookbackMs = Math.max(machineLookbackMs, (rule.params.machineRedialWaitSeconds ?? 0) * 1000);
  }
  return {
    registrations: rules.some((r) => r.kind === 'registration'),
    relationships: rules.some((r) => r.kind === 'registry' && r.params.lists.some((l) => l.waivedByRelationship !== undefined)),
    redialLookbackMs,
    reassigned: rules.some((r) => r.kind === 'reassignedNumbers'),
    ...(machineLookbackMs > 0 ? { machineLookbackMs } : {}),
    ...(refusalLookbackMs > 0 ? { refusalLookbackMs } : {}),
  };
}

/** Validates a pack and gives it a revision id: its label plus a hash of its canonical content. */
export function compilePolicy(candidate: unknown): CompiledPolicy {
  if (!validatePack(candidate)) throw new PolicyError('The policy pack does not match its schema', describeErrors(validatePack.errors));
  const pack = candidate as unknown as PolicyPack;
  const problems = semanticProblems(pack);
  if (problems.length > 0) throw new PolicyError(`The policy pack "${pack.id}" is inconsistent`, problems);
  const hash = crypto.createHash('sha256').update(canonicalJson(pack)).digest('hex').slice(0, 12);
  return { pack, revisionId: `${pack.id}@${pack.revision}+${hash}`, ...lookbacks(pack.rules) };
}

export function loadPackFile(file: string): CompiledPolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PolicyError(`Cannot read policy pack ${file}`, [(error as Error).message]);
  }
  return compilePolicy(parsed);
}

/**
 * Several packs judged as one (a federal pack and its state overlays): every rule of every pack runs
 * and every finding is reported, so the strictest rule is always the one that binds. Pure, like
 * compilePolicy: the same packs compose to the same policy and revision id.
 */
export function composePolicies(parts: CompiledPolicy[]): CompiledPolicy {
  if (parts.length === 1) return parts[0];
  const [first] = parts;
  const ids = new Set<string>();
  for (const part of parts) {
    for (const rule of part.pack.rules) {
      if (ids.has(rule.id)) throw new PolicyError('Packs cannot be composed', [`rule id ${rule.id} appears in two packs`]);
      ids.add(rule.id);
    }
  }
  const pack: PolicyPack = {
    ...first.pack,
    id: parts.map((p) => p.pack.id).join('+'),
    name: parts.map((p) => p.pack.name).join(' + '),
    appliesTo: { countries: [...new Set(parts.flatMap((p) => p.pack.appliesTo.countries))] },
    rules: parts.flatMap((p) => p.pack.rules),
  };
  delete pack.composeWith;
  // A known location decides only when no part of the composition asks for the most restrictive.
  const settings = parts.map((p) => p.pack.calleeLocation).filter((c) => c !== undefined);
  if (settings.length > 0) pack.calleeLocation = settings.includes('most_restrictive') ? 'most_restrictive' : 'known_location_decides';
  else delete pack.calleeLocation;
  return { pack, revisionId: parts.map((p) => p.revisionId).join('&'), ...lookbacks(pack.rules) };
}

/** The packs a pack id stands for: itself, then the packs it is always composed with. */
export function packSet(id: string, packs: Map<string, CompiledPolicy>): CompiledPolicy[] | null {
  const root = packs.get(id);
  if (!root) return null;
  const set = [root];
  for (const extra of root.pack.composeWith ?? []) {
    const part = packs.get(extra);
    if (!part) return null;
    set.push(part);
  }
  return set;
}

/** Every pack under policies/<id>/pack.json, by pack id. */
export function loadPacks(dir: string = POLICIES_DIR): Map<string, CompiledPolicy> {
  const packs = new Map<string, CompiledPolicy>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, 'pack.json');
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    const policy = loadPackFile(file);
    if (policy.pack.id !== entry.name) throw new PolicyError(`Pack in ${file}`, [`its id "${policy.pack.id}" must match its folder "${entry.name}"`]);
    packs.set(policy.pack.id, policy);
  }
  for (const policy of packs.values()) {
    const missing = (policy.pack.composeWith ?? []).filter((id) => !packs.has(id));
    if (missing.length > 0) throw new PolicyError(`Pack "${policy.pack.id}"`, [`composeWith names packs that are not loaded: ${missing.join(', ')}`]);
    composePolicies(packSet(policy.pack.id, packs)!);
  }
  return packs;
}
