import net from 'node:net';
import type { Db } from '../../storage/db';
import { liveSipAccountSecrets, type SipAccountSecret } from '../../storage/sip-accounts';
import type { PeerCertificate } from '../transport/types';

export interface LoadedAccount extends SipAccountSecret {
  /** The networks of `sources`, or null when the account may call from anywhere. */
  allowed: net.BlockList | null;
}

const family = (address: string) => (net.isIP(address) === 6 ? 'ipv6' : 'ipv4');

function blockList(sources: string[] | null): net.BlockList | null {
  if (!sources?.length) return null;
  const list = new net.BlockList();
  for (const source of sources) {
    const [address, bits] = source.split('/');
    list.addSubnet(address, bits === undefined ? (family(address) === 'ipv6' ? 128 : 32) : Number(bits), family(address));
  }
  return list;
}

export const comesFrom = (account: LoadedAccount, host: string): boolean => account.allowed === null || account.allowed.check(host, family(host));

/**
 * The dialer accounts that may authenticate, held in memory like the address allow-list and
 * reloaded with it: a revoked or rotated credential stops working within SIP_DIALER_REFRESH_MS.
 */
export class SipAccountDirectory {
  private byUsername = new Map<string, LoadedAccount>();
  private byFingerprint = new Map<string, LoadedAccount>();
  private bySubject = new Map<string, LoadedAccount>();

  constructor(private readonly db: Db) {}

  async reload(): Promise<void> {
    const accounts = (await liveSipAccountSecrets(this.db)).map((a) => ({ ...a, allowed: blockList(a.sources) }));
    this.byUsername = new Map(accounts.map((a) => [a.username, a]));
    this.byFingerprint = new Map(accounts.filter((a) => a.certFingerprint).map((a) => [a.certFingerprint!, a]));
    this.bySubject = new Map(accounts.filter((a) => a.certSubject).map((a) => [a.certSubject!, a]));
  }

  byName(username: string): LoadedAccount | null {
    return this.byUsername.get(username) ?? null;
  }

  /** A verified client certificate names an account by its fingerprint, else by its subject. */
  byCertificate(cert: PeerCertificate): LoadedAccount | null {
    return this.byFingerprint.get(cert.fingerprint) ?? (cert.subject ? this.bySubject.get(cert.subject) : undefined) ?? null;
  }
}
