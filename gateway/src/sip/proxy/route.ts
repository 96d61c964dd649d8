import type { SipMessage } from '../message/message';
import { parseNameAddr } from '../message/name-addr';
import type { SipUri } from '../message/uri';
import { parseVia } from '../message/via';
import type { Peer } from '../transport/types';

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

/**
 * §18.2.1 and RFC 3581 §4: the top Via records where the packet really came from. Whatever the
 * client wrote in received= or rport= is discarded: "the server MUST insert a received parameter
 * containing the source IP address that the request came from" and, when rport is present, "the
 * server MUST ... set the value of the parameter to the source port of the request". A forged
 * received/rport would otherwise aim every response, and every retransmission of it, at a third
 * party. Responses then go to the packet's source (proxy-core sendUpstream), never to a Via address.
 */
export function stampVia(msg: SipMessage, peer: Peer): void {
  const top = msg.get('via');
  const via = top ? parseVia(top) : null;
  if (!top || !via) return;
  const [head, ...params] = top.split(';');
  let wantsPort = false;
  const kept: string[] = [];
  for (const param of params) {
    const name = param.split('=')[0].trim().toLowerCase();
    if (name === 'received') continue;
    if (name === 'rport') {
      wantsPort = true;
      kept.push(`rport=${peer.port}`);
    } else kept.push(param);
  }
  const stale = params.some((p) => p.split('=')[0].trim().toLowerCase() === 'received');
  if (!wantsPort && !stale && bare(via.host) === peer.host) return;
  if (wantsPort || bare(via.host) !== peer.host) kept.push(`received=${peer.host}`);
  msg.replaceFirst('via', [head, ...kept].join(';'));
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
