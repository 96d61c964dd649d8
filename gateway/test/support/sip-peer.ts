import dgram from 'node:dgram';
import net from 'node:net';

/** What a raw SIP peer received, as text (latin1), in arrival order. */
export interface Inbox {
  messages: string[];
  /** Resolves with the first message (already received or to come) that matches, or null after ms. */
  waitFor(match: (text: string) => boolean, ms?: number): Promise<string | null>;
}

function inbox(): Inbox & { push(text: string): void } {
  const messages: string[] = [];
  const waiters: { match: (t: string) => boolean; resolve: (t: string | null) => void }[] = [];
  return {
    messages,
    push(text) {
      messages.push(text);
      for (const w of waiters.splice(0)) {
        if (w.match(text)) w.resolve(text);
        else waiters.push(w);
      }
    },
    waitFor(match, ms = 3000) {
      const found = messages.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const waiter = { match, resolve: (t: string | null) => (clearTimeout(timer), resolve(t)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(null);
        }, ms);
        waiters.push(waiter);
      });
    },
  };
}

/** A UDP socket that sends raw bytes and keeps every datagram it receives. */
export class UdpPeer {
  readonly inbox = inbox();
  /** Datagrams received, kept or not. */
  count = 0;
  /** Called with each datagram and where it came from (a trunk answering, for instance). */
  onMessage: ((text: string, from: { address: string; port: number }) => void) | null = null;
  private constructor(
    private readonly socket: dgram.Socket,
    readonly host: string,
    readonly port: number,
    keep: boolean,
  ) {
    socket.on('message', (bytes, rinfo) => {
      this.count++;
      const text = bytes.toString('latin1');
      if (keep) this.inbox.push(text);
      this.onMessage?.(text, rinfo);
    });
  }

  /** `keep: false` only counts what arrives, for floods. */
  static async bind(host = '127.0.0.1', port = 0, keep = true): Promise<UdpPeer> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    socket.on('error', () => undefined);
    return new UdpPeer(socket, host, socket.address().port, keep);
  }

  send(bytes: Buffer | string, port: number, host = '127.0.0.1'): Promise<void> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    return new Promise((resolve) => this.socket.send(data, port, host, () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A TCP connection that writes raw bytes and keeps what comes back (unframed chunks, joined). */
export class TcpPeer {
  readonly inbox = inbox();
  private text = '';
  /** Responses received (status lines seen), kept or not. */
  count = 0;
  closed = false;
  private constructor(
    readonly socket: net.Socket,
    keep: boolean,
  ) {
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      this.count += text.match(/^SIP\/2\.0 \d{3} /gm)?.length ?? 0;
      if (!keep) return;
      this.text += text;
      this.inbox.push(this.text);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  static async connect(port: number, localAddress = '127.0.0.1', host = '127.0.0.1', keep = true): Promise<TcpPeer> {
    const socket = net.connect({ port, host, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new TcpPeer(socket, keep);
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Writes, waiting for the socket to drain; false when the other side has closed it. */
  write(bytes: Buffer | string): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(bytes, () => resolve(!this.socket.destroyed)));
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A trunk that only listens: every datagram and every TCP byte on its port is kept, so a test can
 * say the trunk received nothing, or exactly what it should.
 */
export class TrunkListener {
  readonly udp: UdpPeer;
  readonly tcpBytes: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    udp: UdpPeer,
    private readonly server: net.Server,
  ) {
    this.udp = udp;
  }

  static async listen(port: number, host = '127.0.0.1'): Promise<TrunkListener> {
    const udp = await UdpPeer.bind(host, port);
    const holder: { trunk?: TrunkListener } = {};
    const server = net.createServer((socket) => {
      holder.trunk!.sockets.add(socket);
      socket.on('data', (chunk) => holder.trunk!.tcpBytes.push(chunk.toString('latin1')));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
    holder.trunk = new TrunkListener(udp, server);
    return holder.trunk;
  }

  /** Everything received, UDP datagrams then TCP bytes. */
  get received(): string[] {
    return [...this.udp.inbox.messages, ...this.tcpBytes];
  }

  async close(): Promise<void> {
    await this.udp.close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
