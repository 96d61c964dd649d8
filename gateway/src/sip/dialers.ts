import net from 'node:net';
import type { Db } from '../storage/db';
import type { SipAccountDirectory } from './auth/accounts';
import { listSipDialers, type SipDialer } from '../storage/sip-dialers';

export interface DialerMatch {
  tenantId: string;
  defaultCampaignId: string | null;
}

interface Entry {
  dialer: SipDialer;
  list: net.BlockList;
  prefix: number;
}

/**
 * The source-address allow-list of dialers, held in memory so that admitting an INVITE costs no
 * query; reloaded every few seconds so a change made on any instance applies everywhere soon.
 * When the database cannot be read the last list stays in force (decisions fail closed anyway).
 */
export class DialerDirectory {
  private entries: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Told the listed sources after every reload (the SIP thread challenges everyone else). */
  onReload: ((sources: string[]) => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly refreshMs: number,
    private readonly onError: (error: unknown) => void,
    /** The digest accounts, reloaded on the same schedule. */
    private readonly accounts: SipAccountDirectory | null = null,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(this.onError), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    await this.accounts?.reload();
    const dialers = await listSipDialers(this.db);
    this.entries = dialers
      .map((dialer) => {
        const [address, bits] = dialer.source.split('/');
        const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
        const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
        const list = new net.BlockList();
        list.addSubnet(address, prefix, family);
        return { dialer, list, prefix };
      })
      // The most specific network wins: a single dialer inside a tenant's wider range.
      .sort((a, b) => b.prefix - a.prefix);
    this.onReload?.(this.sources());
  }

  sources(): string[] {
    return this.entries.map((e) => e.dialer.source);
  }

  match(address: string): DialerMatch | null {
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    for (const e of this.entries) {
      if (e.list.check(address, family)) return { tenantId: e.dialer.tenantId, defaultCampaignId: e.dialer.defaultCampaignId };
    }
    return null;
  }
}
