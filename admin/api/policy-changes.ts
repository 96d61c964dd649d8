import type { Knex } from 'knex';
import { AppError } from '../../gateway/src/errors';
import { trailOf } from '../../gateway/src/audit/trail';
import { compilePolicy, PolicyError } from '../../gateway/src/policy/loader';
import type { PolicyStore } from '../../gateway/src/policy/store';
import type { CompiledPolicy, PackRule, PolicyPack } from '../../gateway/src/policy/types';
import { isMysql, type Db } from '../../gateway/src/storage/db';
import { newId } from '../../gateway/src/storage/ids';
import { parseJson } from '../../gateway/src/storage/json';
import { diffPacks, type DiffEntry } from './pack-diff';
import { compositionProblems, weakeningProblems } from './policy-guards';
import { plainSchemaProblems } from './plain-errors';

export type ChangeStatus = 'draft' | 'published' | 'rejected' | 'superseded';

export interface PolicyChange {
  id: string;
  packId: string;
  kind: 'edit' | 'rollback';
  baseRevisionId: string;
  revisionId: string;
  content: PolicyPack;
  diff: DiffEntry[];
  reason: string;
  author: string;
  status: ChangeStatus;
  createdAt: number;
  reviewedBy: string | null;
  reviewedAt: number | null;
  reviewNote: string | null;
}

type Row = Record<string, any>;

const toChange = (r: Row): PolicyChange => ({
  id: r.id,
  packId: r.pack_id,
  kind: r.kind,
  baseRevisionId: r.base_revision_id,
  revisionId: r.revision_id,
  content: parseJson(r.content, null as unknown as PolicyPack),
  diff: parseJson(r.diff, []),
  reason: r.reason,
  author: r.author,
  status: r.status,
  createdAt: Number(r.created_at),
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at === null ? null : Number(r.reviewed_at),
  reviewNote: r.review_note,
});

/** Validates a candidate pack and compiles it; every problem in plain words. */
export function compileCandidate(pack: PolicyPack): CompiledPolicy {
  const problems = plainSchemaProblems(pack);
  if (problems.length > 0) throw new AppError('POLICY_INVALID', problems.join('; '), { problems });
  try {
    return compilePolicy(pack);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    throw new AppError('POLICY_INVALID', error.problems.join('; '), { problems: error.problems });
  }
}

/**
 * What a candidate may not do to the pack in force, checked when drafted and again when approved:
 * switch off opt-outs or a registry that must be loaded, or break the packs it is composed with.
 */
export function refuseUnsafeCandidate(base: CompiledPolicy, candidate: CompiledPolicy, packs: Map<string, CompiledPolicy>, campaignPackLists: string[][]): void {
  const problems = [...weakeningProblems(base.pack, candidate.pack), ...compositionProblems(candidate, packs, campaignPackLists)];
  if (problems.length > 0) throw new AppError('POLICY_INVALID', problems.join('; '), { problems });
}

/** The distinct lists of several packs campaigns name (one query; campaigns naming one pack compose nothing more). */
async function campaignPackLists(q: Knex | Knex.Transaction): Promise<string[][]> {
  const rows: Row[] = await q('campaigns').whereNotNull('policy_packs').distinct('policy_packs');
  const lists = rows.map((r) => parseJson<string[] | null>(r.policy_packs, null)).filter((l): l is string[] => Array.isArray(l) && l.length > 1);
  return [...new Map(lists.map((l) => [l.join(','), l])).values()];
}

async function inForce(store: PolicyStore, packId: string, q?: Knex | Knex.Transaction): Promise<CompiledPolicy> {
  const policy = (await store.current(q)).get(packId);
  if (!policy) throw new AppError('POLICY_PACK_NOT_FOUND', `No policy pack "${packId}"`);
  return policy;
}

/** "2026.11.1" → "2026.11.1-r3": the label says the pack was edited here, the hash says how. */
async function nextLabel(db: Db, base: PolicyPack): Promise<string> {
  const [{ n }] = await db('policy_changes').where({ pack_id: base.id, kind: 'edit' }).count({ n: '*' });
  return `${base.revision.replace(/-r\d+$/, '')}-r${Number(n) + 1}`;
}

async function insertDraft(db: Db, store: PolicyStore, base: CompiledPolicy, candidate: PolicyPack, kind: PolicyChange['kind'], reason: string, author: string): Promise<PolicyChange> {
  const compiled = compileCandidate(candidate);
  if (compiled.revisionId === base.revisionId) throw new AppError('POLICY_INVALID', 'The change leaves the pack exactly as it is in force');
  refuseUnsafeCandidate(base, compiled, await store.current(), await campaignPackLists(db));
  const row = {
    id: newId('pch'),
    pack_id: base.pack.id,
    kind,
    base_revision_id: base.revisionId,
    revision_id: compiled.revisionId,
    content: JSON.stringify(compiled.pack),
    diff: JSON.stringify(diffPacks(base.pack, compiled.pack)),
    reason,
    author,
    status: 'draft',
    created_at: Date.now(),
    reviewed_by: null,
    reviewed_at: null,
    review_note: null,
  };
  await db('policy_changes').insert(row);
  return toChange(row);
}

export interface RuleEdit {
  packId: string;
  ruleId: string;
  params: unknown;
  effectiveFrom?: string;
  effectiveUntil?: string | null;
  reason: string;
}

/** A draft that changes one rule of the pack in force; nothing takes effect until a second officer approves. */
export async function draftRuleEdit(db: Db, store: PolicyStore, edit: RuleEdit, author: string): Promise<PolicyChange> {
  const base = await inForce(store, edit.packId);
  const candidate = structuredClone(base.pack);
  const rule = candidate.rules.find((r) => r.id === edit.ruleId) as (PackRule & { effectiveUntil?: string }) | undefined;
  if (!rule) throw new AppError('POLICY_INVALID', `The pack "${edit.packId}" has no rule ${edit.ruleId}`);
  rule.params = edit.params as never;
  if (edit.effectiveFrom) rule.effectiveFrom = edit.effectiveFrom;
  if (edit.effectiveUntil === null) delete rule.effectiveUntil;
  else if (edit.effectiveUntil) rule.effectiveUntil = edit.effectiveUntil;
  candidate.revision = await nextLabel(db, base.pack);
  return insertDraft(db, store, base, candidate, 'edit', edit.reason, author);
}

/** A draft that restores a revision once in force (from a file or published); it too needs approval. */
export async function draftRollback(db: Db, store: PolicyStore, packId: string, toRevisionId: string, reason: string, author: string): Promise<PolicyChange> {
  const base = await inForce(store, packId);
  const old = await db('policy_revisions').where({ revision_id: toRevisionId, pack_id: packId }).first();
  if (!old) throw new AppError('POLICY_INVALID', `The pack "${packId}" never had revision ${toRevisionId}`);
  return insertDraft(db, store, base, JSON.parse(old.content), 'rollback', reason, author);
}

async function lockedDraft(trx: Knex | Knex.Transaction, id: string): Promise<Row> {
  const q = trx('policy_changes').where({ id });
  const row = await (isMysql(trx as unknown as Db) ? q.forUpdate() : q).first();
  if (!row) throw new AppError('POLICY_CHANGE_NOT_FOUND', `No policy change ${id}`);
  if (row.status !== 'draft') throw new AppError('POLICY_CHANGE_CLOSED', `The change ${id} is ${row.status}`);
  return row;
}

/**
 * Four eyes: a second compliance officer publishes the draft. In one transaction the revision
 * becomes the pack in force and the version number every instance watches moves on.
 */
export async function approveChange(db: Db, store: PolicyStore, id: string, approver: string, note: string | null): Promise<PolicyChange> {
  const published = await trailOf(db).record(db, async (trx) => {
    // The version row serialises publications, so two drafts on one base cannot both pass the check.
    const versionQuery = trx('policy_version').where({ id: 1 });
    await (isMysql(db) ? versionQuery.forUpdate() : versionQuery).first();
    const row = await lockedDraft(trx, id);
    if (row.author === approver) throw new AppError('FOUR_EYES', `${approver} drafted this change and cannot approve it; another compliance officer must`);
    const current = await inForce(store, row.pack_id, trx);
    if (current.revisionId !== row.base_revision_id) {
      throw new AppError('POLICY_CHANGE_STALE', `The change was drafted on ${row.base_revision_id}; ${current.revisionId} is in force now. Draft it again.`);
    }
    // Checked again: dates move on, and the packs it is composed with may have changed since the draft.
    refuseUnsafeCandidate(current, compileCandidate(parseJson(row.content, null as unknown as PolicyPack)), await store.current(trx), await campaignPackLists(trx));
    const now = Date.now();
    await trx('policy_revisions').insert({ revision_id: row.revision_id, pack_id: row.pack_id, content: row.content, created_at: now }).onConflict('revision_id').ignore();
    await trx('policy_changes').where({ pack_id: row.pack_id, status: 'published' }).update({ status: 'superseded' });
    await trx('policy_changes').where({ id }).update({ status: 'published', reviewed_by: approver, reviewed_at: now, review_note: note });
    await trx('policy_active').where({ pack_id: row.pack_id }).delete();
    await trx('policy_active').insert({ pack_id: row.pack_id, revision_id: row.revision_id, change_id: id, published_at: now });
    await trx('policy_version').where({ id: 1 }).increment('version', 1);
    const payload = { changeId: id, packId: row.pack_id, revisionId: row.revision_id, baseRevisionId: row.base_revision_id, kind: row.kind, reason: row.reason, author: row.author, approver, note, content: row.content };
    return {
      result: { ...row, status: 'published', reviewed_by: approver, reviewed_at: now, review_note: note },
      events: [{ type: 'policy.published', at: now, tenantId: null, subjectId: row.revision_id, payload }],
    };
  });
  await store.current();
  return toChange(published);
}

export async function rejectChange(db: Db, id: string, reviewer: string, note: string): Promise<PolicyChange> {
  return db.transaction(async (trx) => {
    const row = await lockedDraft(trx, id);
    const now = Date.now();
    await trx('policy_changes').where({ id }).update({ status: 'rejected', reviewed_by: reviewer, reviewed_at: now, review_note: note });
    return toChange({ ...row, status: 'rejected', reviewed_by: reviewer, reviewed_at: now, review_note: note });
  });
}

export async function getChange(db: Db, id: string): Promise<PolicyChange> {
  const row = await db('policy_changes').where({ id }).first();
  if (!row) throw new AppError('POLICY_CHANGE_NOT_FOUND', `No policy change ${id}`);
  return toChange(row);
}

export async function listChanges(db: Db, packId?: string): Promise<PolicyChange[]> {
  const q = db('policy_changes').orderBy('created_at', 'desc').limit(200);
  if (packId) q.where({ pack_id: packId });
  return (await q).map(toChange);
}

export interface RevisionSummary {
  revisionId: string;
  packId: string;
  label: string;
  firstSeenAt: number;
  inForce: boolean;
}

/** Every revision a pack ever had in force or drafted and published, newest first: what a rollback can restore. */
export async function listRevisions(db: Db, store: PolicyStore, packId: string): Promise<RevisionSummary[]> {
  const current = (await store.current()).get(packId)?.revisionId;
  const rows = await db('policy_revisions').where({ pack_id: packId }).orderBy('created_at', 'desc').select('revision_id', 'pack_id', 'created_at', 'content');
  return rows.map((r: Row) => ({
    revisionId: r.revision_id,
    packId: r.pack_id,
    label: parseJson<{ revision?: string }>(r.content, {}).revision ?? '',
    firstSeenAt: Number(r.created_at),
    inForce: r.revision_id === current,
  }));
}
