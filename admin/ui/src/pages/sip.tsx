import { useState } from 'preact/hooks';
import { fmtTime, get, post, query } from '../api';
import { CampaignField } from '../components/campaign-field';
import { Badge, Card, ErrorBox, Field, Notice, useLoad } from '../components/ui';
import type { PageProps } from '../main';

const EMPTY = { username: '', defaultCampaignId: '', sources: '', certFingerprint: '', certSubject: '', description: '' };

/** The password of a new or rotated account: shown here once, never again (only its digests are stored). */
function OneTimePassword({ shown }: { shown: { username: string; password: string } | null }) {
  if (!shown) return null;
  return (
    <Notice kind="warn">
      Password of <strong>{shown.username}</strong>, shown this once — give it to the dialer now:{' '}
      <code data-testid="sip-password">{shown.password}</code>
    </Notice>
  );
}

/**
 * The dialers' SIP accounts (digest user name and password, or a TLS client certificate) of the
 * chosen tenant: created, rotated and revoked by the gateway operator's admins.
 */
export function SipPage({ tenantId }: PageProps) {
  const accounts = useLoad(() => get(`/v1/sip-accounts${query({ tenantId })}`), [tenantId]);
  const dialers = useLoad(() => get(`/v1/sip-dialers${query({ tenantId })}`), [tenantId]);
  const [form, setForm] = useState(EMPTY);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const set = (key: keyof typeof EMPTY) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const act = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
      accounts.reload();
    } catch (err) {
      setError(err);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    return act(async () => {
      const body: Record<string, unknown> = { tenantId, username: form.username.trim() };
      if (form.defaultCampaignId) body.defaultCampaignId = form.defaultCampaignId;
      if (form.sources.trim()) body.sources = form.sources.split(',').map((s) => s.trim()).filter(Boolean);
      if (form.certFingerprint.trim()) body.certFingerprint = form.certFingerprint.trim();
      if (form.certSubject.trim()) body.certSubject = form.certSubject.trim();
      if (form.description.trim()) body.description = form.description.trim();
      const created = await post('/v1/sip-accounts', body);
      setShown({ username: created.account.username, password: created.password });
      setForm(EMPTY);
    });
  };
  const rotate = (a: any) =>
    act(async () => {
      const rotated = await post(`/v1/sip-accounts/${a.id}/rotate`);
      setShown({ username: a.username, password: rotated.password });
    });
  const revoke = (a: any) =>
    act(async () => {
      if (!confirm(`Revoke ${a.username} for good? Its calls are refused from the next reload.`)) return;
      await post(`/v1/sip-accounts/${a.id}/revoke`);
      setShown(null);
    });
  return (
    <div>
      <h1>SIP dialers</h1>
      <OneTimePassword shown={shown} />
      <ErrorBox error={error} />
      <Card title="Dialer accounts (digest authentication, client certificates)">
        <ErrorBox error={accounts.error} />
        <table data-testid="sip-accounts">
          <thead>
            <tr>
              <th>User name</th>
              <th>Realm</th>
              <th>Also requires</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {accounts.data?.sipAccounts.map((a: any) => (
              <tr data-account={a.username}>
                <td>
                  {a.username} {a.description && <span class="muted">({a.description})</span>}
                </td>
                <td>{a.realm}</td>
                <td>
                  {a.sources?.join(', ') ?? <span class="muted">any source</span>}
                  {a.certFingerprint && <div class="muted">certificate {a.certFingerprint.slice(0, 16)}…</div>}
                  {a.certSubject && <div class="muted">certificate CN={a.certSubject}</div>}
                </td>
                <td>
                  {fmtTime(a.createdAt)} <span class="muted">by {a.createdBy}</span>
                  {a.rotatedAt && <div class="muted">rotated {fmtTime(a.rotatedAt)}</div>}
                </td>
                <td>
                  {a.revokedAt ? (
                    <Badge kind="deny">revoked</Badge>
                  ) : (
                    <>
                      <button class="small" onClick={() => rotate(a)}>
                        Rotate password
                      </button>{' '}
                      <button class="small" onClick={() => revoke(a)}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {tenantId ? (
        <Card title="Add a dialer account to this tenant">
          <form class="row" onSubmit={create}>
            <Field label="User name">
              <input name="sipUsername" value={form.username} onInput={set('username')} required pattern="[A-Za-z0-9._@+\-]+" />
            </Field>
            <CampaignField tenantId={tenantId} name="sipCampaign" value={form.defaultCampaignId} onChange={set('defaultCampaignId')} />
            <Field label="Source networks" hint="Optional second factor, e.g. 10.1.2.0/24, 192.0.2.7">
              <input name="sipSources" value={form.sources} onInput={set('sources')} />
            </Field>
            <Field label="Client certificate" hint="SHA-256 fingerprint (mutual TLS), optional">
              <input name="sipFingerprint" value={form.certFingerprint} onInput={set('certFingerprint')} />
            </Field>
            <Field label="or its common name">
              <input name="sipSubject" value={form.certSubject} onInput={set('certSubject')} />
            </Field>
            <div class="field">
              <span class="field-label">&nbsp;</span>
              <button class="primary" type="submit">
                Create account
              </button>
            </div>
          </form>
        </Card>
      ) : (
        <Notice>Choose a tenant to add a dialer account to it.</Notice>
      )}
      <Card title="Source address allow-list (address alone, no authentication)">
        <ErrorBox error={dialers.error} />
        <ul>
          {dialers.data?.sipDialers.map((d: any) => (
            <li>
              {d.source} <span class="muted">{d.description}</span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
