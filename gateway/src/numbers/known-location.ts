import { IANAZone } from 'luxon';
import { LOCATION_SOURCES, type KnownLocation, type LocationSource } from '../engine/types';
import { AppError } from '../errors';
import { subdivisionsListed, zonesOfSubdivision } from './subdivision-zones';

const SUBDIVISION = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
// Area/Location names only: "EST" or "PST8PDT" are valid to Intl but no place a callee lives.
const ZONE = /^(?:[A-Z][A-Za-z_-]+)(?:\/[A-Za-z0-9_+-]+){1,2}$/;
const POSTAL = /^[A-Za-z0-9][A-Za-z0-9 -]{0,11}$/;

export interface LocationInput {
  subdivision?: string;
  postalCode?: string;
  timeZone?: string;
  source: string;
}

const bad = (message: string) => new AppError('INVALID_LOCATION', message);

function checkSubdivision(code: string): void {
  if (!SUBDIVISION.test(code)) throw bad(`The subdivision "${code}" is not an ISO 3166-2 code such as US-CA`);
  if (subdivisionsListed(code.slice(0, 2)) && !zonesOfSubdivision(code)) throw bad(`${code} is no ISO 3166-2 subdivision of ${code.slice(0, 2)}`);
}

function checkZone(zone: string, subdivision: string | undefined): void {
  if (!ZONE.test(zone) || !IANAZone.isValidZone(zone)) throw bad(`The time zone "${zone}" is not an IANA zone such as America/Los_Angeles`);
  const zones = subdivision ? zonesOfSubdivision(subdivision) : null;
  // One place cannot be in two: a zone outside the subdivision is a contradiction, not a choice.
  if (zones && !zones.includes(zone)) throw bad(`The time zone ${zone} is not in ${subdivision} (${zones.join(', ')})`);
}

/** A known location, strictly checked: bad input is refused (400), never silently dropped. */
export function knownLocation(input: LocationInput, observedAt?: number): KnownLocation {
  const { subdivision, postalCode, timeZone, source } = input;
  if (!(LOCATION_SOURCES as readonly string[]).includes(source)) throw bad(`The location source must be one of ${LOCATION_SOURCES.join(', ')}`);
  if (subdivision === undefined && timeZone === undefined && postalCode === undefined) throw bad('A location names a subdivision, a time zone or a postal code');
  if (subdivision !== undefined) checkSubdivision(subdivision);
  if (timeZone !== undefined) checkZone(timeZone, subdivision);
  if (postalCode !== undefined && !POSTAL.test(postalCode)) throw bad(`The postal code "${postalCode}" is not a postal code`);
  const location: KnownLocation = { source: source as LocationSource };
  if (subdivision !== undefined) location.subdivision = subdivision;
  if (timeZone !== undefined) location.timeZone = timeZone;
  if (postalCode !== undefined) location.postalCode = postalCode;
  if (observedAt !== undefined) location.observedAt = observedAt;
  return location;
}

/**
 * The SIP header form: `subdivision=US-CA;tz=America/Los_Angeles;postal=94105;source=customer_record`
 * (source defaults to dialer). Unknown keys are refused, as a typo would otherwise go unnoticed.
 */
export function knownLocationFromHeader(value: string): KnownLocation {
  const input: Partial<LocationInput> = {};
  const keys: Record<string, keyof LocationInput> = { subdivision: 'subdivision', tz: 'timeZone', timezone: 'timeZone', postal: 'postalCode', postalcode: 'postalCode', source: 'source' };
  for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = keys[part.slice(0, Math.max(eq, 0)).trim().toLowerCase()];
    if (eq < 1 || !key) throw bad(`Unknown location parameter "${part.slice(0, 40)}" (subdivision, tz, postal, source)`);
    if (input[key] !== undefined) throw bad(`The location parameter ${part.slice(0, eq)} appears twice`);
    input[key] = part.slice(eq + 1).trim();
  }
  return knownLocation({ source: 'dialer', ...input } as LocationInput);
}
