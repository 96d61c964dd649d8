import { trailOf } from '../audit/trail';
import type { KnownLocation } from '../engine/types';
import type { Db } from './db';
import { newId } from './ids';

/**
 * A tenant's record of where a callee is (their address on file). The newest observation is what a
 * decision uses when the call itself names no location; every record is on the trail, since it can
 * turn a refusal into an allowed call.
 */
export interface CalleeLocation extends KnownLocation {
  id: string;
  tenantId: string;
  callee: string;
  observedAt: number;
  recordedBy: string;
  createdAt: number;
}

type Row = Record<string, any>;

function knownOf(r: Row): KnownLocation {
  const location: KnownLocation = { source: r.source, observedAt: Number(r.observed_at) };
  if (r.subdivision) location.subdivision = r.subdivision;
  if (r.time_zone) location.timeZone = r.time_zone;
  if (r.postal_code) location.postalCode = r.postal_code;
  return location;
}

const toLocation = (r: Row): CalleeLocation => ({
  id: r.id,
  tenantId: r.tenant_id,
  callee: r.callee,
  ...knownOf(r),
  observedAt: Number(r.observed_at),
  recordedBy: r.recorded_by,
  createdAt: Number(r.created_at),
});

export async function createCalleeLocation(db: Db, tenantId: string, callee: string, location: KnownLocation & { observedAt: number }, recordedBy: string): Promise<CalleeLocation> {
  const row = {
    id: newId('loc'),
    tenant_id: tenantId,
    callee,
    subdivision: location.subdivision ?? null,
    time_zone: location.timeZone ?? null,
    postal_code: location.postalCode ?? null,
    source: location.source,
    observed_at: location.observedAt,
    recorded_by: recordedBy,
    created_at: Date.now(),
  };
  const record = toLocation(row);
  return trailOf(db).record(db, async (trx) => {
    await trx('callee_locations').insert(row);
    return { result: record, events: [{ type: 'callee_location.recorded', at: row.created_at, tenantId, callee, subjectId: row.id, payload: { calleeLocation: record } }] };
  });
}

export async function listCalleeLocations(db: Db, tenantId: string, callee: string): Promise<CalleeLocation[]> {
  return (await db('callee_locations').where({ tenant_id: tenantId, callee }).orderBy([{ column: 'observed_at', order: 'desc' }, { column: 'created_at', order: 'desc' }])).map(toLocation);
}

/** The newest known location per tenant and callee of a batch: one query per batch. */
export async function calleeLocationsOf(q: Db, callees: string[], tenantIds: string[]): Promise<Map<string, KnownLocation>> {
  const found = new Map<string, KnownLocation>();
  if (callees.length === 0) return found;
  const rows = await q('callee_locations')
    .whereIn('callee', callees)
    .whereIn('tenant_id', tenantIds)
    .orderBy([{ column: 'observed_at', order: 'desc' }, { column: 'created_at', order: 'desc' }])
    .select('tenant_id', 'callee', 'subdivision', 'time_zone', 'postal_code', 'source', 'observed_at');
  for (const r of rows as Row[]) {
    const key = `${r.tenant_id} ${r.callee}`;
    if (!found.has(key)) found.set(key, knownOf(r));
  }
  return found;
}
