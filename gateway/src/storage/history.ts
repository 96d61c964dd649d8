import { createHash } from 'node:crypto';
import { trailOf } from '../audit/trail';
import type { TrailEvent } from '../audit/events';
import type { Db } from './db';
import { newId } from './ids';
import { forgetCampaignOutcomes, type Outcome } from './outcomes';

export interface HistoricalAttempt {
  callee: string;
  caller: string | null;
  campaignId: string | null;
  attemptedAt: number;
  /** How the call ended, in the vocabulary of reported outcomes; null when the old dialer did not say. */
  outcome: Outcome | null;
  durationSeconds: number | null;
  /** Whether an information message was played (what an abandoned call must do in the UK and US). */
  infoMessage: boolean | null;
  /** Whether answer-machine detection judged a machine; absent or null: not said. */
  answerMachine?: boolean | null;
  /** The old dialer's own id of the call, when it has one. */
  externalId: string | null;
}

export interface ImportResult {
  importId: string;
  inserted: number;
  duplicates: number;
}

const CHUNK = 500;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What makes an imported call the same call again: the old dialer's id when it gave one, else the
 * tenant, campaign, callee and instant (one tenant cannot call one person twice in the same millisecond).
 */
export function importKey(tenantId: string, a: HistoricalAttempt): string {
  if (a.externalId !== null) return sha256(JSON.stringify(['ext', tenantId, a.externalId]));
  return sha256(JSON.stringify(['call', tenantId, a.campaignId, a.callee, a.attemptedAt]));
}

async function knownKeys(trx: Db, keys: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const rows: { import_key: string }[] = await trx('call_attempts').whereIn('import_key', keys.slice(i, i + CHUNK)).select('import_key');
    for (const r of rows) known.add(r.import_key);
  }
  return known;
}

const toRow = (tenantId: string, a: HistoricalAttempt, key: string) => ({
  decision_id: null,
  tenant_id: tenantId,
  campaign_id: a.campaignId,
  caller: a.caller,
  callee: a.callee,
  attempted_at: a.attemptedAt,
  source: 'import',
  outcome: a.outcome,
  duration_seconds: a.durationSeconds,
  info_message: a.infoMessage,
  answer_machine: a.answerMachine ?? null,
  import_key: key,
});

/** The import as a whole on the trail: counts and a digest of its rows, so a file can be matched to it. */
function importEvent(importId: string, tenantId: string, attempts: HistoricalAttempt[], keys: string[], result: ImportResult, importedBy: string): TrailEvent {
  const outcomes: Record<string, number> = {};
  for (const a of attempts) outcomes[a.outcome ?? 'unknown'] = (outcomes[a.outcome ?? 'unknown'] ?? 0) + 1;
  const times = attempts.map((a) => a.attemptedAt);
  return {
    type: 'call_history.imported',
    tenantId,
    subjectId: importId,
    payload: {
      ...result,
      rows: attempts.length,
      outcomes,
      earliest: new Date(Math.min(...times)).toISOString(),
      latest: new Date(Math.max(...times)).toISOString(),
      rowsDigest: sha256(keys.join('\n')),
      importedBy,
    },
  };
}

/** Each stored call on its callee's trail: a later denial it causes can be traced to it. */
function callEvent(importId: string, tenantId: string, a: HistoricalAttempt): TrailEvent {
  return {
    type: 'call.imported',
    tenantId,
    campaignId: a.campaignId,
    callee: a.callee,
    subjectId: importId,
    payload: { call: { ...a, attemptedAt: new Date(a.attemptedAt).toISOString() } },
  };
}

/**
 * Calls placed before callgate was adopted, so that caps, abandonment rates and redial waits hold
 * from the first day. All rows or none, in one transaction with their trail event; a row imported
 * before (or twice in one file) is counted as a duplicate and adds nothing.
 */
export async function importAttempts(db: Db, tenantId: string, attempts: HistoricalAttempt[], importedBy: string): Promise<ImportResult> {
  const keys = attempts.map((a) => importKey(tenantId, a));
  const importId = newId('imp');
  const result = await trailOf(db).record(db, async (trx) => {
    const known = await knownKeys(trx, keys);
    const fresh: HistoricalAttempt[] = [];
    const rows = [];
    for (let i = 0; i < attempts.length; i++) {
      if (known.has(keys[i])) continue;
      known.add(keys[i]);
      fresh.push(attempts[i]);
      rows.push(toRow(tenantId, attempts[i], keys[i]));
    }
    // A concurrent import of the same rows may have won the race: its rows stand, these add nothing.
    for (let i = 0; i < rows.length; i += CHUNK) await trx('call_attempts').insert(rows.slice(i, i + CHUNK)).onConflict('import_key').ignore();
    const counts = { importId, inserted: rows.length, duplicates: attempts.length - rows.length };
    return { result: counts, events: [importEvent(importId, tenantId, attempts, keys, counts, importedBy), ...fresh.map((a) => callEvent(importId, tenantId, a))] };
  });
  for (const id of new Set(attempts.map((a) => a.campaignId))) if (id) forgetCampaignOutcomes(id);
  return result;
}
