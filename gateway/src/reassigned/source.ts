import type { Db } from '../storage/db';
import type { ReassignedAnswer, ReassignedDataStatus } from './types';

/**
 * Where answers about reassigned numbers come from: the imported data files of an RND subscriber,
 * or (an adapter to write) the RND's own query interface. Every method reads through the handle it
 * is given, so inside a decision transaction it sees what that transaction sees.
 */
export interface ReassignedNumbersSource {
  readonly id: string;
  /** The data the source answers from now; null when it has none. */
  status(q: Db): Promise<ReassignedDataStatus | null>;
  /** Has `number` been permanently disconnected on or after `sinceDate` (YYYY-MM-DD)? */
  query(q: Db, number: string, sinceDate: string): Promise<ReassignedAnswer>;
  /** The same question for many numbers at once: the decision path asks once per batch. */
  queryMany(q: Db, questions: { number: string; sinceDate: string }[]): Promise<Map<string, ReassignedAnswer>>;
}

/** Judges one number against its most recent disconnection in the data. */
export function answerFrom(status: ReassignedDataStatus, sinceDate: string, lastDisconnect: string | null, queriedAt: number): ReassignedAnswer {
  if (status.coverageFrom !== null && sinceDate < status.coverageFrom) return { reassigned: 'no_data', ...(lastDisconnect ? { disconnectDate: lastDisconnect } : {}), queriedAt };
  if (lastDisconnect === null) return { reassigned: 'no', queriedAt };
  return { reassigned: lastDisconnect >= sinceDate ? 'yes' : 'no', disconnectDate: lastDisconnect, queriedAt };
}

/** The RND permanent-disconnect data imported into the database (see import.ts). */
export const importedReassignedSource: ReassignedNumbersSource = {
  id: 'fcc-rnd-import',
  async status(q) {
    const row = await q('reassigned_versions').where({ status: 'current' }).first();
    return row ? { version: Number(row.version), asOf: row.as_of, coverageFrom: row.coverage_from ?? null } : null;
  },
  async query(q, number, sinceDate) {
    return (await this.queryMany(q, [{ number, sinceDate }])).get(number)!;
  },
  async queryMany(q, questions) {
    const queriedAt = Date.now();
    const status = await this.status(q);
    const answers = new Map<string, ReassignedAnswer>();
    if (!status) {
      for (const { number } of questions) answers.set(number, { reassigned: 'no_data', queriedAt });
      return answers;
    }
    const numbers = [...new Set(questions.map((x) => x.number))];
    const rows: { number: string; last: string }[] = numbers.length
      ? await q('reassigned_disconnects').where({ version: status.version }).whereIn('number', numbers).groupBy('number').select('number', q.raw('MAX(disconnected_on) AS last'))
      : [];
    const last = new Map(rows.map((r) => [r.number, r.last]));
    for (const { number, sinceDate } of questions) answers.set(number, answerFrom(status, sinceDate, last.get(number) ?? null, queriedAt));
    return answers;
  },
};
