import type { SipMessage } from './message/message';
import type { Admission, Verdict } from './proxy/types';
import type { Peer } from './transport/types';
import type { FromWorker } from './worker-protocol';

/** A decision that does not come back in time is a refusal: the call fails closed. */
export const ADMISSION_TIMEOUT_MS = 10_000;

/** How many timed-out requests are remembered for their late verdicts. */
const LATE_MEMORY = 10_000;

/**
 * Admission from the SIP thread: each initial INVITE is posted to the main thread to be decided.
 * When a verdict comes after the call was already refused for its lateness, an allow in it is
 * reported back as not placed, so the record and the caps do not count a call that never rang.
 */
export class RemoteAdmission implements Admission {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: Verdict) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly timedOut = new Set<number>();

  constructor(
    private readonly post: (message: FromWorker) => void,
    private readonly timeoutMs = ADMISSION_TIMEOUT_MS,
  ) {}

  admit(invite: SipMessage, source: Peer): Promise<Verdict> {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.rememberTimedOut(id);
        reject(new Error(`no decision within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ type: 'admit', id, bytes: invite.serialize(), source });
    });
  }

  settle(id: number, verdict: Verdict | null, error: string | null): void {
    const entry = this.pending.get(id);
    if (!entry) return this.settleLate(id, verdict);
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (verdict) entry.resolve(verdict);
    else entry.reject(new Error(error ?? 'admission failed'));
  }

  private settleLate(id: number, verdict: Verdict | null): void {
    if (!this.timedOut.delete(id) || !verdict?.allow) return;
    const reason = `the decision came after ${this.timeoutMs / 1000} s; the dialer was refused and the call not placed`;
    this.post({ type: 'unplaced', decisionId: verdict.decisionId, tenantId: verdict.tenantId, reason });
  }

  private rememberTimedOut(id: number): void {
    this.timedOut.add(id);
    // Sets iterate in insertion order: the oldest is dropped first.
    if (this.timedOut.size > LATE_MEMORY) this.timedOut.delete(this.timedOut.values().next().value!);
  }
}
