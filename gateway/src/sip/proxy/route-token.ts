import crypto from 'node:crypto';
import type { SipMessage } from '../message/message';
import { tagOf } from '../message/name-addr';
import type { SipUri } from '../message/uri';

/** The Record-Route URI parameter that carries the dialog token. */
export const ROUTE_TOKEN_PARAM = 'cgd';

const TOKEN_BYTES = 16;

/**
 * Proof that a dialog was admitted here. callgate puts it in the Record-Route URI of an admitted
 * initial INVITE (RFC 3261 §16.6 step 4 lets a proxy put whatever it needs into its own URI), and
 * every element of the dialog echoes it back in the Route of the later requests (§12.1). A Route
 * that merely names our address proves nothing: anyone can write one. The token is a truncated
 * HMAC-SHA256 over the Call-ID and the dialer's From tag, so it is valid only for that dialog and
 * cannot be made without the key.
 */
export class RouteTokens {
  constructor(private readonly key: Buffer) {}

  /** The token for a dialog that the initial INVITE `invite` opens. */
  issue(invite: SipMessage): string {
    return this.mac(invite.get('call-id') ?? '', tagOf(invite.get('from')) ?? '');
  }

  /**
   * Whether one of the Route URIs we popped carries a valid token for this in-dialog request. The
   * dialer's tag is the From tag of its own requests and the To tag of the trunk's, so either may
   * match.
   */
  admits(request: SipMessage, popped: SipUri[]): boolean {
    const callId = request.get('call-id') ?? '';
    const tags = [tagOf(request.get('from')), tagOf(request.get('to'))].filter((t): t is string => t !== null);
    for (const uri of popped) {
      const presented = uri.params.get(ROUTE_TOKEN_PARAM);
      if (!presented || !/^[0-9a-f]+$/i.test(presented) || presented.length !== TOKEN_BYTES * 2) continue;
      const given = Buffer.from(presented.toLowerCase(), 'hex');
      for (const tag of tags) {
        if (crypto.timingSafeEqual(given, Buffer.from(this.mac(callId, tag), 'hex'))) return true;
      }
    }
    return false;
  }

  private mac(callId: string, fromTag: string): string {
    // Length-prefixed so that no Call-ID and tag pair collides with another split of the same bytes.
    return crypto.createHmac('sha256', this.key).update(`${callId.length}:${callId}\n${fromTag}`).digest('hex').slice(0, TOKEN_BYTES * 2);
  }
}
