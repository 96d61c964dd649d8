import net from 'node:net';
import { StreamTransport, type StreamLimits } from './stream';
import type { MessageHandler } from './types';

/** SIP over TCP (§18): a listener plus a connection table, bounded by StreamLimits. */
export class TcpTransport extends StreamTransport {
  static async listen(host: string, port: number, onMessage: MessageHandler, limits?: StreamLimits): Promise<TcpTransport> {
    const transport = new TcpTransport('tcp', onMessage, limits, (options) => net.connect(options));
    await transport.start(net.createServer(), 'connection', host, port);
    return transport;
  }
}
