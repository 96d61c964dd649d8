import type { ProxyLog } from './proxy/types';

const FLUSH_MS = 250;
const FLUSH_AT = 500;
const MAX_QUEUE = 100_000;

/**
 * Rows written off the call path, many per statement: what signalling tells about a call is
 * recorded within a quarter second, and a database hiccup delays it rather than losing it.
 */
export class BatchWriter<T> {
  private queue: T[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly label: string,
    private readonly write: (rows: T[]) => Promise<void>,
    private readonly log: ProxyLog,
    onTick: () => void = () => undefined,
  ) {
    this.timer = setInterval(() => {
      onTick();
      void this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  push(row: T): void {
    if (this.queue.length >= MAX_QUEUE) return void this.log.warn({ row }, `${this.label} queue full; row not recorded`);
    this.queue.push(row);
    if (this.queue.length >= FLUSH_AT) void this.flush();
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.write(batch)
      .catch((error) => {
        this.log.error({ err: error, count: batch.length }, `could not record ${this.label}; will retry`);
        this.queue = batch.concat(this.queue);
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
