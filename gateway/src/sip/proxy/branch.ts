import crypto from 'node:crypto';
import type { SipMessage } from '../message/message';
import { tagOf } from '../message/name-addr';
import { MAGIC_COOKIE } from '../transaction/matcher';

/**
 * §16.6 step 8: the branch of a forwarded request starts with a hash of what identifies the
 * request across hops (tags, Call-ID, Request-URI, CSeq number, Proxy-Require and
 * Proxy-Authorization), so that the request coming back unchanged is recognised as a loop
 * (§16.3 step 4); a random part keeps every branch unique.
 */
export function loopHash(request: SipMessage): string {
  const parts = [
    tagOf(request.get('to')) ?? '',
    tagOf(request.get('from')) ?? '',
    request.get('call-id') ?? '',
    request.uri,
    (request.get('cseq') ?? '').trim().split(/\s+/)[0],
    request.getAll('proxy-require').join(','),
    request.getAll('proxy-authorization').join(','),
  ];
  return crypto.createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 10);
}

/** Unique in space (random per process) and time (a counter): no random draw per request. */
const PROCESS_PART = crypto.randomBytes(6).toString('hex');
let counter = 0;

export function newBranch(request: SipMessage): string {
  counter = (counter + 1) % 0x7fffffff;
  return `${MAGIC_COOKIE}${loopHash(request)}.${PROCESS_PART}${counter.toString(36)}`;
}

/** §16.11: a stateless forward (the ACK for a 2xx) derives its branch, so that retransmissions reuse it. */
export function statelessBranch(request: SipMessage): string {
  const via = request.get('via') ?? '';
  return `${MAGIC_COOKIE}${crypto.createHash('sha256').update(`${via}\n${request.method}\n${request.get('call-id')}\n${request.get('cseq')}`).digest('base64url').slice(0, 22)}`;
}
