/**
 * `BENCH_ONLY=fuzz npm run bench`: a million mutated SIP messages (test/support/sip-mutator.ts)
 * over UDP and TCP against the running proxy, from a source on no allow-list. Prints how many were
 * sent and answered, the proxy's counters, crashes (internal errors or a dead SIP thread; must be
 * 0), what reached the trunk (must be nothing), and resident memory before and after.
 */
import type { ProxyStats } from '../src/sip/proxy/proxy-core';
import { fuzzTcp, fuzzUdp, type FuzzTarget } from '../test/support/sip-fuzz';
import { TrunkListener } from '../test/support/sip-peer';
import { CALLEE, startSipGateway } from '../test/sip/support';

const UDP_MESSAGES = Number(process.env.BENCH_FUZZ_UDP ?? 900_000);
const TCP_MESSAGES = Number(process.env.BENCH_FUZZ_TCP ?? 100_000);
const SEED = Number(process.env.BENCH_FUZZ_SEED ?? 1);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function fuzzBench(): Promise<void> {
  const g = await startSipGateway('sqlite');
  const trunk = await TrunkListener.listen(g.trunkPort);
  let alive = true;
  const stats = async (): Promise<ProxyStats> => {
    const s = await Promise.race([g.sip.stats(), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    if (!s) alive = false;
    return s ?? ({ received: 0 } as ProxyStats);
  };
  const target: FuzzTarget = { port: g.port, stats, callee: CALLEE, caller: g.world.caller };
  try {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const udp = await fuzzUdp(target, UDP_MESSAGES, SEED);
    const tcp = await fuzzTcp(target, TCP_MESSAGES, SEED + 1);
    const seconds = (Date.now() - started) / 1000;
    const after = process.memoryUsage().rss;
    // Transactions linger up to 64*T1 (3.2 s here) after their last message.
    await new Promise((r) => setTimeout(r, 5000));
    const settled = process.memoryUsage().rss;
    const s = await stats();
    const crashes = (s.internalErrors ?? 0) + (alive ? 0 : 1);
    console.log(`SIP fuzz: ${udp.sent + tcp.sent} mutated messages sent (${udp.sent} UDP, ${tcp.sent} TCP on ${Math.ceil(tcp.sent / 10)} connections, ${tcp.closedByProxy} closed by the proxy) in ${seconds.toFixed(1)} s`);
    console.log(`  crashes: ${crashes} (internal errors ${s.internalErrors ?? 'n/a'}, SIP thread ${alive ? 'alive' : 'DEAD'}); answers received: ${udp.answers} UDP, ${tcp.answers} TCP`);
    console.log(`  proxy counters: ${JSON.stringify(s)}; messages at the trunk: ${trunk.received.length}`);
    console.log(`  resident memory: ${mb(before)} before, ${mb(after)} after, ${mb(settled)} 5 s later`);
  } finally {
    await trunk.close();
    await g.close();
  }
}
