import { createUser, type UserRole } from '../api/users';
import type { TestGateway } from '../../gateway/test/support/gateway';

export const PASSWORD = 'correct horse battery staple';

/** The people of a deployment: the operator's officers and auditor, and one tenant's own people. */
export async function createPeople(gw: TestGateway, tenantId: string): Promise<void> {
  const people: [string, UserRole, string | null, string][] = [
    ['carol', 'compliance', null, 'Carol Chen'],
    ['dave', 'compliance', null, 'Dave Du'],
    ['olga', 'admin', null, 'Olga Ops'],
    ['erin', 'auditor', tenantId, 'Erin Ernst'],
    ['tina', 'compliance', tenantId, 'Tina Tan'],
  ];
  for (const [username, role, tenant, displayName] of people) {
    await createUser(gw.gate.db, { username, role, tenantId: tenant, password: PASSWORD, displayName }, 'test');
  }
}

export async function signIn(gw: { call: TestGateway['call'] }, username: string, password = PASSWORD): Promise<string> {
  const res = await gw.call('POST', '/admin/api/session', null, { username, password });
  if (res.statusCode !== 201) throw new Error(`sign-in of ${username} answered ${res.statusCode}: ${res.body}`);
  return res.json().token;
}

/** The 5-minute per-callee window of the CN pack lowered from 3 calls to `max`. */
export function capParams(max: number) {
  return { scope: 'callee_per_tenant', windows: [{ seconds: 86400, max: 5 }, { seconds: 300, max }] };
}
