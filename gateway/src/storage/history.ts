import type { Db } from './db';

export interface HistoricalAttempt {
  callee: string;
  caller: string | null;
  campaignId: string | null;
  attemptedAt: number;
}

const CHUNK = 500;

/** Calls placed before callgate was adopted, so that frequency caps hold from the first day. */
export async function importAttempts(db: Db, tenantId: string, attempts: HistoricalAttempt[]): Promise<number> {
  const rows = attempts.map((a) => ({
    decision_id: null,
    tenant_id: tenantId,
    campaign_id: a.campaignId,
    caller: a.caller,
    callee: a.callee,
    attempted_at: a.attemptedAt,
    source: 'import',
  }));
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += CHUNK) await trx('call_attempts').insert(rows.slice(i, i + CHUNK));
  });
  return rows.length;
}
