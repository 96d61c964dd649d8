export type Proto = 'udp' | 'tcp';

/** Where a message came from or goes to; connId names the TCP connection it arrived on. */
export interface Peer {
  proto: Proto;
  host: string;
  port: number;
  connId?: string;
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
