import crypto from 'node:crypto';
import type { SipMessage } from '../message/message';
import { tagOf } from '../message/name-addr';
import type { SipUri } from '../message/uri';
import type { Peer, Proto } from '../transport/types';

/** The Record-Route URI parameter that carries the dialog token. */
export const ROUTE_TOKEN_PARAM = 'cgd';

const MAC_BYTES = 16;

/** What an admitted initial INVITE's decision covered, signed into its dialog token. */
export interface DialogBinding {
  callId: string;
  /** The dialer's From tag: the dialog's own half of its id, fixed by the INVITE. */
  dialerTag: string;
  /** The Request-URI user part as forwarded to the trunk: the decided callee. */
  callee: string;
  /** Where the dialer's INVITE came from: its leg, which the trunk's requests go back to. */
  dialer: Peer;
  expiresAt: number;
  /** The proxy process that issued it: its own tokens are valid only while their dialog is in its table. */
  incarnation: string;
}

/**
 * Proof that a dialog was admitted here. callgate puts it in the Record-Route URI of an admitted
 * initial INVITE (RFC 3261 §16.6 step 4 lets a proxy put whatever it needs into its own URI), and
 * every element of the dialog echoes it back in the Route of the later requests (§12.1). A Route
 * that merely names our address proves nothing: anyone can write one.
 *
 * The token is `<payload>.<mac>`: the payload (base64url) carries the callee, the dialer leg, the
 * expiry and the issuing process; the MAC (truncated HMAC-SHA256) covers that payload, the Call-ID,
 * the dialer's tag and our advertised host, so that it is valid for that dialog on this host only,
 * until it expires, and cannot be made or altered without the key. The dialog table (dialogs.ts)
 * stays authoritative; the signed binding is what lets a restarted process take over the dialogs of
 * its predecessor with the same key.
 */
export class RouteTokens {
  constructor(
    private readonly key: Buffer,
    private readonly host: string,
  ) {}

  issue(binding: DialogBinding): string {
    const { dialer } = binding;
    const payload = Buffer.from([binding.incarnation, binding.expiresAt.toString(36), dialer.proto, dialer.host, dialer.port, binding.callee].join('|')).toString('base64url');
    return `${payload}.${this.mac(binding.callId, binding.dialerTag, payload)}`;
  }

  /**
   * The binding of the first popped Route whose token is valid for this request. The dialer's tag
   * is the From tag of its own requests and the To tag of the trunk's, so either may match.
   */
  open(request: SipMessage, popped: SipUri[]): { binding: DialogBinding; token: string } | null {
    const callId = request.get('call-id') ?? '';
    const tags = [tagOf(request.get('from')), tagOf(request.get('to'))].filter((t): t is string => t !== null);
    for (const uri of popped) {
      const token = uri.params.get(ROUTE_TOKEN_PARAM);
      const parts = token ? /^([A-Za-z0-9_-]{1,400})\.([0-9a-f]{32})$/.exec(token) : null;
      if (!parts) continue;
      const given = Buffer.from(parts[2], 'hex');
      for (const tag of tags) {
        if (!crypto.timingSafeEqual(given, Buffer.from(this.mac(callId, tag, parts[1]), 'hex'))) continue;
        const binding = decode(parts[1], callId, tag);
        if (binding) return { binding, token: token! };
      }
    }
    return null;
  }

  private mac(callId: string, dialerTag: string, payload: string): string {
    // Length-prefixed so that no split of the same bytes into other fields gives the same input.
    const input = [this.host, callId, dialerTag, payload].map((s) => `${s.length}:${s}`).join('\n');
    return crypto.createHmac('sha256', this.key).update(input).digest('hex').slice(0, MAC_BYTES * 2);
  }
}

function decode(payload: string, callId: string, dialerTag: string): DialogBinding | null {
  const fields = Buffer.from(payload, 'base64url').toString('utf8').split('|');
  if (fields.length < 6) return null;
  const [incarnation, expires, proto, host, port] = fields;
  const callee = fields.slice(5).join('|');
  if (proto !== 'udp' && proto !== 'tcp' && proto !== 'tls') return null;
  return { callId, dialerTag, callee, dialer: { proto: proto as Proto, host, port: Number(port) }, expiresAt: parseInt(expires, 36), incarnation };
}
