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

/** One Via value; LWS is allowed around `/`, `:`, `;` and `=` (RFC 4475 §3.1.1.1). */
export function parseVia(value: string): Via | null {
  const text = value.trim();
  const m = SENT_PROTOCOL.exec(text);
  if (!m) return null;
  const rest = text.slice(m[0].length);
  const semi = rest.indexOf(';');
  const sentBy = (semi >= 0 ? rest.slice(0, semi) : rest).replace(/\s*:\s*/, ':').trim();
  const hp = parseHostPort(sentBy);
  if (!hp) return null;
  const params = parseParams(semi >= 0 ? rest.slice(semi) : '');
  const branch = params.get('branch') ?? null;
  return { transport: m[1].toUpperCase(), host: hp.host, port: hp.port, params, branch };
}

export function sentBy(via: Via): string {
  return `${via.host}:${via.port ?? (via.transport === 'TLS' ? 5061 : 5060)}`;
}
