import type { Db } from '../storage/db';
import type { ReassignedNumbersSource } from './source';
import type { ReassignedAnswer, ReassignedDataStatus, ReassignedFacts, ReassignedQueryRecord } from './types';

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Row = Record<string, any>;

function fromCache(row: Row | undefined, status: ReassignedDataStatus, sinceDate: string): ReassignedAnswer | null {
  if (!row || Number(row.data_version) !== status.version || row.since_date !== sinceDate) return null;
  return { reassigned: row.answer, ...(row.disconnect_date ? { disconnectDate: row.disconnect_date } : {}), queriedAt: Number(row.queried_at) };
}

/**
 * The RND answer for each callee that has consents, asked with the earliest date of consent among
 * them (an answer with the disconnect date judges every later consent too). An answer is cached per
 * number with the data version it came from, and reused while that data is current and the date
 * asked is the same; otherwise the source is asked, once for the whole batch.
 */
export async function reassignedFactsFor(q: Db, source: ReassignedNumbersSource, earliestConsent: Map<string, number>, numbers: string[]): Promise<Map<string, ReassignedFacts>> {
  const status = await source.status(q);
  const result = new Map<string, ReassignedFacts>();
  for (const number of numbers) result.set(number, { source: source.id, data: status, query: null });
  const asked = [...earliestConsent].map(([number, at]) => ({ number, sinceDate: isoDate(at) }));
  if (!status || asked.length === 0) return result;
  const cached = new Map<string, Row>((await q('reassigned_answers').whereIn('number', asked.map((a) => a.number))).map((r: Row) => [r.number, r]));
  const records = new Map<string, ReassignedQueryRecord>();
  const toAsk = [];
  for (const a of asked) {
    const hit = fromCache(cached.get(a.number), status, a.sinceDate);
    if (hit) records.set(a.number, record(a.number, a.sinceDate, hit, true));
    else toAsk.push(a);
  }
  if (toAsk.length > 0) {
    const answers = await source.queryMany(q, toAsk);
    const rows = toAsk.map((a) => {
      const answer = answers.get(a.number)!;
      records.set(a.number, record(a.number, a.sinceDate, answer, false));
      return { number: a.number, since_date: a.sinceDate, answer: answer.reassigned, disconnect_date: answer.disconnectDate ?? null, queried_at: answer.queriedAt, source: source.id, data_version: status.version, data_as_of: status.asOf };
    });
    await q('reassigned_answers').insert(rows).onConflict('number').merge();
  }
  for (const [number, query] of records) result.set(number, { source: source.id, data: status, query });
  return result;
}

function record(number: string, sinceDate: string, a: ReassignedAnswer, cached: boolean): ReassignedQueryRecord {
  return { number, sinceDate, answer: a.reassigned, disconnectDate: a.disconnectDate ?? null, queriedAt: a.queriedAt, cached };
}
