import { trailOf } from '../audit/trail';
import type { Db } from './db';

export interface Actor {
  subject: string;
  role: string;
  tenantId: string | null;
}

/**
 * Every management and auditor action, who did it, for which tenant and to what: a row of
 * admin_actions and an event of the tamper-evident trail, in one transaction. A read of one
 * person's data names the person (callee), so their trail shows who looked at it.
 */
export async function logAction(
  db: Db,
  actor: Actor,
  action: string,
  target: string | null,
  details: unknown,
  tenantId = actor.tenantId,
  callee: string | null = null,
): Promise<void> {
  const at = Date.now();
  await trailOf(db).record(db, async (trx) => {
    await trx('admin_actions').insert({
      at,
      actor: actor.subject,
      role: actor.role,
      tenant_id: tenantId,
      action,
      target,
      details: details === undefined ? null : JSON.stringify(details),
    });
    return {
      result: undefined,
      events: [{ type: 'admin.action', at, tenantId, callee, subjectId: target, payload: { actor: actor.subject, role: actor.role, tenantId, action, target, details: details ?? null } }],
    };
  });
}
