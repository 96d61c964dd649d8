import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { StreamTransport, DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream';
import type { MessageHandler, PeerCertificate } from './types';

export interface TlsSettings {
  certPem: string;
  keyPem: string;
  /** CA of dialer client certificates: when set, dialers may authenticate by certificate (mutual TLS). */
  clientCaPem: string | null;
  /** CA the trunk's certificate must chain to; the system's CAs when null. */
  trunkCaPem: string | null;
}

/**
 * SIP over TLS (RFC 3261 §26.2.1, port 5061): a listener for dialers and, on the same transport,
 * connections out to a TLS trunk, whose certificate is verified against its name or IP address.
 */
export class TlsTransport extends StreamTransport {
  static async listen(host: string, port: number, onMessage: MessageHandler, settings: TlsSettings, limits: StreamLimits = DEFAULT_STREAM_LIMITS): Promise<TlsTransport> {
    const dial = (o: { host: string; port: number }) =>
      tls.connect({ host: o.host, port: o.port, ca: settings.trunkCaPem ?? undefined, cert: settings.certPem, key: settings.keyPem, servername: net.isIP(o.host) ? undefined : o.host });
    const transport = new TlsTransport('tls', onMessage, limits, dial);
    const server = tls.createServer({
      cert: settings.certPem,
      key: settings.keyPem,
      // A client certificate is asked for, never required: dialers without one use digest instead.
      ca: settings.clientCaPem ?? undefined,
      requestCert: settings.clientCaPem !== null,
      rejectUnauthorized: false,
      handshakeTimeout: limits.headerTimeoutMs,
    });
    // A failed or timed-out handshake (handshakeTimeout) ends the connection; with a listener here Node would keep it.
    server.on('tlsClientError', (_error, socket) => socket.destroy());
    await transport.start(server, 'secureConnection', host, port);
    return transport;
  }

  protected override certificateOf(socket: net.Socket): PeerCertificate | undefined {
    const secure = socket as tls.TLSSocket;
    if (!secure.authorized) return undefined;
    const cert = secure.getPeerCertificate();
    if (!cert?.raw) return undefined;
    const cn = cert.subject?.CN;
    return { fingerprint: crypto.createHash('sha256').update(cert.raw).digest('hex'), subject: Array.isArray(cn) ? cn[0] : cn ?? '' };
  }
}
