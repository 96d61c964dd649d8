import type { Role } from '../../gateway/src/auth/tokens';
import { AppError } from '../../gateway/src/errors';
import type { Db } from '../../gateway/src/storage/db';
import { newId } from '../../gateway/src/storage/ids';
import { DUMMY_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords';

/** The people who sign in to the admin UI; dialers use minted tokens, not accounts. */
export const USER_ROLES = ['compliance', 'auditor', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number] & Role;

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
  /** Null for the gateway operator's own staff. */
  tenantId: string | null;
  createdAt: number;
  createdBy: string;
  disabledAt: number | null;
}

type Row = Record<string, any>;

const toUser = (r: Row): AdminUser => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  tenantId: r.tenant_id,
  createdAt: Number(r.created_at),
  createdBy: r.created_by,
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
});

export interface NewUser {
  username: string;
  displayName?: string;
  role: UserRole;
  tenantId: string | null;
  password: string;
}

/** Plain-words reasons a new user cannot be created, or none. */
export function userProblems(input: NewUser): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9._@-]{2,99}$/i.test(input.username)) problems.push('The user name needs 3 to 100 letters, digits or . _ @ -');
  if (!USER_ROLES.includes(input.role)) problems.push(`The role must be one of ${USER_ROLES.join(', ')}`);
  if (input.password.length < MIN_PASSWORD_LENGTH) problems.push(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  return problems;
}

export async function createUser(db: Db, input: NewUser, createdBy: string): Promise<AdminUser> {
  const problems = userProblems(input);
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.join('; '));
  if (input.tenantId && !(await db('tenants').where({ id: input.tenantId }).first())) throw new AppError('TENANT_NOT_FOUND', `No tenant ${input.tenantId}`);
  if (await db('admin_users').where({ username: input.username }).first()) throw new AppError('USER_EXISTS', `A user named ${input.username} exists`);
  const row = {
    id: newId('usr'),
    username: input.username,
    display_name: input.displayName || input.username,
    role: input.role,
    tenant_id: input.tenantId,
    password_hash: await hashPassword(input.password),
    created_at: Date.now(),
    created_by: createdBy,
    disabled_at: null,
  };
  await db('admin_users').insert(row);
  return toUser(row);
}

/** The account's own name, when the database finds an account by this name (its collation decides). */
export async function storedUsername(db: Db, username: string): Promise<string | null> {
  const row = await db('admin_users').where({ username }).first('username');
  return row ? row.username : null;
}

/** The user, when the name and password match an enabled account; null otherwise, in the same time. */
export async function authenticate(db: Db, username: string, password: string): Promise<AdminUser | null> {
  const row = await db('admin_users').where({ username }).first();
  const matches = await verifyPassword(password, row ? row.password_hash : DUMMY_HASH);
  if (!row || !matches || row.disabled_at !== null) return null;
  return toUser(row);
}

export async function listUsers(db: Db, tenantId: string | null): Promise<AdminUser[]> {
  const q = db('admin_users').orderBy('username');
  if (tenantId) q.where({ tenant_id: tenantId });
  return (await q).map(toUser);
}

export async function setUserDisabled(db: Db, id: string, tenantId: string | null, disabled: boolean): Promise<AdminUser> {
  const q = db('admin_users').where({ id });
  if (tenantId) q.andWhere({ tenant_id: tenantId });
  const row = await q.first();
  if (!row) throw new AppError('USER_NOT_FOUND', `No user ${id}`);
  await db('admin_users').where({ id }).update({ disabled_at: disabled ? Date.now() : null });
  return toUser({ ...row, disabled_at: disabled ? Date.now() : null });
}
