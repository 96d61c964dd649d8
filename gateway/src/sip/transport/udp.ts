import dgram from 'node:dgram';
import net from 'node:net';
import type { MessageHandler, Peer, Transport } from './types';

/** One UDP socket per listen address; responses leave from it, so NATs and rport see one port. */
export class UdpTransport implements Transport {
  readonly proto = 'udp' as const;
  private constructor(
    private readonly socket: dgram.Socket,
    readonly host: string,
    readonly port: number,
  ) {}

  static async listen(host: string, port: number, onMessage: MessageHandler, recvBufferBytes: number): Promise<UdpTransport> {
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: recvBufferBytes, sendBufferSize: recvBufferBytes });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A datagram that cannot be delivered (ICMP unreachable) must not bring the process down.
    socket.on('error', () => undefined);
    socket.on('message', (bytes, rinfo) => onMessage(bytes, { proto: 'udp', host: rinfo.address, port: rinfo.port }));
    return new UdpTransport(socket, host, socket.address().port);
  }

  send(peer: Peer, bytes: Buffer, onError?: (error: Error) => void): void {
    // To an IP address a send can only fail asynchronously through ICMP, which UDP does not report
    // per datagram; a completion callback per message would cost time on every hop for nothing.
    if (!onError || net.isIP(peer.host)) return void this.socket.send(bytes, peer.port, peer.host);
    this.socket.send(bytes, peer.port, peer.host, (error) => {
      if (error) onError(error);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
