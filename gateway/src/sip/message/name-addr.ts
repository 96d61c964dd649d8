import { indexOutside, parseParams } from './split';
import { parseUri, type SipUri } from './uri';

export interface NameAddr {
  display: string | null;
  uriText: string;
  uri: SipUri | null;
  params: Map<string, string | null>;
}

/**
 * From, To, Contact, Route, Record-Route, P-Asserted-Identity: `"Name" <uri>;params` or
 * `uri;params`, where in the second form the parameters belong to the header, not to the URI.
 */
export function parseNameAddr(value: string): NameAddr | null {
  const text = value.trim();
  const open = indexOutside(text, '<');
  if (open >= 0) {
    const close = text.indexOf('>', open);
    if (close < 0) return null;
    const display = text.slice(0, open).trim();
    if (display && !validDisplayName(display)) return null;
    const uriText = text.slice(open + 1, close).trim();
    const rest = text.slice(close + 1).trim();
    if (rest && !rest.startsWith(';')) return null;
    return { display: display || null, uriText, uri: parseUri(uriText), params: parseParams(rest) };
  }
  const semi = text.indexOf(';');
  const uriText = (semi >= 0 ? text.slice(0, semi) : text).trim();
  if (/\s/.test(uriText)) return null;
  return { display: null, uriText, uri: parseUri(uriText), params: parseParams(semi >= 0 ? text.slice(semi) : '') };
}

export function tagOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const tag = parseNameAddr(value)?.params.get('tag');
  return tag ?? null;
}

/** A display name is a quoted string or tokens separated by LWS (RFC 4475 §3.1.2.16: no bare commas). */
function validDisplayName(display: string): boolean {
  if (display.startsWith('"')) return /^"(?:[^"\\]|\\.)*"$/s.test(display);
  return /^[A-Za-z0-9\-.!%*_+`'~]+(?:\s+[A-Za-z0-9\-.!%*_+`'~]+)*$/.test(display);
}
