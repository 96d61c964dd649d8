import type { Db } from '../storage/db';
import { recordCallOutcomes, SIGNALLED_BY, type CallOutcome, type Outcome } from '../storage/outcomes';
import { BatchWriter } from './batch-writer';
import { mergeSignals, type CallSignals } from './call-signals';
import type { CallObserver, CallRef, ProxyLog } from './proxy/types';


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
  private readonly dialogs = new Map<string, { call: CallRef; answeredAt: number; signals: CallSignals }>();
  private readonly writer: BatchWriter<CallOutcome>;

  constructor(
    db: Db,
    log: ProxyLog,
    private readonly maxCallMs = 4 * 3_600_000,
  ) {
    this.writer = new BatchWriter('call outcomes', (rows) => recordCallOutcomes(db, rows, { ignoreDuplicates: true }), log, () => this.sweep());
  }

  onFinal(call: CallRef, status: number, cancelled: boolean, signals: CallSignals = {}): void {
    if (status >= 200 && status < 300) {
      this.dialogs.set(call.callId, { call, answeredAt: Date.now(), signals });
      return;
    }
    this.push(call, outcomeOf(status, cancelled), null, signals);
  }

  onBye(callId: string, signals: CallSignals = {}): void {
    const dialog = this.dialogs.get(callId);
    if (!dialog) return;
    this.dialogs.delete(callId);
    const said = mergeSignals(dialog.signals, signals);
    // A call a machine answered is no live call: it is not counted among the calls a person picked up.
    const outcome = said.answerMachine ? 'voicemail' : 'answered';
    this.push(dialog.call, outcome, Math.round((Date.now() - dialog.answeredAt) / 1000), said);
  }

  /** Answered calls whose BYE never came (lost, or ended elsewhere) are recorded without a duration. */
  private sweep(): void {
    const cutoff = Date.now() - this.maxCallMs;
    for (const [callId, d] of this.dialogs) {
      if (d.answeredAt > cutoff) continue;
      this.dialogs.delete(callId);
      this.push(d.call, d.signals.answerMachine ? 'voicemail' : 'answered', null, d.signals);
    }
  }

  private push(call: CallRef, outcome: Outcome, durationSeconds: number | null, signals: CallSignals): void {
    this.writer.push({
      decisionId: call.decisionId,
      tenantId: call.tenantId,
      outcome,
      endedAt: Date.now(),
      durationSeconds,
      refused: false,
      optOutId: null,
      recordedBy: SIGNALLED_BY,
      answerMachineDetected: signals.answerMachine ?? null,
      infoMessagePlayed: signals.infoMessage ?? null,
    });
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
