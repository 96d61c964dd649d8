import { useState } from 'preact/hooks';
import { fmtTime, get, post, query } from '../api';
import { Badge, Card, ErrorBox, Field, useLoad } from '../components/ui';
import type { PageProps } from '../main';

export function UsersPage({ session, tenantId }: PageProps) {
  const users = useLoad(() => get(`/admin/api/users${query({ tenantId })}`), [tenantId]);
  const tenants = useLoad(() => get('/admin/api/tenants'));
  const tenantName = (id: string) => tenants.data?.tenants.find((t: any) => t.id === id)?.legalName ?? id;
  const [form, setForm] = useState({ username: '', displayName: '', role: 'compliance', password: '' });
  const [error, setError] = useState<unknown>(null);
  const set = (key: string) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await post('/admin/api/users', { ...form, tenantId: session.user.tenantId ?? tenantId });
      setForm({ username: '', displayName: '', role: 'compliance', password: '' });
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const toggle = async (u: any) => {
    try {
      await post(`/admin/api/users/${u.id}/disabled`, { disabled: !u.disabledAt });
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      <h1>Users</h1>
      <Card title="People who sign in">
        <ErrorBox error={users.error} />
        <table>
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Tenant</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data?.users.map((u: any) => (
              <tr>
                <td>
                  {u.displayName} <span class="muted">({u.username})</span>
                </td>
                <td>{u.role}</td>
                <td>{u.tenantId ? tenantName(u.tenantId) : <span class="muted">gateway operator</span>}</td>
                <td>
                  {fmtTime(u.createdAt)} <span class="muted">by {u.createdBy}</span>
                </td>
                <td>
                  {u.disabledAt && <Badge kind="deny">disabled</Badge>}{' '}
                  {u.username !== session.user.username && (
                    <button class="small" onClick={() => toggle(u)}>
                      {u.disabledAt ? 'Enable' : 'Disable'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title={`Add a user ${session.user.tenantId || tenantId ? 'to this tenant' : 'of the gateway operator'}`}>
        <form class="row" onSubmit={create}>
          <Field label="User name">
            <input name="newUsername" value={form.username} onInput={set('username')} required />
          </Field>
          <Field label="Full name">
            <input name="newDisplayName" value={form.displayName} onInput={set('displayName')} />
          </Field>
          <Field label="Role" hint="compliance edits, auditor reads and exports, admin manages users">
            <select name="newRole" value={form.role} onChange={set('role')}>
              <option value="compliance">compliance</option>
              <option value="auditor">auditor</option>
              <option value="admin">admin</option>
            </select>
          </Field>
          <Field label="Initial password" hint="At least 10 characters">
            <input name="newPassword" type="password" autocomplete="new-password" value={form.password} onInput={set('password')} required />
          </Field>
          <div class="field">
            <span class="field-label">&nbsp;</span>
            <button class="primary" type="submit">
              Add user
            </button>
          </div>
        </form>
        <ErrorBox error={error} />
      </Card>
    </div>
  );
}
