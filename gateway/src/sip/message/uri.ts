import net from 'node:net';
import { parseParams } from './split';

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user: string | null;
  host: string;
  port: number | null;
  params: Map<string, string | null>;
}

const SCHEMES = new Set(['sip', 'sips', 'tel']);

/** Parses sip:, sips: and tel: URIs; null for anything else or for a malformed one. */
export function parseUri(text: string): SipUri | null {
  const raw = text.trim();
  const colon = raw.indexOf(':');
  if (colon <= 0) return null;
  const scheme = raw.slice(0, colon).toLowerCase();
  if (!SCHEMES.has(scheme)) return null;
  const rest = raw.slice(colon + 1);
  if (/[\s<>"]/.test(rest) || rest.length === 0) return null;
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = decode(semi >= 0 ? rest.slice(0, semi) : rest);
    return number ? { scheme, user: number, host: '', port: null, params: parseParams(semi >= 0 ? rest.slice(semi + 1) : '') } : null;
  }
  // The user part may hold ; ? / (RFC 3261 user-unreserved), so the first @ ends it.
  const at = rest.indexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : null;
  let hostPart = at >= 0 ? rest.slice(at + 1) : rest;
  const question = hostPart.indexOf('?');
  if (question >= 0) hostPart = hostPart.slice(0, question);
  const semi = hostPart.indexOf(';');
  const params = parseParams(semi >= 0 ? hostPart.slice(semi + 1) : '');
  const hp = parseHostPort(semi >= 0 ? hostPart.slice(0, semi) : hostPart);
  if (!hp) return null;
  const user = userinfo === null ? null : decode(userinfo.split(':')[0]);
  if (user === null && userinfo !== null) return null;
  return { scheme: scheme as SipUri['scheme'], user, host: hp.host, port: hp.port, params };
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)$/;

export function parseHostPort(text: string): { host: string; port: number | null } | null {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m || !HOST.test(m[1])) return null;
  if (m[1].startsWith('[') && !net.isIPv6(m[1].slice(1, -1))) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port === 0 || port > 65535)) return null;
  return { host: m[1].toLowerCase(), port };
}

/** Canonical host:port, the default port filled in, for comparing addresses. */
export function hostPort(host: string, port: number | null, scheme = 'sip'): string {
  return `${host}:${port ?? (scheme === 'sips' ? 5061 : 5060)}`;
}
