import { SipMessage } from '../message/message';
import { cseqOf } from '../message/parse';

/**
 * §9.1: the CANCEL of a forwarded INVITE has the same Request-URI, Call-ID, From, To, CSeq number,
 * top Via (hence branch) and Route headers as that INVITE.
 */
export function buildCancel(invite: SipMessage): SipMessage {
  const headers: [string, string][] = [['Via', invite.get('via')!], ['Max-Forwards', '70'], ['From', invite.get('from')!], ['To', invite.get('to')!], ['Call-ID', invite.get('call-id')!], ['CSeq', `${cseqOf(invite).seq} CANCEL`]];
  for (const route of invite.getAll('route')) headers.push(['Route', route]);
  headers.push(['Content-Length', '0']);
  return SipMessage.request('CANCEL', invite.uri, headers);
}
