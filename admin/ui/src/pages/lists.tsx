import { useState } from 'preact/hooks';
import { ApiError, can, fmtTime, get, loadSession, post, query } from '../api';
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
      <h1>Opt-outs, consents and registries</h1>
      {!tenantId && <Notice>Choose a tenant in the sidebar to search its opt-outs and consents.</Notice>}
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
      <RegistriesCard {...props} />
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

function RegistriesCard({ session }: PageProps) {
  const { data, error, reload } = useLoad(() => get('/admin/api/dashboard'));
  return (
    <Card title="Do-not-call registries">
      <ErrorBox error={error} />
      {data && <Registries registries={data.registries} />}
      <p class="muted small-text">A copy older than the pack allows denies every call with REGISTRY_STALE until a newer one is imported.</p>
      {can.operator(session) && <RegistryImport onDone={reload} />}
    </Card>
  );
}

/** Uploads with XMLHttpRequest, which, unlike fetch, reports upload progress for a large list. */
function upload(url: string, file: File, onProgress: (fraction: number) => void): Promise<any> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${loadSession()?.token}`);
    xhr.setRequestHeader('content-type', 'text/plain');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload failed: the gateway could not be reached'));
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText);
        } catch {
          return null;
        }
      })();
      if (xhr.status === 201) resolve(body);
      else reject(new ApiError(xhr.status, body?.error?.code ?? 'HTTP', body?.error?.message ?? `The gateway answered ${xhr.status}`));
    };
    xhr.send(file);
  });
}

function RegistryImport({ onDone }: { onDone: () => void }) {
  const [form, setForm] = useState({ listId: 'cn-donotcall', name: '', date: new Date().toISOString().slice(0, 10), callingCode: '86' });
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const set = (key: string) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setResult(null);
    setProgress(0);
    try {
      const q = query({ name: form.name || form.listId, listDate: form.date, callingCode: form.callingCode });
      setResult(await upload(`/v1/registries/${encodeURIComponent(form.listId)}/versions${q}`, file, setProgress));
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  };
  return (
    <form class="row subform" onSubmit={submit}>
      <Field label="List id">
        <input name="listId" value={form.listId} onInput={set('listId')} required />
      </Field>
      <Field label="Name">
        <input name="listName" value={form.name} onInput={set('name')} placeholder="防骚扰 preference list" />
      </Field>
      <Field label="Published on">
        <input name="listDate" type="date" value={form.date} onInput={set('date')} required />
      </Field>
      <Field label="Calling code" hint="for national numbers without +">
        <input name="callingCode" value={form.callingCode} onInput={set('callingCode')} />
      </Field>
      <Field label="File" hint="one number per line">
        <input name="listFile" type="file" accept=".txt,.csv,text/plain" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} required />
      </Field>
      <div class="field">
        <span class="field-label">&nbsp;</span>
        <button type="submit" disabled={progress !== null}>
          {progress === null ? 'Import' : `Uploading ${Math.round(progress * 100)}%`}
        </button>
      </div>
      {progress !== null && <progress class="upload" value={progress} max={1} />}
      <ErrorBox error={error} />
      {result && (
        <Notice kind="ok">
          <span data-testid="import-result">
            Version {result.version} of {result.listId} is current: {result.entries} numbers{result.rejectedLines ? `, ${result.rejectedLines} ${result.rejectedLines === 1 ? 'line' : 'lines'} not understood (${result.firstRejected.join(', ')})` : ''}.
          </span>
        </Notice>
      )}
    </form>
  );
}
