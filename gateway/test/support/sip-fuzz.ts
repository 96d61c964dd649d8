import type { ProxyStats } from '../../src/sip/proxy/proxy-core';
import { mutated, prng, type Addresses } from './sip-mutator';
import { TcpPeer, UdpPeer } from './sip-peer';

export interface FuzzTarget {
  port: number;
  host?: string;
  /** The proxy's counters, read from the running proxy. */
  stats(): Promise<ProxyStats>;
  callee: string;
  caller: string;
  campaign?: string;
}

export interface FuzzResult {
  sent: number;
  /** How many the proxy took in (UDP: datagrams may be lost; TCP: the framer joins and splits). */
  received: number;
  /** Datagrams or TCP bytes that came back to the fuzzing source. */
  answers: number;
  /** TCP connections the proxy closed on us (garbage it could not frame). */
  closedByProxy: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the proxy has taken in all but `window` of what was sent, so that a burst does not
 * simply overflow the socket buffer; gives up after a while (datagrams may be lost, that is UDP).
 */
async function keepUp(target: FuzzTarget, base: number, sent: number, window: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await target.stats()).received - base < sent - window && Date.now() < deadline) await sleep(5);
}

/** Sends `count` mutated messages over UDP from `source` (an address other than any dialer's). */
export async function fuzzUdp(target: FuzzTarget, count: number, seed: number, source = '127.0.0.2'): Promise<FuzzResult> {
  const peer = await UdpPeer.bind(source, 0, false);
  const addresses: Addresses = { proxy: `${target.host ?? '127.0.0.1'}:${target.port}`, source: `${source}:${peer.port}`, callee: target.callee, caller: target.caller, campaign: target.campaign };
  const random = prng(seed);
  const base = (await target.stats()).received;
  try {
    for (let n = 0; n < count; n++) {
      const sending = peer.send(mutated(random, addresses, n), target.port, target.host);
      // At most ~200 datagrams in flight: within even a default 208 KiB socket buffer (rmem_max).
      if (n % 100 === 99) {
        await sending;
        await keepUp(target, base, n + 1, 200);
      }
    }
    await keepUp(target, base, count, 0);
    return { sent: count, received: (await target.stats()).received - base, answers: peer.count, closedByProxy: 0 };
  } finally {
    await peer.close();
  }
}

/**
 * Sends `count` mutated messages over TCP, `perConnection` to a connection written back to back,
 * so that the stream framer sees messages whose Content-Length lies about where the next begins.
 * A connection the proxy closes is replaced by a new one.
 */
export async function fuzzTcp(target: FuzzTarget, count: number, seed: number, source = '127.0.0.2', perConnection = 10): Promise<FuzzResult> {
  const random = prng(seed);
  const result: FuzzResult = { sent: 0, received: 0, answers: 0, closedByProxy: 0 };
  const base = (await target.stats()).received;
  while (result.sent < count) {
    const conn = await TcpPeer.connect(target.port, source, target.host, false);
    const addresses: Addresses = { proxy: `${target.host ?? '127.0.0.1'}:${target.port}`, source: `${source}:${conn.localPort}`, callee: target.callee, caller: target.caller, campaign: target.campaign };
    for (let i = 0; i < perConnection && result.sent < count; i++) {
      if (!(await conn.write(mutated(random, addresses, result.sent)))) break;
      result.sent++;
    }
    await sleep(1);
    if (conn.closed) result.closedByProxy++;
    result.answers += conn.count;
    conn.close();
  }
  result.received = (await target.stats()).received - base;
  return result;
}
