/** RFC 3261 §7.3.3 compact forms, plus the RFC 3841/3515/4028 ones dialers send. */
const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
};

/** The lower-case long form of a header name, so that `v`, `VIA` and `Via` are one header. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

/**
 * Headers whose value is a comma-separated list (RFC 3261 §7.3.1) and which the proxy reads value
 * by value. Others (Date, WWW-Authenticate, Identity…) may hold commas inside one value.
 */
export const LIST_HEADERS = new Set(['via', 'route', 'record-route', 'contact', 'proxy-require', 'require', 'supported', 'allow', 'p-asserted-identity']);

/** Headers a request must carry to be answered at all (§8.1.1), and so to be answered 400. */
export const RESPONSE_ESSENTIALS = ['via', 'call-id', 'cseq', 'from', 'to'] as const;

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
export const isToken = (s: string): boolean => TOKEN.test(s);
