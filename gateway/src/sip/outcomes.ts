import type { Db } from '../storage/db';
import { recordCallOutcomes, type CallOutcome, type Outcome } from '../storage/outcomes';
import type { CallObserver, CallRef, ProxyLog } from './proxy/types';

const FLUSH_MS = 250;
const FLUSH_AT = 500;
const MAX_QUEUE = 100_000;

/** The outcome a final response means for a call centre's figures. */
export function outcomeOf(status: number, cancelled: boolean): Outcome {
  if (status >= 200 && status < 300) return 'answered';
  if (cancelled) return 'no_answer';
  if (status === 486 || status === 600 || status === 603) return 'busy';
  if (status === 408 || status === 480 || status === 487) return 'no_answer';
  return 'failed';
}

/**
 * Call outcomes from signalling, attached to the decisions the same way the dialer's
 * POST /v1/calls/{decisionId}/outcome does. An answered call is kept in a small dialog index until
 * its BYE gives the duration. Writes are batched off the call path.
 */
export class SignalledOutcomes implements CallObserver {
  private readonly dialogs = new Map<string, { call: CallRef; answeredAt: number }>();
  private queue: CallOutcome[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: ProxyLog,
    private readonly maxCallMs = 4 * 3_600_000,
  ) {
    this.timer = setInterval(() => {
      this.sweep();
      void this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  onFinal(call: CallRef, status: number, cancelled: boolean): void {
    if (status >= 200 && status < 300) {
      this.dialogs.set(call.callId, { call, answeredAt: Date.now() });
      return;
    }
    this.push(call, outcomeOf(status, cancelled), null);
  }

  onBye(callId: string): void {
    const dialog = this.dialogs.get(callId);
    if (!dialog) return;
    this.dialogs.delete(callId);
    this.push(dialog.call, 'answered', Math.round((Date.now() - dialog.answeredAt) / 1000));
  }

  /** Answered calls whose BYE never came (lost, or ended elsewhere) are recorded without a duration. */
  private sweep(): void {
    const cutoff = Date.now() - this.maxCallMs;
    for (const [callId, d] of this.dialogs) {
      if (d.answeredAt > cutoff) continue;
      this.dialogs.delete(callId);
      this.push(d.call, 'answered', null);
    }
  }

  private push(call: CallRef, outcome: Outcome, durationSeconds: number | null): void {
    if (this.queue.length >= MAX_QUEUE) return void this.log.warn({ decisionId: call.decisionId }, 'outcome queue full; outcome not recorded');
    this.queue.push({ decisionId: call.decisionId, tenantId: call.tenantId, outcome, endedAt: Date.now(), durationSeconds, refused: false, optOutId: null, recordedBy: 'sip' });
    if (this.queue.length >= FLUSH_AT) void this.flush();
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.flushing = recordCallOutcomes(this.db, batch, { ignoreDuplicates: true })
      .catch((error) => {
        this.log.error({ err: error, count: batch.length }, 'could not record call outcomes; will retry');
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
    await this.flush();
  }
}
