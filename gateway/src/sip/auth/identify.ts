import type { SipConfig } from '../config';
import type { DialerDirectory } from '../dialers';
import type { SipMessage } from '../message/message';
import type { Peer } from '../transport/types';
import { comesFrom, type LoadedAccount, type SipAccountDirectory } from './accounts';
import { challenges, credentialsFor, expectedResponse, sameHex, type DigestCredentials } from './digest';
import { NonceSigner } from './nonce';
import { NonceCounts } from './replay';

/** Who speaks for an INVITE, or why nobody does. */
export type Identity =
  | { ok: true; tenantId: string; defaultCampaignId: string | null; accountId: string | null; by: 'digest' | 'certificate' | 'address' }
  | { ok: false; status: number; code: string; reason: string; headers: [string, string][] };

const refused = (status: number, code: string, reason: string, headers: [string, string][] = []): Identity => ({ ok: false, status, code, reason, headers });

/**
 * The tenant of an INVITE: from digest credentials of a dialer account, else from a verified TLS
 * client certificate bound to an account, else from the source address allow-list. An account may
 * also demand its listed source networks (both factors). Nothing at all: challenged with 407.
 */
export class DialerIdentity {
  private readonly signer: NonceSigner;
  private readonly counts = new NonceCounts();

  constructor(
    private readonly dialers: Pick<DialerDirectory, 'match'>,
    private readonly accounts: SipAccountDirectory | null,
    private readonly auth: SipConfig['auth'],
  ) {
    this.signer = new NonceSigner(auth.nonceKey, auth.realm, auth.nonceTtlMs);
  }

  identify(invite: SipMessage, source: Peer): Identity {
    const credentials = this.accounts ? credentialsFor(invite.getAll('proxy-authorization'), this.auth.realm) : null;
    if (credentials) return this.byDigest(credentials, invite, source);
    const byCert = source.cert ? this.accounts?.byCertificate(source.cert) : null;
    if (byCert) return this.ofAccount(byCert, source, 'certificate');
    const dialer = this.dialers.match(source.host);
    if (dialer) return { ok: true, ...dialer, accountId: null, by: 'address' };
    if (!this.accounts) return refused(403, 'SOURCE_NOT_ALLOWED', 'Forbidden (source address is no registered dialer)');
    return this.challenge(source, false);
  }

  private byDigest(c: DigestCredentials, invite: SipMessage, source: Peer): Identity {
    const nonce = this.signer.check(c.nonce, source.host);
    if (nonce !== 'valid') return this.challenge(source, nonce === 'stale');
    const account = this.accounts!.byName(c.username);
    // RFC 8760 and RFC 7616 §3.4: qop=auth is required; without it nothing binds the response to a count.
    if (!this.auth.algorithms.includes(c.algorithm)) return this.challenge(source, false);
    if (!account || account.realm !== c.realm || c.qop !== 'auth' || !c.nc || !c.cnonce || c.uri !== invite.uri) return this.failed();
    if (!sameHex(expectedResponse(c, account.ha1[c.algorithm], invite.method), c.response)) return this.failed();
    // A count already seen for this nonce is a replayed request: the dialer gets a fresh nonce.
    if (!this.counts.accept(c.nonce, c.nc, this.signer.expiresAt(c.nonce))) return this.challenge(source, true);
    return this.ofAccount(account, source, 'digest');
  }

  private ofAccount(account: LoadedAccount, source: Peer, by: 'digest' | 'certificate'): Identity {
    if (!comesFrom(account, source.host)) return refused(403, 'SOURCE_NOT_ALLOWED', "Forbidden (not from one of the account's source networks)");
    return { ok: true, tenantId: account.tenantId, defaultCampaignId: account.defaultCampaignId, accountId: account.id, by };
  }

  /** §21.4.4: 403 rather than another 407, since the same credentials would fail again. */
  private failed(): Identity {
    return refused(403, 'SIP_AUTH_FAILED', 'Forbidden (wrong SIP credentials)');
  }

  private challenge(source: Peer, stale: boolean): Identity {
    return refused(407, 'SIP_AUTH_REQUIRED', 'Proxy Authentication Required', challenges(this.auth.realm, this.signer.issue(source.host), stale, this.auth.algorithms));
  }
}
