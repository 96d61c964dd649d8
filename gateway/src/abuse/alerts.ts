import type { Db } from '../storage/db';
import { newId } from '../storage/ids';

export type AlertKind = 'abuse.nearing' | 'abuse.suspended' | 'abuse.observed' | 'abuse.lifted' | 'consent.flagged';

/** Written in the caller's transaction, so the alert exists exactly when what it reports does. */
export async function raiseAlert(trx: Db, kind: AlertKind, tenantId: string, payload: unknown, now = Date.now()): Promise<string> {
  const id = newId('alr');
  await trx('abuse_alerts').insert({ id, kind, tenant_id: tenantId, payload: JSON.stringify({ id, kind, at: new Date(now).toISOString(), tenantId, ...(payload as object) }), created_at: now });
  return id;
}
