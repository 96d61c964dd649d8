/**
 * The SIP proxy's own thread: transports, transactions and the proxy core run here, beside the
 * main thread's decision service and HTTP API, so that both cores work. Every initial INVITE is
 * sent to the main thread to be decided; what signalling says about calls goes back the same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DigestChallenger } from './auth/challenge';
import type { ListenAddress, SipConfig } from './config';
import { ProxyCore } from './proxy/proxy-core';
import type { CallObserver, ProxyLog } from './proxy/types';
import { RemoteAdmission } from './remote-admission';
import { realClock } from './transaction/clock';
import { TcpTransport } from './transport/tcp';
import { TlsTransport } from './transport/tls';
import type { Peer, Transport } from './transport/types';
import { UdpTransport } from './transport/udp';
import type { FromWorker, ToWorker } from './worker-protocol';

const port = parentPort!;
const { config, sources } = workerData as { config: SipConfig; sources: string[] };
const post = (message: FromWorker) => port.postMessage(message);

const errorInfo = (obj: unknown) => {
  const err = (obj as { err?: Error } | null)?.err;
  return err instanceof Error ? { ...(obj as object), err: { message: err.message, stack: err.stack } } : obj;
};

const log: ProxyLog = {
  warn: (obj, msg) => post({ type: 'log', level: 'warn', obj: errorInfo(obj), msg }),
  error: (obj, msg) => post({ type: 'log', level: 'error', obj: errorInfo(obj), msg }),
  debug: () => undefined,
};

const observer: CallObserver = {
  onFinal: (call, status, cancelled, signals) => post({ type: 'final', call, status, cancelled, signals }),
  onBye: (callId, signals) => post({ type: 'bye', callId, signals }),
};

const admission = new RemoteAdmission(post);
const challenger = new DigestChallenger(config.auth, sources);
const proxy = new ProxyCore(config, admission, observer, realClock, log, challenger);
proxy.setDialerSources(sources);
const transports: Transport[] = [];

port.on('message', (message: ToWorker) => {
  if (message.type === 'verdict') return admission.settle(message.id, message.verdict, message.error);
  if (message.type === 'stats') return post({ type: 'stats', stats: { ...proxy.stats } });
  if (message.type === 'sources') {
    proxy.setDialerSources(message.sources);
    return challenger.setSources(message.sources);
  }
  if (message.type === 'close') void close();
});

async function close(): Promise<void> {
  for (const t of transports) await t.close();
  post({ type: 'closed' });
  port.close();
}

function listen(address: ListenAddress, onMessage: (bytes: Buffer, peer: Peer) => void): Promise<Transport> {
  if (address.proto === 'udp') return UdpTransport.listen(address.host, address.port, onMessage, config.recvBufferBytes);
  if (address.proto === 'tcp') return TcpTransport.listen(address.host, address.port, onMessage, config.stream);
  return TlsTransport.listen(address.host, address.port, onMessage, config.tls!, config.stream);
}

async function start(): Promise<void> {
  try {
    for (const address of config.listen) {
      const onMessage = (bytes: Buffer, peer: Peer) => proxy.receive(bytes, peer);
      const transport = await listen(address, onMessage);
      proxy.attach(transport);
      transports.push(transport);
    }
    post({ type: 'ready', listening: transports.map((t) => ({ proto: t.proto, host: t.host, port: t.port })) });
  } catch (error) {
    for (const t of transports) await t.close();
    post({ type: 'failed', message: (error as Error).message });
  }
}

void start();
