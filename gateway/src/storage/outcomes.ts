import type { Db } from './db';

export const OUTCOMES = ['answered', 'no_answer', 'busy', 'failed', 'abandoned', 'voicemail'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface CallOutcome {
  decisionId: string;
  tenantId: string;
  outcome: Outcome;
  endedAt: number;
  durationSeconds: number | null;
  refused: boolean;
  optOutId: string | null;
  recordedBy: string;
}

const toRow = (o: CallOutcome) => ({
  decision_id: o.decisionId,
  tenant_id: o.tenantId,
  outcome: o.outcome,
  ended_at: o.endedAt,
  duration_seconds: o.durationSeconds,
  refused: o.refused,
  opt_out_id: o.optOutId,
  recorded_by: o.recordedBy,
  recorded_at: Date.now(),
});

/**
 * How calls ended, attached to their decisions: from the dialer's REST report or from SIP
 * signalling. One outcome per decision; a second report for the same call is ignored when
 * `ignoreDuplicates` (signalling and the dialer may both report), refused otherwise.
 */
export async function recordCallOutcomes(db: Db, outcomes: CallOutcome[], options: { ignoreDuplicates: boolean }): Promise<void> {
  if (outcomes.length === 0) return;
  const insert = db('call_outcomes').insert(outcomes.map(toRow));
  await (options.ignoreDuplicates ? insert.onConflict('decision_id').ignore() : insert);
}
