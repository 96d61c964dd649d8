/**
 * The SIP proxy's own thread: transports, transactions and the proxy core run here, beside the
 * main thread's decision service and HTTP API, so that both cores work. Every initial INVITE is
 * sent to the main thread to be decided; what signalling says about calls goes back the same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SipConfig } from './config';
import type { SipMessage } from './message/message';
import { ProxyCore } from './proxy/proxy-core';
import type { Admission, CallObserver, ProxyLog, Verdict } from './proxy/types';
import { realClock } from './transaction/clock';
import { TcpTransport } from './transport/tcp';
import type { Peer, Transport } from './transport/types';
import { UdpTransport } from './transport/udp';
import type { FromWorker, ToWorker } from './worker-protocol';

const port = parentPort!;
const config = (workerData as { config: SipConfig }).config;
const post = (message: FromWorker) => port.postMessage(message);

/** A decision that does not come back in time is a refusal: the call fails closed. */
const ADMISSION_TIMEOUT_MS = 10_000;

class RemoteAdmission implements Admission {
  private seq = 0;
  readonly pending = new Map<number, { resolve: (v: Verdict) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  admit(invite: SipMessage, source: Peer): Promise<Verdict> {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('no decision within 10 s'));
      }, ADMISSION_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      post({ type: 'admit', id, bytes: invite.serialize(), source });
    });
  }

  settle(id: number, verdict: Verdict | null, error: string | null): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (verdict) entry.resolve(verdict);
    else entry.reject(new Error(error ?? 'admission failed'));
  }
}

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
  onFinal: (call, status, cancelled) => post({ type: 'final', call, status, cancelled }),
  onBye: (callId) => post({ type: 'bye', callId }),
};

const admission = new RemoteAdmission();
const proxy = new ProxyCore(config, admission, observer, realClock, log);
const transports: Transport[] = [];

port.on('message', (message: ToWorker) => {
  if (message.type === 'verdict') return admission.settle(message.id, message.verdict, message.error);
  if (message.type === 'close') void close();
});

async function close(): Promise<void> {
  for (const t of transports) await t.close();
  post({ type: 'closed' });
  port.close();
}

async function start(): Promise<void> {
  try {
    for (const address of config.listen) {
      const onMessage = (bytes: Buffer, peer: Peer) => proxy.receive(bytes, peer);
      const transport = address.proto === 'udp' ? await UdpTransport.listen(address.host, address.port, onMessage, config.recvBufferBytes) : await TcpTransport.listen(address.host, address.port, onMessage);
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
