import { decisionPayloadHead } from '../decisions/record';
import type { EventType } from './events';

/** A row as the trail says it should be: column name to value. */
export type Expected = Record<string, unknown>;

interface SubjectEventLike {
  type: string;
  payload: unknown;
  startsWith(prefix: string): boolean;
}

/**
 * How one table the engine reads is bound to the trail: which events create and change its rows,
 * which columns the engine (or the decision path) reads, and how an event's payload gives them.
 */
export interface Binding {
  table: 'decisions' | 'consents' | 'opt_outs' | 'call_outcomes';
  key: string;
  /** The first type creates a row; the others change it. */
  types: EventType[];
  fields: { column: string; kind: 'text' | 'int' | 'bool' | 'json' }[];
  /** The event whose payload the row must match now. */
  latest<E extends SubjectEventLike>(events: E[]): E;
  /** The row's id named inside the payload (the subject column itself is not hashed). */
  idOf(payload: unknown): unknown;
  expected(payload: unknown): Expected;
  /** Columns read besides the compared fields, for `agrees`. */
  extraColumns?: string[];
  /**
   * A shortcut for the common case, without parsing the event: true when the row certainly agrees
   * with its only event; false sends it to the field-by-field comparison.
   */
  agrees?(row: Record<string, any>, event: SubjectEventLike): boolean;
}

type Json = Record<string, any>;
const last = <E>(events: E[]): E => events[events.length - 1];

const decisions: Binding = {
  table: 'decisions',
  key: 'id',
  types: ['decision'],
  fields: [
    { column: 'tenant_id', kind: 'text' },
    { column: 'campaign_id', kind: 'text' },
    { column: 'callee', kind: 'text' },
    { column: 'caller', kind: 'text' },
    { column: 'allow', kind: 'bool' },
    { column: 'decided_at', kind: 'int' },
    { column: 'next_allowed_at', kind: 'int' },
    { column: 'policy_revision', kind: 'text' },
    { column: 'reasons', kind: 'json' },
    { column: 'rule_ids', kind: 'json' },
  ],
  latest: last,
  extraColumns: ['instance_id'],
  // The event's payload was assembled from the row's columns: its head is a pure function of them.
  agrees: (row, event) => event.startsWith(decisionPayloadHead(row as Parameters<typeof decisionPayloadHead>[0])),
  idOf: (p) => (p as Json).decision?.id,
  expected(p) {
    const d = (p as Json).decision;
    return {
      tenant_id: d.call?.tenantId,
      campaign_id: d.call?.campaignId,
      callee: d.call?.callee,
      caller: d.call?.caller,
      allow: d.allow,
      decided_at: d.decidedAt,
      next_allowed_at: d.nextAllowedAt,
      policy_revision: d.policyRevision,
      reasons: d.reasons,
      rule_ids: d.ruleIds,
    };
  },
};

const consents: Binding = {
  table: 'consents',
  key: 'id',
  types: ['consent.given', 'consent.revoked'],
  fields: [
    { column: 'tenant_id', kind: 'text' },
    { column: 'brand_id', kind: 'text' },
    { column: 'callee', kind: 'text' },
    { column: 'purpose', kind: 'text' },
    { column: 'modes', kind: 'json' },
    { column: 'obtained_at', kind: 'int' },
    { column: 'expires_at', kind: 'int' },
    { column: 'revoked_at', kind: 'int' },
  ],
  // A revocation is final: it wins over a grant recorded at the same millisecond.
  latest: (events) => events.find((e) => e.type === 'consent.revoked') ?? last(events),
  idOf: (p) => (p as Json).consent?.id,
  expected(p) {
    const c = (p as Json).consent;
    return {
      tenant_id: c.tenantId,
      brand_id: c.brandId,
      callee: c.callee,
      purpose: c.purpose,
      modes: c.modes,
      obtained_at: c.obtainedAt,
      expires_at: c.expiresAt,
      revoked_at: c.revokedAt,
    };
  },
};

/** Every column: a row missing or altered is restored from its event. */
export const OPT_OUT_COLUMNS = ['callee', 'scope', 'tenant_id', 'brand_id', 'campaign_id', 'source', 'note', 'received_at', 'effective_at', 'recorded_by'] as const;

const optOuts: Binding = {
  table: 'opt_outs',
  key: 'id',
  types: ['opt_out.received'],
  fields: [
    { column: 'callee', kind: 'text' },
    { column: 'scope', kind: 'text' },
    { column: 'tenant_id', kind: 'text' },
    { column: 'brand_id', kind: 'text' },
    { column: 'campaign_id', kind: 'text' },
    { column: 'received_at', kind: 'int' },
    { column: 'effective_at', kind: 'int' },
  ],
  latest: last,
  idOf: (p) => (p as Json).receipt?.id,
  expected(p) {
    const r = (p as Json).receipt;
    return {
      callee: r.callee,
      scope: r.scope,
      tenant_id: r.tenantId,
      brand_id: r.brandId,
      campaign_id: r.campaignId,
      source: r.source,
      note: r.note,
      received_at: r.receivedAt,
      effective_at: r.effectiveAt,
      recorded_by: r.recordedBy,
    };
  },
};

const outcomes: Binding = {
  table: 'call_outcomes',
  key: 'decision_id',
  types: ['call.outcome'],
  fields: [
    { column: 'tenant_id', kind: 'text' },
    { column: 'outcome', kind: 'text' },
    { column: 'ended_at', kind: 'int' },
    { column: 'duration_seconds', kind: 'int' },
    { column: 'refused', kind: 'bool' },
    { column: 'opt_out_id', kind: 'text' },
    { column: 'answer_machine', kind: 'bool' },
    { column: 'info_message', kind: 'bool' },
  ],
  // The dialer's completion of a row signalling wrote is its final state.
  latest: (events) => [...events].reverse().find((e) => (e.payload as Json | null)?.completes !== undefined) ?? last(events),
  idOf: (p) => (p as Json).outcome?.decision_id,
  expected(p) {
    const o = (p as Json).outcome;
    return { tenant_id: o.tenant_id, outcome: o.outcome, ended_at: o.ended_at, duration_seconds: o.duration_seconds, refused: o.refused, opt_out_id: o.opt_out_id, answer_machine: o.answer_machine ?? null, info_message: o.info_message ?? null };
  },
};

/** The tables the engine and the decision path read, each bound to the events that write it. */
export const BINDINGS: Binding[] = [consents, optOuts, decisions, outcomes];
export const OPT_OUTS = optOuts;
