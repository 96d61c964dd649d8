import { useState } from 'preact/hooks';
import { can, fmtTime, get, post, query } from '../api';
import { Badge, Card, ErrorBox, Field, Json, Notice, useLoad } from '../components/ui';
import type { PageProps } from '../main';
import { Registries } from './dashboard';

const SCOPES = ['tenant', 'all', 'brand', 'campaign'];
const SOURCES = ['agent', 'keypress', 'sms_reply', 'complaint', 'api', 'email', 'web'];

export function ListsPage(props: PageProps) {
  const { tenantId } = props;
  const [callee, setCallee] = useState('');
  const [searched, setSearched] = useState('');
  return (
    <div>
      <h1>Opt-outs & consents</h1>
      {!tenantId && <Notice>Choose a tenant at the top to search its opt-outs and consents.</Notice>}
      <Card>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            setSearched(callee.trim());
          }}
        >
          <Field label="Callee number">
            <input name="searchCallee" placeholder="+8613800138000" value={callee} onInput={(e) => setCallee((e.target as HTMLInputElement).value)} />
          </Field>
          <div class="field">
            <span class="field-label">&nbsp;</span>
            <button class="primary" type="submit" disabled={!tenantId}>
              Search
            </button>
          </div>
        </form>
      </Card>
      {tenantId && searched && <CalleeLists {...props} callee={searched} />}
      {tenantId && can.manageLists(props.session) && <AddOptOut tenantId={tenantId} />}
      <RegistriesCard />
    </div>
  );
}

function CalleeLists({ tenantId, session, callee }: PageProps & { callee: string }) {
  const optOuts = useLoad(() => get(`/v1/opt-outs${query({ callee, tenantId })}`), [callee, tenantId]);
  const consents = useLoad(() => get(`/v1/consents${query({ callee, tenantId })}`), [callee, tenantId]);
  const [error, setError] = useState<unknown>(null);
  const revoke = async (id: string) => {
    const reason = prompt('Why is this consent withdrawn?');
    if (reason === null) return;
    try {
      await post(`/v1/consents/${id}/revoke`, { reason, tenantId });
      consents.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="two-col">
      <Card title={`Opt-outs of ${callee}`}>
        <ErrorBox error={optOuts.error} />
        {optOuts.data && optOuts.data.optOuts.length === 0 && <p class="muted">No refusal recorded.</p>}
        {optOuts.data && optOuts.data.optOuts.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>Receipt</th>
                <th>Scope</th>
                <th>Source</th>
                <th>In force from</th>
              </tr>
            </thead>
            <tbody>
              {optOuts.data.optOuts.map((o: any) => (
                <tr>
                  <td>
                    <code>{o.id}</code>
                  </td>
                  <td>{o.scope}</td>
                  <td>{o.source}</td>
                  <td>{fmtTime(o.effectiveAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title={`Consents of ${callee}`}>
        <ErrorBox error={consents.error || error} />
        {consents.data && consents.data.consents.length === 0 && <p class="muted">No consent recorded.</p>}
        {consents.data?.consents.map((c: any) => (
          <div class="consent">
            <div>
              <Badge kind={c.revokedAt ? 'deny' : c.expiresAt && Date.parse(c.expiresAt) < Date.now() ? 'warn' : 'allow'}>{c.revokedAt ? 'revoked' : c.expiresAt && Date.parse(c.expiresAt) < Date.now() ? 'expired' : 'valid'}</Badge>{' '}
              {c.purpose} · brand <code>{c.brandId}</code> · {c.channel} · obtained {fmtTime(c.obtainedAt)} · expires {fmtTime(c.expiresAt)}
            </div>
            <details>
              <summary>Evidence</summary>
              <Json value={c.evidence} />
            </details>
            {!c.revokedAt && can.manageLists(session) && (
              <button class="small danger" onClick={() => revoke(c.id)}>
                Revoke
              </button>
            )}
          </div>
        ))}
      </Card>
    </div>
  );
}

function AddOptOut({ tenantId }: { tenantId: string }) {
  const [form, setForm] = useState({ callee: '', scope: 'tenant', source: 'agent', note: '' });
  const [receipt, setReceipt] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const set = (key: string) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setReceipt(null);
    try {
      setReceipt(await post('/v1/opt-outs', { ...form, callee: form.callee.trim(), note: form.note || undefined, tenantId }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Record an opt-out">
      <form class="row" onSubmit={submit}>
        <Field label="Callee number">
          <input name="optOutCallee" placeholder="+8613800138000" value={form.callee} onInput={set('callee')} required />
        </Field>
        <Field label="Scope" hint="tenant: every campaign of this tenant; all: every tenant on the gateway">
          <select name="scope" value={form.scope} onChange={set('scope')}>
            {SCOPES.slice(0, 2).map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field label="How it was received">
          <select name="source" value={form.source} onChange={set('source')}>
            {SOURCES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field label="Note">
          <input name="note" value={form.note} onInput={set('note')} />
        </Field>
        <div class="field">
          <span class="field-label">&nbsp;</span>
          <button class="primary" type="submit">
            Record opt-out
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {receipt && (
        <Notice kind="ok">
          <span data-testid="receipt">
            Receipt <code>{receipt.id}</code>: from {fmtTime(receipt.effectiveAt)} every decision on every instance denies calls to {receipt.callee} ({receipt.scope}).
          </span>
        </Notice>
      )}
    </Card>
  );
}

function RegistriesCard() {
  const { data, error } = useLoad(() => get('/admin/api/dashboard'));
  return (
    <Card title="Do-not-call registries">
      <ErrorBox error={error} />
      {data && <Registries registries={data.registries} />}
      <p class="muted small-text">
        A copy older than the pack allows denies every call with REGISTRY_STALE until a newer one is imported.
      </p>
    </Card>
  );
}
