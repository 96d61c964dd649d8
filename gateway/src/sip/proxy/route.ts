import type { SipMessage } from '../message/message';
import { parseNameAddr } from '../message/name-addr';
import { parseUri, type SipUri } from '../message/uri';
import { parseVia } from '../message/via';
import type { Peer, Proto } from '../transport/types';

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

/**
 * RFC 3581 and §18.2.1: the top Via gets received= when the packet came from another address
 * than its sent-by, and rport= filled in when the client asked for it, so that responses find
 * their way back through NAT.
 */
export function stampVia(msg: SipMessage, peer: Peer): void {
  const top = msg.get('via');
  const via = top ? parseVia(top) : null;
  if (!top || !via) return;
  const wantsPort = via.params.has('rport') && via.params.get('rport') === null;
  const needsReceived = bare(via.host) !== peer.host && !via.params.has('received');
  if (!wantsPort && !needsReceived) return;
  let value = wantsPort ? top.replace(/;\s*rport(?=\s*(;|$))/i, `;rport=${peer.port}`) : top;
  if (needsReceived) value += `;received=${peer.host}`;
  msg.replaceFirst('via', value);
}

/** §18.2.2 over UDP: a response goes to the top Via's received/rport, else its sent-by. */
export function viaTarget(response: SipMessage): Peer | null {
  const via = parseVia(response.get('via') ?? '');
  if (!via) return null;
  const rport = Number(via.params.get('rport'));
  const proto: Proto = via.transport === 'TCP' ? 'tcp' : via.transport === 'TLS' ? 'tls' : 'udp';
  return { proto, host: via.params.get('received') ?? bare(via.host), port: rport > 0 ? rport : via.port ?? 5060 };
}

/**
 * Removes the Route entries that name us (§16.4; two of them when we record-routed twice, RFC 5658)
 * and returns their URIs, so that the caller can check the dialog token they carry.
 */
export function popOwnRoutes(msg: SipMessage, isOurs: (uri: SipUri) => boolean): SipUri[] {
  const popped: SipUri[] = [];
  for (;;) {
    const top = msg.get('route');
    const uri = top ? parseNameAddr(top)?.uri : null;
    if (!uri || !isOurs(uri)) return popped;
    msg.removeFirst('route');
    popped.push(uri);
  }
}

/** The next hop of a routed request: the top Route left (loose routing), else the Request-URI. */
export function nextHop(msg: SipMessage): Peer | null {
  const route = msg.get('route');
  const uri = route ? parseNameAddr(route)?.uri : parseUri(msg.uri);
  if (!uri || uri.scheme === 'tel') return null;
  // §26.2.2: a sips: URI is reached over TLS, on 5061 by default.
  const transport = uri.scheme === 'sips' ? 'tls' : (uri.params.get('transport') ?? 'udp').toLowerCase();
  const proto: Proto = transport === 'tcp' || transport === 'tls' ? transport : 'udp';
  return { proto, host: bare(uri.host), port: uri.port ?? (proto === 'tls' ? 5061 : 5060) };
}
