import type { SipMessage } from '../message/message';
import { cseqOf } from '../message/parse';
import { parseVia, sentBy } from '../message/via';

export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * §17.2.3: a request matches a server transaction by the top Via's branch and sent-by and by its
 * method, ACK counting as INVITE. CANCEL is a transaction of its own under the same branch.
 */
export function serverKey(request: SipMessage, method = request.method): string | null {
  const via = parseVia(request.get('via')!);
  if (!via?.branch || !via.branch.startsWith(MAGIC_COOKIE)) return null;
  return `${via.branch}|${sentBy(via)}|${method === 'ACK' ? 'INVITE' : method}`;
}

/** §17.1.3: a response matches a client transaction by the top Via's branch and the CSeq method. */
export function clientKeyOfResponse(response: SipMessage): string | null {
  const via = parseVia(response.get('via')!);
  if (!via?.branch) return null;
  return `${via.branch}|${cseqOf(response).method}`;
}

export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}
