import { numberInfo } from '../../src/numbers/phone';
import { decide } from '../../src/engine/engine';
import { loadPacks } from '../../src/policy/loader';
import { PolicyResolver } from '../../src/policy/resolve';
import type { CompiledPolicy } from '../../src/policy/types';
import type { CallInput, ConsentFacts, Decision, Facts, RegistryFacts } from '../../src/engine/types';
import type { ReassignedFacts } from '../../src/reassigned/types';
import { call, goodFacts } from './facts';

export const PACKS = loadPacks();
const resolver = new PolicyResolver(PACKS);

/** The policy a campaign naming these packs applies to a call to this callee. */
export function policyFor(callee: string, packIds: string[]): CompiledPolicy {
  return resolver.forCall(packIds, numberInfo(callee)?.country ?? null)!;
}

const DAY_MS = 86_400_000;

/**
 * Every list of these packs loaded `ageDays` before `at`, listing the callee when asked, with the
 * registration day `registeredOn` when given (a list with dates) and none otherwise.
 */
export function registries(policy: CompiledPolicy, at: number, options: { ageDays?: number; listed?: string[]; registeredOn?: string } = {}): RegistryFacts[] {
  const ids = policy.pack.rules.flatMap((r) => (r.kind === 'registry' ? r.params.lists.map((l) => l.listId) : []));
  return ids.map((listId) => {
    const listed = options.listed?.includes(listId) ?? false;
    const fact: RegistryFacts = { listId, listDate: at - (options.ageDays ?? 1) * DAY_MS, listed };
    return listed && options.registeredOn ? { ...fact, registeredOn: options.registeredOn } : fact;
  });
}

/** The earliest instant a registration day can mean: its start at UTC+14, where days begin first. */
export const registrationStart = (day: string) => Date.parse(`${day}T00:00:00+14:00`);

/** The seller of these tests is registered in Texas, as a call centre dialling Texas must be. */
export const TEXAS_REGISTRATION = { region: 'US-TX', reference: 'TX-SOS-2026-0042', validFrom: '2026-01-01', validUntil: '2026-12-31' };

/**
 * Reassigned Numbers Database facts as the loader gives them: data as of `ageDays` before `at`, and
 * the callee asked about with its earliest date of consent, disconnected on `disconnectDate` if given.
 */
export function rndFacts(at: number, consents: ConsentFacts[], options: { ageDays?: number; disconnectDate?: string; coverageFrom?: string } = {}): ReassignedFacts {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const data = { version: 1, asOf: day(at - (options.ageDays ?? 1) * DAY_MS), coverageFrom: options.coverageFrom ?? null };
  if (consents.length === 0) return { source: 'test', data, query: null };
  const sinceDate = day(Math.min(...consents.map((c) => c.obtainedAt)));
  const d = options.disconnectDate ?? null;
  const answer = data.coverageFrom !== null && sinceDate < data.coverageFrom ? 'no_data' : d !== null && d >= sinceDate ? 'yes' : 'no';
  return { source: 'test', data, query: { number: 'callee', sinceDate, answer, disconnectDate: d, queriedAt: at, cached: false } };
}
/** Texas as above, and a current registration in every other state whose pack rules require one. */
export const STATE_REGISTRATIONS = [
  TEXAS_REGISTRATION,
  ...[...PACKS.values()]
    .flatMap((p) => p.pack.rules.flatMap((r) => (r.kind === 'registration' ? (r.regions ?? []) : [])))
    .filter((region, i, all) => region !== 'US-TX' && all.indexOf(region) === i)
    .map((region) => ({ region, reference: `${region}-2026`, validFrom: '2019-01-01', validUntil: '2030-12-31' })),
];

export interface Judged {
  decision: Decision;
  codes: string[];
  rules: string[];
}

/**
 * Decides a call to `callee` under the packs at `at`, with every registry fresh and the callee on
 * none unless told, no consent unless given, the campaign's display number in order and the seller
 * registered in every state that requires it.
 */
export function judge(callee: string, at: number, options: { packs?: string[]; facts?: Partial<Facts>; listed?: string[]; ageDays?: number; registeredOn?: string; input?: Partial<CallInput> } = {}): Judged {
  const policy = policyFor(callee, options.packs ?? [packOf(callee)]);
  const base = goodFacts({ consents: [], registries: registries(policy, at, options), registrations: STATE_REGISTRATIONS, ...options.facts });
  if (!options.facts || !('reassigned' in options.facts)) base.reassigned = rndFacts(at, base.consents);
  const decision = decide(call({ callee, ...options.input }), base, policy, at);
  return { decision, codes: decision.reasons.map((r) => r.code), rules: decision.reasons.map((r) => r.rule) };
}

function packOf(callee: string): string {
  const country = numberInfo(callee)?.country;
  return ({ US: 'us', GB: 'uk', CA: 'ca', AU: 'au', CN: 'cn', FR: 'fr', IT: 'it', SG: 'sg', IN: 'in', BR: 'br' } as Record<string, string>)[country ?? ''] ?? 'cn';
}

/** An instant from a local wall-clock time with its UTC offset, e.g. at('2026-03-10T20:00:00-04:00'). */
export const at = (isoWithOffset: string) => Date.parse(isoWithOffset);
