import net from 'node:net';
import { inSourceList, sourceList } from '../source-list';

/**
 * Which source addresses are dialers callgate serves (the allow-list of the dialer directory,
 * handed to the proxy whenever it is reloaded) or the trunk. Everything else is a stranger: it gets
 * at most one answer no larger than what it sent, so that a spoofed source cannot make callgate an
 * amplifier (RFC 3261 §26.1.5, RFC 5393).
 */
export class KnownSources {
  private list = new net.BlockList();
  private readonly trunk: Set<string>;

  constructor(trunkHost: string) {
    this.trunk = new Set([trunkHost.toLowerCase()]);
  }

  /**
   * A trunk configured by name answers from its address: the source of a response to a request we
   * sent it is the trunk's too (bounded, a name may resolve to a few).
   */
  addTrunkAddress(host: string): void {
    if (this.trunk.size < 16) this.trunk.add(host.toLowerCase());
  }

  isTrunk(host: string): boolean {
    return this.trunk.has(host.toLowerCase());
  }

  /** `10.0.0.7` or `10.0.0.0/24`, IPv4 or IPv6, as sip_dialers.source holds them (source-list.ts). */
  setDialers(sources: string[]): void {
    this.list = sourceList(sources);
  }

  isDialer(host: string): boolean {
    return inSourceList(this.list, host);
  }

  isKnown(host: string): boolean {
    return this.isTrunk(host) || this.isDialer(host);
  }
}
