import { useState } from 'preact/hooks';
import { ApiError, fmtTime, get, loadSession, post, query } from '../api';
import { Card, ErrorBox, Field, Json, Notice } from '../components/ui';
import type { PageProps } from '../main';

/** The audit routes come with the tamper-evident trail; until a gateway has them, say so plainly. */
function Unavailable({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 404) return <Notice kind="warn">The audit trail is not available on this gateway yet.</Notice>;
  return <ErrorBox error={error} />;
}

export function AuditPage({ tenantId }: PageProps) {
  return (
    <div>
      <h1>Audit trail & export</h1>
      <Trail tenantId={tenantId} />
      <Export tenantId={tenantId} />
    </div>
  );
}

function Trail({ tenantId }: { tenantId: string | null }) {
  const [callee, setCallee] = useState('');
  const [trail, setTrail] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const search = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setTrail(null);
    try {
      setTrail(await get(`/v1/audit/trail${query({ callee: callee.trim(), tenantId })}`));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Everything that happened to one person">
      <form class="row" onSubmit={search}>
        <Field label="Callee number">
          <input name="trailCallee" placeholder="+8613800138000" value={callee} onInput={(e) => setCallee((e.target as HTMLInputElement).value)} />
        </Field>
        <div class="field">
          <span class="field-label">&nbsp;</span>
          <button class="primary" type="submit">
            Show trail
          </button>
        </div>
      </form>
      <Unavailable error={error} />
      {trail && (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {trail.events.map(({ at, type, ...rest }: any) => (
              <tr>
                <td class="nowrap">{fmtTime(at)}</td>
                <td>{type}</td>
                <td>
                  <code class="small-text">{JSON.stringify(rest)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {trail && trail.events.length === 0 && <p class="muted">Nothing recorded for this number.</p>}
    </Card>
  );
}

function Export({ tenantId }: { tenantId: string | null }) {
  const [form, setForm] = useState({ from: '', to: '', callee: '', format: 'ndjson', pseudonymise: false });
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    try {
      setResult(
        await post('/v1/audit/exports', {
          format: form.format,
          pseudonymise: form.pseudonymise,
          ...(form.from ? { from: new Date(form.from).toISOString() } : {}),
          ...(form.to ? { to: new Date(form.to).toISOString() } : {}),
          ...(form.callee.trim() ? { callee: form.callee.trim() } : {}),
          ...(tenantId ? { tenantId } : {}),
        }),
      );
    } catch (err) {
      setError(err);
    }
  };
  const download = async () => {
    const res = await fetch(`/v1/audit/exports/${result.id}/file`, { headers: { authorization: `Bearer ${loadSession()?.token}` } });
    if (!res.ok) return setError(new ApiError(res.status, 'DOWNLOAD', `The export file could not be fetched (${res.status})`));
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `callgate-audit-${result.id}.${form.format}`;
    a.click();
    URL.revokeObjectURL(url);
  };
  const set = (key: string) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  return (
    <Card title="Export the trail with its manifest">
      <form class="row" onSubmit={submit}>
        <Field label="From">
          <input type="datetime-local" value={form.from} onInput={set('from')} />
        </Field>
        <Field label="To">
          <input type="datetime-local" value={form.to} onInput={set('to')} />
        </Field>
        <Field label="Callee (optional)">
          <input value={form.callee} onInput={set('callee')} />
        </Field>
        <Field label="Format">
          <select value={form.format} onChange={set('format')}>
            <option value="ndjson">NDJSON</option>
            <option value="csv">CSV</option>
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={form.pseudonymise} onChange={(e) => setForm({ ...form, pseudonymise: (e.target as HTMLInputElement).checked })} /> Pseudonymise numbers
        </label>
        <div class="field">
          <span class="field-label">&nbsp;</span>
          <button class="primary" type="submit">
            Create export
          </button>
        </div>
      </form>
      <Unavailable error={error} />
      {result && (
        <>
          <Notice kind="ok">
            Export <code>{result.id}</code> is ready. <button class="link" onClick={download}>Download the file</button>
          </Notice>
          <h3>Manifest</h3>
          <Json value={result.manifest} />
        </>
      )}
    </Card>
  );
}
