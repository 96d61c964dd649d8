/** What a Reassigned Numbers Database answers about a number and a date (the date of consent). */
export type ReassignedAnswerKind = 'yes' | 'no' | 'no_data';

export interface ReassignedAnswer {
  /** yes: permanently disconnected on or after the date asked; no: not since then; no_data: cannot tell. */
  reassigned: ReassignedAnswerKind;
  /** The number's most recent permanent disconnection, when the source gives it (YYYY-MM-DD). */
  disconnectDate?: string;
  queriedAt: number;
}

/** The data a source answers from: which copy, describing which date, covering dates from when. */
export interface ReassignedDataStatus {
  version: number;
  /** YYYY-MM-DD: the date the data describes, what the freshness parameter measures. */
  asOf: string;
  /** YYYY-MM-DD: a date of consent before it gets "no data"; null: no lower limit. */
  coverageFrom: string | null;
}

/** The record of one query, kept with the decision: what the safe harbour must be shown from. */
export interface ReassignedQueryRecord {
  number: string;
  /** The date asked about: the earliest date of consent the callee's consents carry. */
  sinceDate: string;
  answer: ReassignedAnswerKind;
  disconnectDate: string | null;
  queriedAt: number;
  /** Whether the answer came from the per-number cache (same data version, same date asked). */
  cached: boolean;
}

/** Facts for the reassignedNumbers rule, present only when a policy judging the call has one. */
export interface ReassignedFacts {
  source: string;
  /** The data the answer came from; null when none was ever imported. */
  data: ReassignedDataStatus | null;
  /** Null when the callee has no consent to ask about, or no data is loaded. */
  query: ReassignedQueryRecord | null;
}
