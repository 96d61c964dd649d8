import { trailOf } from '../audit/trail';
import type { RelationshipFacts } from '../engine/types';
import type { Db } from './db';
import { newId } from './ids';
import { parseJson } from './json';

/**
 * Established business relationships: the callee bought, leased or contracted (transaction), or
 * asked or applied (inquiry). Packs let them exempt a listed number for a number of months.
 */
export interface Relationship extends RelationshipFacts {
  id: string;
  callee: string;
  evidence: unknown;
  recordedBy: string;
  createdAt: number;
}

type Row = Record<string, any>;

const toRelationship = (r: Row): Relationship => ({
  id: r.id,
  tenantId: r.tenant_id,
  callee: r.callee,
  kind: r.kind,
  occurredAt: Number(r.occurred_at),
  evidence: parseJson(r.evidence, null),
  recordedBy: r.recorded_by,
  createdAt: Number(r.created_at),
});

export async function createRelationship(
  db: Db,
  tenantId: string,
  input: { callee: string; kind: 'transaction' | 'inquiry'; occurredAt: number; evidence: unknown },
  recordedBy: string,
): Promise<Relationship> {
  const row = {
    id: newId('ebr'),
    tenant_id: tenantId,
    callee: input.callee,
    kind: input.kind,
    occurred_at: input.occurredAt,
    evidence: JSON.stringify(input.evidence),
    recorded_by: recordedBy,
    created_at: Date.now(),
  };
  const relationship = toRelationship(row);
  // Evidence that waives a registry listing is evidence an auditor asks for, like a consent.
  return trailOf(db).record(db, async (trx) => {
    await trx('business_relationships').insert(row);
    return {
      result: relationship,
      events: [{ type: 'relationship.recorded', at: row.created_at, tenantId, callee: input.callee, subjectId: row.id, payload: { relationship } }],
    };
  });
}

export async function listRelationships(db: Db, tenantId: string, callee: string): Promise<Relationship[]> {
  return (await db('business_relationships').where({ tenant_id: tenantId, callee }).orderBy('occurred_at', 'desc')).map(toRelationship);
}

/** Relationships of the batch's callees with the batch's tenants: one query per batch. */
export async function relationshipsOf(q: Db, callees: string[], tenantIds: string[]): Promise<Map<string, RelationshipFacts[]>> {
  const rows = await q('business_relationships').whereIn('callee', callees).whereIn('tenant_id', tenantIds).select('callee', 'tenant_id', 'kind', 'occurred_at');
  const byCallee = new Map<string, RelationshipFacts[]>();
  for (const r of rows as Row[]) {
    const list = byCallee.get(r.callee) ?? [];
    list.push({ tenantId: r.tenant_id, kind: r.kind, occurredAt: Number(r.occurred_at) });
    byCallee.set(r.callee, list);
  }
  return byCallee;
}
