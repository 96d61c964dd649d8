import { trailOf } from '../audit/trail';
import type { GroupFacts } from '../engine/types';
import { AppError } from '../errors';
import type { Db } from './db';
import { newId } from './ids';
import { parseJson } from './json';

/**
 * Affiliates under common control (a parent and its subsidiaries), entered by the operator with the
 * evidence of control. Whether a refusal given to one binds the others is the pack's to say; a
 * consent never travels to an affiliate.
 */
export interface TenantGroup {
  id: string;
  name: string;
  evidence: unknown;
  createdBy: string;
  createdAt: number;
  members: TenantGroupMember[];
}

export interface TenantGroupMember {
  tenantId: string;
  tenantName: string;
  evidence: unknown;
  addedBy: string;
  addedAt: number;
}

type Row = Record<string, any>;

const toMember = (r: Row): TenantGroupMember => ({ tenantId: r.tenant_id, tenantName: r.legal_name, evidence: parseJson(r.evidence, null), addedBy: r.added_by, addedAt: Number(r.added_at) });

export async function createTenantGroup(db: Db, input: { name: string; evidence: unknown }, by: string): Promise<TenantGroup> {
  const row = { id: newId('grp'), name: input.name, evidence: JSON.stringify(input.evidence), created_by: by, created_at: Date.now() };
  const group: TenantGroup = { id: row.id, name: row.name, evidence: input.evidence, createdBy: by, createdAt: row.created_at, members: [] };
  return trailOf(db).record(db, async (trx) => {
    await trx('tenant_groups').insert(row);
    return { result: group, events: [{ type: 'tenant_group.created', at: row.created_at, tenantId: null, subjectId: row.id, payload: { group } }] };
  });
}

/** Adds a tenant to a group; from the next decision on, refusals given to its affiliates reach it where a pack says so. */
export async function addTenantGroupMember(db: Db, groupId: string, input: { tenantId: string; evidence: unknown }, by: string): Promise<TenantGroup> {
  const tenant = await db('tenants').where({ id: input.tenantId }).first();
  if (!tenant) throw new AppError('TENANT_NOT_FOUND', `No tenant ${input.tenantId}`);
  await getTenantGroup(db, groupId);
  const row = { tenant_id: input.tenantId, group_id: groupId, evidence: JSON.stringify(input.evidence), added_by: by, added_at: Date.now() };
  await trailOf(db).record(db, async (trx) => {
    const held = await trx('tenant_group_members').where({ tenant_id: input.tenantId }).first();
    if (held) throw new AppError('TENANT_IN_GROUP', `Tenant ${input.tenantId} already belongs to group ${held.group_id}`);
    await trx('tenant_group_members').insert(row);
    const member = toMember({ ...row, legal_name: tenant.legal_name });
    return { result: member, events: [{ type: 'tenant_group.member_added', at: row.added_at, tenantId: input.tenantId, subjectId: groupId, payload: { groupId, member } }] };
  });
  return getTenantGroup(db, groupId);
}

export async function getTenantGroup(db: Db, id: string): Promise<TenantGroup> {
  const row = await db('tenant_groups').where({ id }).first();
  if (!row) throw new AppError('TENANT_GROUP_NOT_FOUND', `No tenant group ${id}`);
  return (await withMembers(db, [row]))[0];
}

export async function listTenantGroups(db: Db): Promise<TenantGroup[]> {
  return withMembers(db, await db('tenant_groups').orderBy('created_at'));
}

async function withMembers(db: Db, rows: Row[]): Promise<TenantGroup[]> {
  const members: Row[] = rows.length
    ? await db('tenant_group_members as m').join('tenants as t', 't.id', 'm.tenant_id').whereIn('m.group_id', rows.map((r) => r.id)).orderBy('m.added_at').select('m.*', 't.legal_name')
    : [];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    evidence: parseJson(r.evidence, null),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    members: members.filter((m) => m.group_id === r.id).map(toMember),
  }));
}

/** The group of each of the batch's tenants that has one, with every member's name: one query per batch. */
export async function groupsOf(q: Db, tenantIds: string[]): Promise<Map<string, GroupFacts>> {
  const result = new Map<string, GroupFacts>();
  if (tenantIds.length === 0) return result;
  const rows: Row[] = await q('tenant_group_members as mine')
    .join('tenant_group_members as m', 'm.group_id', 'mine.group_id')
    .join('tenant_groups as g', 'g.id', 'm.group_id')
    .join('tenants as t', 't.id', 'm.tenant_id')
    .whereIn('mine.tenant_id', tenantIds)
    .select('mine.tenant_id as of', 'g.id as group_id', 'g.name as group_name', 'm.tenant_id', 't.legal_name');
  for (const r of rows) {
    const group: GroupFacts = result.get(r.of) ?? { id: r.group_id, name: r.group_name, members: [] };
    group.members.push({ tenantId: r.tenant_id, name: r.legal_name });
    result.set(r.of, group);
  }
  return result;
}
