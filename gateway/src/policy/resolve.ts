import { composePolicies, packSet } from './loader';
import type { CompiledPolicy } from './types';

/**
 * Which rules judge a call: a campaign names one pack or several (a call centre dialling several
 * countries), and the call is judged by the packs that cover the callee's country, each with the
 * packs it is always composed with (a federal pack with its state overlays). When none covers the
 * country, the first pack judges, and the engine denies NO_POLICY_FOR_DESTINATION.
 */
export class PolicyResolver {
  private readonly cache = new Map<string, CompiledPolicy | null>();

  constructor(private readonly packs: Map<string, CompiledPolicy>) {}

  /** The unknown pack ids among these, so a campaign can be refused before it names one. */
  missing(packIds: string[]): string[] {
    return packIds.filter((id) => packSet(id, this.packs) === null);
  }

  /** The policy for a call to this country under these packs; null when a named pack is not loaded. */
  forCall(packIds: string[], country: string | null): CompiledPolicy | null {
    const key = `${packIds.join(',')}|${country ?? ''}`;
    if (!this.cache.has(key)) this.cache.set(key, this.resolve(packIds, country));
    return this.cache.get(key)!;
  }

  private resolve(packIds: string[], country: string | null): CompiledPolicy | null {
    const sets: CompiledPolicy[][] = [];
    for (const id of packIds) {
      const set = packSet(id, this.packs);
      if (!set) return null;
      sets.push(set);
    }
    const covering = sets.filter((set) => country !== null && set[0].pack.appliesTo.countries.includes(country));
    const chosen = covering.length > 0 ? covering.flat() : sets[0];
    const unique = [...new Map(chosen.map((p) => [p.pack.id, p])).values()];
    return composePolicies(unique);
  }
}
