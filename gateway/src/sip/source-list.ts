import net from 'node:net';

/**
 * One BlockList of source networks (`10.0.0.7`, `10.0.0.0/24`, IPv4 or IPv6), as sip_dialers.source
 * and sip account sources hold them. Stored sources are validated on insert; one that is not is
 * left out, so that it stays unknown rather than failing the whole list.
 */
export function sourceList(sources: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const source of sources) {
    const [address, bits] = source.split('/');
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
    if (!net.isIP(address) || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv6' ? 128 : 32)) continue;
    list.addSubnet(address, prefix, family);
  }
  return list;
}

/** Whether an address (no port) falls in the list; a host that is no IP address never does. */
export function inSourceList(list: net.BlockList, host: string): boolean {
  const family = net.isIP(host);
  return family !== 0 && list.check(host, family === 6 ? 'ipv6' : 'ipv4');
}
