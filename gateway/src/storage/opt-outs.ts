import type { TrailEvent } from '../audit/events';
import { trailOf } from '../audit/trail';
import type { OptOutScope } from '../engine/types';
import type { Db } from './db';
import { newId } from './ids';

export const OPT_OUT_SOURCES = ['keypress', 'agent', 'sms_reply', 'complaint', 'api', 'email', 'web'] as const;
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];

export interface OptOutInput {
  callee: string;
  scope: OptOutScope;
  /** Null only for a refusal of every tenant on the gateway. */
  tenantId: string | null;
  brandId: string | null;
  campaignId: string | null;
  source: OptOutSource;
  note: string | null;
}

/** The receipt a callee (or their agent) is owed: what was refused, and from which instant. */
export interface OptOutReceipt extends OptOutInput {
  id: string;
  receivedAt: number;
  effectiveAt: number;
  recordedBy: string;
}

type Row = Record<string, any>;

const toReceipt = (r: Row): OptOutReceipt => ({
  id: r.id,
  callee: r.callee,
  scope: r.scope,
  tenantId: r.tenant_id,
  brandId: r.brand_id,
  campaignId: r.campaign_id,
  source: r.source,
  note: r.note,
  receivedAt: Number(r.received_at),
  effectiveAt: Number(r.effective_at),
  recordedBy: r.recorded_by,
});

/**
 * Stored and committed before the receipt is returned: from then on every decision, on every
 * instance, reads it (decisions read committed opt-outs inside their own transaction).
 */
export async function recordOptOut(db: Db, input: OptOutInput, recordedBy: string, receivedAt = Date.now()): Promise<OptOutReceipt> {
  return trailOf(db).record(db, async (trx) => {
    const receipt = await insertOptOut(trx, input, recordedBy, receivedAt);
    return { result: receipt, events: [optOutEvent(receipt)] };
  });
}

/** Inserts the refusal in the caller's transaction; the caller records optOutEvent in it too. */
export async function insertOptOut(trx: Db, input: OptOutInput, recordedBy: string, receivedAt = Date.now()): Promise<OptOutReceipt> {
  const row = {
    id: newId('opt'),
    callee: input.callee,
    scope: input.scope,
    tenant_id: input.tenantId,
    brand_id: input.brandId,
    campaign_id: input.campaignId,
    source: input.source,
    note: input.note,
    received_at: receivedAt,
    effective_at: receivedAt,
    recorded_by: recordedBy,
  };
  await trx('opt_outs').insert(row);
  return toReceipt(row);
}

/** The receipt, with its effective instant, as the trail keeps it. */
export function optOutEvent(receipt: OptOutReceipt): TrailEvent {
  return { type: 'opt_out.received', at: receipt.receivedAt, tenantId: receipt.tenantId, campaignId: receipt.campaignId, callee: receipt.callee, subjectId: receipt.id, payload: { receipt } };
}

/** Refusals of one callee that a tenant may see: its own and those addressed to every tenant. */
export async function listOptOuts(db: Db, tenantId: string, callee: string): Promise<OptOutReceipt[]> {
  const rows = await db('opt_outs')
    .where({ callee })
    .andWhere((q) => q.where({ tenant_id: tenantId }).orWhereNull('tenant_id'))
    .orderBy('received_at');
  return rows.map(toReceipt);
}
