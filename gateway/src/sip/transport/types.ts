export type Proto = 'udp' | 'tcp' | 'tls';

/** The client certificate a TLS peer presented and our CA verified (RFC 3261 §26.2.1 mutual TLS). */
export interface PeerCertificate {
  /** SHA-256 of the DER certificate, lowercase hex without colons. */
  fingerprint: string;
  /** The subject's common name. */
  subject: string;
}

/** Where a message came from or goes to; connId names the TCP or TLS connection it arrived on. */
export interface Peer {
  proto: Proto;
  host: string;
  port: number;
  connId?: string;
  cert?: PeerCertificate;
}

export type MessageHandler = (bytes: Buffer, peer: Peer) => void;

export interface Transport {
  readonly proto: Proto;
  readonly host: string;
  readonly port: number;
  /** Sends bytes; a failure to deliver (connection refused, reset) is reported through onError. */
  send(peer: Peer, bytes: Buffer, onError?: (error: Error) => void): void;
  close(): Promise<void>;
}

export const peerKey = (p: { host: string; port: number }) => `${p.host}:${p.port}`;

/** TCP and TLS carry a byte stream on a connection: responses go back on it, no retransmissions. */
export const isStream = (proto: Proto): boolean => proto !== 'udp';
