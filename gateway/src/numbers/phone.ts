import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AppError } from '../errors';
import { regionForNumber, zonesForNumber } from './geodata';
import { auSubdivisions, cnSubdivisions, correctedZones, nanpSubdivisions } from './regions';

export type LineType =
  | 'mobile'
  | 'fixed_line'
  | 'fixed_line_or_mobile'
  | 'toll_free'
  | 'premium_rate'
  | 'shared_cost'
  | 'voip'
  | 'personal_number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  /** China's call-centre and service numbers: 95/96 short numbers, 400 numbers, 10xxx carrier codes. */
  | 'cn_service'
  | 'unknown';

export interface NumberInfo {
  e164: string;
  valid: boolean;
  /** ISO 3166 alpha-2, or null when the number belongs to no single country. */
  country: string | null;
  countryCallingCode: string;
  lineType: LineType;
  /** IANA zones the range may be in; more than one means "unsure", and the engine takes the strictest. */
  timeZones: string[];
  /** Registered region of the range (归属地 for China), for the local-presence rule. */
  region: string | null;
  /** ISO 3166-2 subdivisions (US state, CA province, AU state) the number may be in; several when unsure. */
  subdivisions: string[];
}

const E164 = /^\+[1-9]\d{6,14}$/;
const cache = new Map<string, NumberInfo | null>();
const CACHE_LIMIT = 200_000;

/**
 * China's commercial service numbers, which the numbering data behind libphonenumber does not know
 * (or, for 400, calls shared-cost): 95 and 96 followed by 3 to 6 digits (95588, 95105xxx, 96xxx),
 * 400 followed by 7 digits, and the carriers' 10xxx service codes (10086). They are dialled without
 * an area code, so they belong to no region: 95588 must not read as Zhongwei's area code 955.
 */
const CN_SERVICE = /^(?:9[56]\d{3,6}|400\d{7}|10\d{3})$/;

function cnService(e164: string): NumberInfo | null {
  if (!e164.startsWith('+86') || !CN_SERVICE.test(e164.slice(3))) return null;
  return { e164, valid: true, country: 'CN', countryCallingCode: '86', lineType: 'cn_service', timeZones: ['Asia/Shanghai'], region: null, subdivisions: [] };
}

function describe(e164: string): NumberInfo | null {
  if (!E164.test(e164)) return null;
  const service = cnService(e164);
  if (service) return service;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return null;
  const type = parsed.getType();
  const countryCallingCode = String(parsed.countryCallingCode);
  const national = String(parsed.nationalNumber);
  const locale = countryCallingCode === '86' ? 'zh' : 'en';
  const country = parsed.country ?? null;
  const region = regionForNumber(countryCallingCode, national, locale);
  return {
    e164: parsed.number,
    valid: parsed.isValid(),
    country,
    countryCallingCode,
    lineType: type ? (type.toLowerCase() as LineType) : 'unknown',
    timeZones: correctedZones(parsed.number.slice(1), zonesForNumber(parsed.number.slice(1))),
    region,
    subdivisions: subdivisionsOf(country, national, region),
  };
}

function subdivisionsOf(country: string | null, national: string, region: string | null): string[] {
  if (country === 'US' || country === 'CA') return nanpSubdivisions(country, regionForNumber('1', national.slice(0, 3), 'en'));
  if (country === 'AU') return auSubdivisions(national);
  if (country === 'CN') return cnSubdivisions(region);
  return [];
}

/** Number intelligence for an E.164 string; null when it is not an E.164 number at all. Memoised. */
export function numberInfo(e164: string): NumberInfo | null {
  const hit = cache.get(e164);
  if (hit !== undefined) return hit;
  const info = describe(e164);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(e164, info);
  return info;
}

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** A number the request depends on: an invalid one is bad input (400 INVALID_NUMBER), never a decision. */
export function requireValidNumber(value: string, label: string): NumberInfo {
  const info = numberInfo(value);
  if (!info?.valid) throw new AppError('INVALID_NUMBER', `${label} ${value} is not a valid, allocated number`);
  return info;
}
