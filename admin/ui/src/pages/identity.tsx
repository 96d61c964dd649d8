import { useState } from 'preact/hooks';
import { can, fmtTime, get, post, query } from '../api';
import { Badge, Card, ErrorBox, Field, Json, Notice, useLoad } from '../components/ui';
import type { PageProps } from '../main';

const statusKind = (s: string) => (s === 'verified' || s === 'active' ? 'allow' : s === 'pending' || s === 'unverified' ? 'warn' : 'deny');

export function IdentityPage({ session, tenantId }: PageProps) {
  const operator = can.operator(session);
  const tenants = useLoad(() => (operator ? get('/v1/tenants') : tenantId ? get(`/v1/tenants/${tenantId}`).then((t) => ({ tenants: [t] })) : Promise.resolve({ tenants: [] })), [tenantId]);
  const numbers = useLoad(() => (tenantId ? get(`/v1/caller-numbers${query({ tenantId })}`) : Promise.resolve({ callerNumbers: [] })), [tenantId]);
  const [error, setError] = useState<unknown>(null);
  const act = async (url: string, body: unknown, reload: () => void) => {
    setError(null);
    try {
      await post(url, body);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h1>Tenants & display numbers</h1>
      <ErrorBox error={error} />
      <Card title="Tenants and real-name verification">
        <ErrorBox error={tenants.error} />
        <table>
          <thead>
            <tr>
              <th>Enterprise</th>
              <th>统一社会信用代码</th>
              <th>Verification</th>
              <th>Evidence</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tenants.data?.tenants.map((t: any) => (
              <tr>
                <td>{t.legalName}</td>
                <td>
                  <code>{t.uscc ?? '—'}</code>
                </td>
                <td>
                  <Badge kind={statusKind(t.verificationStatus)}>{t.verificationStatus}</Badge>
                  <div class="muted small-text">{t.verifiedBy ? `${t.verifiedBy}, ${fmtTime(t.verifiedAt)}` : ''}</div>
                </td>
                <td>
                  <details>
                    <summary>show</summary>
                    <Json value={t.verificationEvidence} />
                  </details>
                </td>
                <td>
                  {operator && t.verificationStatus !== 'verified' && (
                    <button class="small" onClick={() => act(`/v1/tenants/${t.id}/verification`, { status: 'verified', evidence: { checkedIn: 'admin UI', by: session.user.username } }, tenants.reload)}>
                      Mark verified
                    </button>
                  )}
                  {operator && t.verificationStatus === 'verified' && (
                    <button class="small danger" onClick={() => act(`/v1/tenants/${t.id}/verification`, { status: 'revoked', evidence: { revokedIn: 'admin UI', by: session.user.username } }, tenants.reload)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!operator && <p class="muted small-text">Real-name verification is recorded by the gateway operator, never by the tenant itself.</p>}
        {operator && <NewTenant onCreated={tenants.reload} />}
      </Card>
      <Card title="Display numbers">
        {!tenantId ? (
          <Notice>Choose a tenant in the sidebar to see its display numbers.</Notice>
        ) : (
          <>
            <ErrorBox error={numbers.error} />
            <table>
              <thead>
                <tr>
                  <th>Number</th>
                  <th>Line</th>
                  <th>Region</th>
                  <th>Proof of right to use</th>
                  <th>Verification</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {numbers.data?.callerNumbers.map((n: any) => (
                  <tr>
                    <td>{n.e164}</td>
                    <td>{n.lineType}</td>
                    <td>{n.region ?? '—'}</td>
                    <td>
                      <code class="small-text">{JSON.stringify(n.proofOfRight)}</code>
                    </td>
                    <td>
                      <Badge kind={statusKind(n.verificationStatus)}>{n.verificationStatus}</Badge>
                    </td>
                    <td>
                      <Badge kind={statusKind(n.status)}>{n.status}</Badge>
                    </td>
                    <td class="nowrap">
                      {operator && n.verificationStatus !== 'verified' && (
                        <button class="small" onClick={() => act(`/v1/caller-numbers/${n.id}/verification`, { status: 'verified' }, numbers.reload)}>
                          Verify
                        </button>
                      )}
                      {can.manageLists(session) && (
                        <button class="small" onClick={() => act(`/v1/caller-numbers/${n.id}/status`, { status: n.status === 'active' ? 'suspended' : 'active' }, numbers.reload)}>
                          {n.status === 'active' ? 'Suspend' : 'Reactivate'}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {can.manageLists(session) && <NewNumber tenantId={tenantId} onCreated={numbers.reload} />}
          </>
        )}
      </Card>
    </div>
  );
}

function NewTenant({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState({ legalName: '', uscc: '', country: 'CN' });
  const [error, setError] = useState<unknown>(null);
  const set = (key: string) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await post('/v1/tenants', { legalName: form.legalName, country: form.country, ...(form.uscc ? { uscc: form.uscc.trim() } : {}) });
      setForm({ legalName: '', uscc: '', country: 'CN' });
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="row subform" onSubmit={submit}>
      <Field label="New tenant: legal name">
        <input name="legalName" value={form.legalName} onInput={set('legalName')} required />
      </Field>
      <Field label="统一社会信用代码" hint="Required for a Chinese enterprise; checked with its check character">
        <input name="uscc" value={form.uscc} onInput={set('uscc')} />
      </Field>
      <Field label="Country">
        <input name="country" value={form.country} maxLength={2} onInput={set('country')} required />
      </Field>
      <div class="field">
        <span class="field-label">&nbsp;</span>
        <button type="submit">Register tenant</button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

function NewNumber({ tenantId, onCreated }: { tenantId: string; onCreated: () => void }) {
  const [e164, setE164] = useState('');
  const [proof, setProof] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await post('/v1/caller-numbers', { tenantId, e164: e164.trim(), proofOfRight: { reference: proof.trim() } });
      setE164('');
      setProof('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="row subform" onSubmit={submit}>
      <Field label="New display number">
        <input name="e164" placeholder="+862161234567" value={e164} onInput={(e) => setE164((e.target as HTMLInputElement).value)} required />
      </Field>
      <Field label="Proof of the right to use it" hint="Carrier allocation letter, number certificate or LOA reference">
        <input name="proof" value={proof} onInput={(e) => setProof((e.target as HTMLInputElement).value)} required />
      </Field>
      <div class="field">
        <span class="field-label">&nbsp;</span>
        <button type="submit">Register number</button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
