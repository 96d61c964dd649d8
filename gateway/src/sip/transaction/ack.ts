import { SipMessage } from '../message/message';

/**
 * The ACK for a non-2xx final response (§17.1.1.3): same Request-URI, Call-ID, From and CSeq
 * number as the INVITE, To from the response (with its tag), the INVITE's top Via only (same
 * branch) and its Route headers.
 */
export function buildNon2xxAck(invite: SipMessage, response: SipMessage): SipMessage {
  const seq = invite.get('cseq')!.trim().split(/\s+/)[0];
  const headers: [string, string][] = [
    ['Via', invite.get('via')!],
    ['Max-Forwards', '70'],
    ['From', invite.get('from')!],
    ['To', response.get('to')!],
    ['Call-ID', invite.get('call-id')!],
    ['CSeq', `${seq} ACK`],
  ];
  for (const route of invite.getAll('route')) headers.push(['Route', route]);
  headers.push(['Content-Length', '0']);
  return SipMessage.request('ACK', invite.uri, headers);
}
