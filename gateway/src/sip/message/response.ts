import crypto from 'node:crypto';
import { SipMessage } from './message';
import { tagOf } from './name-addr';
import { splitList } from './split';

export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  428: 'Use Identity Header',
  436: 'Bad Identity Info',
  437: 'Unsupported Credential',
  438: 'Invalid Identity Header',
  487: 'Request Terminated',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  603: 'Decline',
  608: 'Rejected',
};

/**
 * A response generated here (§8.2.6): Via lines copied as received (with received/rport already
 * added), From, Call-ID and CSeq copied, To copied with a tag added to a final or 1xx other than 100.
 */
export function buildResponse(request: SipMessage, status: number, extra: [string, string][] = [], reason = REASON_PHRASES[status] ?? 'Unknown'): SipMessage {
  const headers: [string, string][] = [];
  const res = SipMessage.response(status, reason, []);
  for (const h of request.headers) {
    // An empty Via line carries no value to copy; echoing it would make the response malformed too.
    if (h.key === 'via' && splitList(h.value).length > 0) res.headers.push({ ...h });
  }
  let to = request.get('to') ?? '';
  if (status > 100 && tagOf(to) === null) to += `;tag=${localTag(request)}`;
  headers.push(['From', request.get('from') ?? ''], ['To', to], ['Call-ID', request.get('call-id') ?? ''], ['CSeq', request.get('cseq') ?? '']);
  for (const [n, v] of [...headers, ...extra]) res.append(n, v);
  res.append('Content-Length', '0');
  return res;
}

/**
 * The To tag of a response generated here: derived from the request, so that the 100-to-final
 * responses and their retransmissions of one transaction carry the same tag.
 */
function localTag(request: SipMessage): string {
  const key = `${request.get('call-id')}|${request.get('via')}|${request.get('cseq')}`;
  return 'cg' + crypto.createHash('sha1').update(key).digest('hex').slice(0, 12);
}

/** Printable ASCII only, no quote or backslash: safe inside a reason phrase or a quoted string. */
export const printable = (text: string, max = 100): string => text.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, max);

/**
 * §20.43: `Warning: 399 <agent> "text"`, 399 being the miscellaneous warning, so that a dialer's
 * log names what was wrong with its request, not only that it was bad.
 */
export function warningHeader(agent: string, text: string): [string, string] {
  const host = agent.includes(':') && !agent.startsWith('[') ? `[${agent}]` : agent;
  return ['Warning', `399 ${host} "${printable(text)}"`];
}
