import type { NumberInfo } from '../numbers/phone';
import { zonesOfSubdivision } from '../numbers/subdivision-zones';
import type { CalleeLocationRule, CompiledPolicy } from '../policy/types';
import type { CallInput, Facts, KnownLocation, LocationFacts } from './types';

/**
 * Where the callee is judged to be. The number gives candidates (area-code zones and states, every
 * zone of the country for a national mobile); a known location (with the call, or the tenant's
 * callee record) gives the place itself. Where the law speaks of the called party's location
 * (47 CFR 64.1200(c)(1): "before 8 a.m. or after 9 p.m. (local time at the called party's
 * location)"), a pack lets the known location decide; otherwise the known location is one more
 * candidate and the most restrictive of all binds.
 */
export interface Placement {
  /** The callee as the rules see it: zones and subdivisions after the known location is applied. */
  callee: NumberInfo;
  /** Zones judged besides the callee's own (or besides the fallback zones when it has none). */
  extraZones: string[];
  location: LocationFacts;
}

const unique = (values: string[]) => [...new Set(values)];

function knownOf(call: CallInput, facts: Facts): LocationFacts['known'] | undefined {
  if (call.calleeLocation) return { ...call.calleeLocation, origin: 'call' };
  if (facts.calleeLocation) return { ...facts.calleeLocation, origin: 'callee_record' };
  return undefined;
}

function knownZones(known: KnownLocation): string[] {
  if (known.timeZone) return [known.timeZone];
  return (known.subdivision && zonesOfSubdivision(known.subdivision)) || [];
}

export function placeCallee(number: NumberInfo, call: CallInput, facts: Facts, policy: CompiledPolicy): Placement {
  const rule: CalleeLocationRule = policy.pack.calleeLocation ?? 'most_restrictive';
  const known = knownOf(call, facts);
  const zones = known ? knownZones(known) : [];
  const subdivisions = known?.subdivision ? [known.subdivision] : [];
  const postal = known?.postalCode !== undefined ? { postalCodeUsed: false as const } : {};
  if (!known || (zones.length === 0 && subdivisions.length === 0)) {
    const location = { basis: 'number' as const, rule, ...(known ? { known } : {}), timeZones: number.timeZones, subdivisions: number.subdivisions, ...postal };
    return { callee: number, extraZones: [], location };
  }
  if (rule === 'known_location_decides') {
    const callee = { ...number, timeZones: zones.length > 0 ? zones : number.timeZones, subdivisions: subdivisions.length > 0 ? subdivisions : number.subdivisions };
    return { callee, extraZones: [], location: { basis: 'known_location', rule, known, timeZones: callee.timeZones, subdivisions: callee.subdivisions, ...postal } };
  }
  const callee = { ...number, subdivisions: unique([...number.subdivisions, ...subdivisions]) };
  const location: LocationFacts = { basis: 'known_location_and_number', rule, known, timeZones: unique([...number.timeZones, ...zones]), subdivisions: callee.subdivisions, ...postal };
  return { callee, extraZones: zones, location };
}

/** Names the basis in a reason, so a dialer (and an auditor) sees which location judged the call. */
export function locationNote(location: LocationFacts | undefined): string {
  if (!location?.known || location.basis === 'number') return '';
  const k = location.known;
  const place = [k.subdivision, k.timeZone].filter(Boolean).join(' ');
  const from = `${place} (${k.source}${k.origin === 'callee_record' ? ', callee record' : ''})`;
  return location.basis === 'known_location' ? `; judged at the callee's known location ${from}` : `; judged at every zone of the number and the known location ${from}, most restrictive`;
}
