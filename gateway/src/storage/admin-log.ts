import type { Db } from './db';

export interface Actor {
  subject: string;
  role: string;
  tenantId: string | null;
}

/** Every management and auditor action, who did it, for which tenant and to what. */
export async function logAction(db: Db, actor: Actor, action: string, target: string | null, details: unknown, tenantId = actor.tenantId): Promise<void> {
  await db('admin_actions').insert({
    at: Date.now(),
    actor: actor.subject,
    role: actor.role,
    tenant_id: tenantId,
    action,
    target,
    details: details === undefined ? null : JSON.stringify(details),
  });
}
