import net from 'node:net';
import { StreamFramer } from './stream-framer';
import { peerKey, type MessageHandler, type Peer, type Transport } from './types';

const IDLE_MS = 10 * 60_000;

/**
 * TCP listener plus a connection table keyed by ip:port: responses go back on the connection the
 * request came in on (§18.2.2), and requests to a peer reuse an open connection to it.
 */
export class TcpTransport implements Transport {
  readonly proto = 'tcp' as const;
  private readonly connections = new Map<string, net.Socket>();
  private server!: net.Server;
  host = '';
  port = 0;

  private constructor(private readonly onMessage: MessageHandler) {}

  static async listen(host: string, port: number, onMessage: MessageHandler): Promise<TcpTransport> {
    const transport = new TcpTransport(onMessage);
    transport.server = net.createServer((socket) => transport.adopt(socket));
    await new Promise<void>((resolve, reject) => {
      transport.server.once('error', reject);
      transport.server.listen(port, host, () => resolve());
    });
    transport.host = host;
    transport.port = (transport.server.address() as net.AddressInfo).port;
    return transport;
  }

  private adopt(socket: net.Socket, key = peerKey({ host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 })): void {
    this.connections.set(key, socket);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    const peer: Peer = { proto: 'tcp', host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, connId: key };
    const framer = new StreamFramer(
      (bytes) => this.onMessage(bytes, peer),
      () => socket.write('\r\n'),
    );
    socket.on('data', (chunk) => {
      if (!framer.push(chunk)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.connections.get(key) === socket) this.connections.delete(key);
    });
  }

  send(peer: Peer, bytes: Buffer, onError?: (error: Error) => void): void {
    const key = peer.connId ?? peerKey(peer);
    const open = this.connections.get(key) ?? this.connections.get(peerKey(peer));
    if (open && !open.destroyed) {
      open.write(bytes);
      return;
    }
    const socket = net.connect({ host: peer.host, port: peer.port });
    this.adopt(socket, peerKey(peer));
    socket.once('error', (error) => onError?.(error));
    socket.write(bytes);
  }

  async close(): Promise<void> {
    for (const socket of this.connections.values()) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
