import net from 'node:net';
import { parseParams } from './split';
import { parseHostPort } from './uri';

export interface Via {
  transport: string;
  host: string;
  port: number | null;
  params: Map<string, string | null>;
  branch: string | null;
}

const SENT_PROTOCOL = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+/i;

/**
 * One Via value; LWS is allowed around `/`, `:`, `;` and `=` (RFC 4475 §3.1.1.1). A missing value
 * (a message without Via) is null like a malformed one.
 */
export function parseVia(value: string | undefined): Via | null {
  if (value === undefined) return null;
  const text = value.trim();
  const m = SENT_PROTOCOL.exec(text);
  if (!m) return null;
  const rest = text.slice(m[0].length);
  const semi = rest.indexOf(';');
  const sentBy = (semi >= 0 ? rest.slice(0, semi) : rest).replace(/\s*:\s*/, ':').trim();
  const hp = parseHostPort(sentBy);
  if (!hp) return null;
  const params = parseParams(semi >= 0 ? rest.slice(semi) : '');
  if (!validAddressParams(params)) return null;
  const branch = params.get('branch') ?? null;
  return { transport: m[1].toUpperCase(), host: hp.host, port: hp.port, params, branch };
}

export function sentBy(via: Via): string {
  return `${via.host}:${via.port ?? (via.transport === 'TLS' ? 5061 : 5060)}`;
}

/**
 * Responses are sent to received and rport (RFC 3581 §4), so they must be an address and a port:
 * `received = IPv4address / IPv6address` (§20.42), `rport = [EQUAL 1*DIGIT]`.
 */
function validAddressParams(params: Map<string, string | null>): boolean {
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && !(/^\d{1,5}$/.test(rport) && Number(rport) > 0 && Number(rport) <= 65535)) return false;
  const received = params.get('received');
  return received === undefined || (received !== null && net.isIP(received.replace(/^\[|\]$/g, '')) !== 0);
}
