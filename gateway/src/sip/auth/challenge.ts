import net from 'node:net';
import type { SipConfig } from '../config';
import type { SipMessage } from '../message/message';
import { buildResponse } from '../message/response';
import type { Peer } from '../transport/types';
import { challenges, credentialsFor } from './digest';
import { NonceSigner } from './nonce';
import { inSourceList, sourceList } from '../source-list';

/** Looks at an initial INVITE before any state is kept for it. */
export interface InviteGate {
  /**
   * The response to send at once, statelessly, or null to go on and decide the call. `offers`
   * caps how many digest algorithms a challenge names (the most preferred first).
   */
  check(invite: SipMessage, peer: Peer, offers?: number): SipMessage | null;
}

export const PROXY_AUTH_REQUIRED = 'Proxy Authentication Required';

export function challengeResponse(invite: SipMessage, signer: NonceSigner, auth: SipConfig['auth'], address: string, stale: boolean, offers = auth.algorithms.length): SipMessage {
  return buildResponse(invite, 407, challenges(auth.realm, signer.issue(address), stale, auth.algorithms.slice(0, Math.max(1, offers))), PROXY_AUTH_REQUIRED);
}

/**
 * The digest challenge (RFC 3261 §22.3), answered in the SIP thread before a transaction exists:
 * an INVITE with neither valid-looking credentials (a nonce we issued to that address, still
 * fresh) nor a source on the address allow-list nor a client certificate gets one 407 back to the
 * address it came from, and nothing is kept for it: no 100 Trying, no retransmission of the 407,
 * so a spoofed source gets out exactly one response per packet sent. Whether the credentials are
 * right is checked by the admission, with the accounts.
 */
export class DigestChallenger implements InviteGate {
  private readonly signer: NonceSigner;
  private allowed = new net.BlockList();

  constructor(
    private readonly auth: SipConfig['auth'],
    sources: string[] = [],
    now: () => number = Date.now,
  ) {
    this.signer = new NonceSigner(auth.nonceKey, auth.realm, auth.nonceTtlMs, now);
    this.setSources(sources);
  }

  /** The address allow-list, pushed from the main thread whenever it is reloaded. */
  setSources(sources: string[]): void {
    this.allowed = sourceList(sources);
  }

  check(invite: SipMessage, peer: Peer, offers?: number): SipMessage | null {
    if (peer.cert) return null;
    const credentials = credentialsFor(invite.getAll('proxy-authorization'), this.auth.realm);
    if (credentials) {
      const nonce = this.signer.check(credentials.nonce, peer.host);
      return nonce === 'valid' ? null : challengeResponse(invite, this.signer, this.auth, peer.host, nonce === 'stale', offers);
    }
    if (inSourceList(this.allowed, peer.host)) return null;
    return challengeResponse(invite, this.signer, this.auth, peer.host, false, offers);
  }
}
