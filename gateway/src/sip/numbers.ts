import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { SipMessage } from './message/message';
import { parseNameAddr } from './message/name-addr';
import { parseUri } from './message/uri';

/**
 * A dialled or presented number from a SIP URI's user part, as E.164: `+8613800138000`,
 * `008613800138000`, or a national number read in the configured region. Visual separators
 * (RFC 3966) are ignored. Null when there is no number at all.
 */
export function numberFromUri(uriText: string, region: string | null): string | null {
  const uri = parseUri(uriText);
  const user = uri?.user?.split(';')[0];
  if (!user) return null;
  const digits = user.replace(/[\s\-.()]/g, '');
  if (!/^\+?\d{3,20}$/.test(digits)) return null;
  if (digits.startsWith('+')) return digits;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  if (!region) return `+${digits}`;
  return parsePhoneNumberFromString(digits, region as CountryCode)?.number ?? `+${digits}`;
}

/** The display number: P-Asserted-Identity (RFC 3325) when present, otherwise From. */
export function presentedNumber(invite: SipMessage, region: string | null): string | null {
  for (const value of [...invite.getAll('p-asserted-identity'), invite.get('from') ?? '']) {
    const addr = parseNameAddr(value);
    if (!addr) continue;
    const number = numberFromUri(addr.uriText, region);
    if (number) return number;
  }
  return null;
}

/**
 * Every distinct number the INVITE presents as the caller: in P-Asserted-Identity, From and
 * Remote-Party-ID, each as E.164. The decision and the signature read P-Asserted-Identity first, but
 * many trunks display From or Remote-Party-ID; when these carry different numbers, the number
 * checked is not the number shown, so such a call must be refused rather than forwarded.
 */
export function presentedNumbers(invite: SipMessage, region: string | null): string[] {
  const values = [...invite.getAll('p-asserted-identity'), invite.get('from') ?? '', ...invite.getAll('remote-party-id')];
  const numbers = new Set<string>();
  for (const value of values) {
    const addr = parseNameAddr(value);
    const number = addr ? numberFromUri(addr.uriText, region) : null;
    if (number) numbers.add(number);
  }
  return [...numbers];
}
