import net from 'node:net';
import { LIMITS } from '../message/limits';
import { StreamFramer } from './stream-framer';
import { peerKey, type MessageHandler, type Peer, type PeerCertificate, type Transport } from './types';

/** What one listener allows; without bounds a few thousand half-open connections hold it hostage. */
export interface StreamLimits {
  /** A message (or, on a new connection, the first one) not complete within this is closed. */
  headerTimeoutMs: number;
  /** A connection quiet this long is closed. */
  idleMs: number;
  /** Open connections from one IP address; the next one is closed at once. */
  maxPerSource: number;
  /** Open inbound connections in all. */
  maxConnections: number;
  /** Headers plus body; a longer message closes the connection. */
  maxMessageBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  headerTimeoutMs: 10_000,
  idleMs: 300_000,
  maxPerSource: 64,
  maxConnections: 10_000,
  maxMessageBytes: LIMITS.maxDatagramBytes,
};

type Dial = (options: { host: string; port: number }) => net.Socket;

/**
 * A stream listener plus a connection table keyed by ip:port: responses go back on the connection
 * the request came in on (§18.2.2), and requests to a peer reuse an open connection to it.
 */
export class StreamTransport implements Transport {
  private readonly connections = new Map<string, net.Socket>();
  private readonly perSource = new Map<string, number>();
  private inbound = 0;
  private server!: net.Server;
  host = '';
  port = 0;

  protected constructor(
    readonly proto: 'tcp' | 'tls',
    private readonly onMessage: MessageHandler,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
    private readonly dial: Dial,
  ) {}

  /** Counts every accepted connection before anything else (for TLS, before the handshake). */
  protected async start(server: net.Server, ready: 'connection' | 'secureConnection', host: string, port: number): Promise<void> {
    this.server = server;
    server.on('connection', (raw: net.Socket) => this.count(raw));
    server.on(ready, (socket: net.Socket) => {
      if (!socket.destroyed) this.adopt(socket, true);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    server.on('error', () => undefined);
    this.host = host;
    this.port = (server.address() as net.AddressInfo).port;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  private count(raw: net.Socket): void {
    const source = raw.remoteAddress ?? '';
    const fromSource = this.perSource.get(source) ?? 0;
    if (fromSource >= this.limits.maxPerSource || this.inbound >= this.limits.maxConnections) {
      raw.destroy();
      return;
    }
    this.perSource.set(source, fromSource + 1);
    this.inbound++;
    raw.on('error', () => undefined);
    raw.once('close', () => {
      this.inbound--;
      const left = (this.perSource.get(source) ?? 1) - 1;
      if (left > 0) this.perSource.set(source, left);
      else this.perSource.delete(source);
    });
  }

  /** The verified client certificate of a TLS connection; none on TCP. */
  protected certificateOf(_socket: net.Socket): PeerCertificate | undefined {
    return undefined;
  }

  private adopt(socket: net.Socket, inbound: boolean, key = peerKey({ host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 })): void {
    this.connections.set(key, socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.limits.idleMs, () => socket.destroy());
    let peer: Peer = { proto: this.proto, host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, connId: key };
    const framer = new StreamFramer(
      (bytes) => this.onMessage(bytes, peer),
      () => socket.write('\r\n'),
      this.limits.maxMessageBytes,
    );
    // A connection we accepted must bring a whole message soon; one we opened waits for the peer.
    let deadline: NodeJS.Timeout | null = inbound ? this.arm(socket) : null;
    socket.on('data', (chunk: Buffer) => {
      if (!framer.push(chunk)) return void socket.destroy();
      if (framer.pending && !deadline) deadline = this.arm(socket);
      if (!framer.pending && deadline) {
        clearTimeout(deadline);
        deadline = null;
      }
    });
    const cert = inbound ? this.certificateOf(socket) : undefined;
    if (cert) peer = { ...peer, cert };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (deadline) clearTimeout(deadline);
      if (this.connections.get(key) === socket) this.connections.delete(key);
    });
  }

  private arm(socket: net.Socket): NodeJS.Timeout {
    const timer = setTimeout(() => socket.destroy(), this.limits.headerTimeoutMs);
    timer.unref();
    return timer;
  }

  send(peer: Peer, bytes: Buffer, onError?: (error: Error) => void): void {
    const key = peer.connId ?? peerKey(peer);
    const open = this.connections.get(key) ?? this.connections.get(peerKey(peer));
    if (open && !open.destroyed) {
      open.write(bytes);
      return;
    }
    const socket = this.dial({ host: peer.host, port: peer.port });
    this.adopt(socket, false, peerKey(peer));
    socket.once('error', (error) => onError?.(error));
    socket.write(bytes);
  }

  async close(): Promise<void> {
    for (const socket of this.connections.values()) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
