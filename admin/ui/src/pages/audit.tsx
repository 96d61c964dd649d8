import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { EVENT_TYPES } from '../../../../gateway/src/audit/events';
import type { PersonEvent as RecordedEvent } from '../../../../gateway/src/audit/person';
import { ApiError, can, fmtTime, get, loadSession, post, query } from '../api';
import { CampaignField } from '../components/campaign-field';
import { Badge, Card, ErrorBox, Field, Json, Notice } from '../components/ui';
import type { PageProps } from '../main';

/** The audit routes come with the tamper-evident trail; a gateway without them says so plainly. */
function Unavailable({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 404 && error.code === 'HTTP_404') return <Notice kind="warn">The audit trail is not available on this gateway.</Notice>;
  return <ErrorBox error={error} />;
}

export function AuditPage({ session, tenantId }: PageProps) {
  return (
    <div>
      <h1>Audit trail & export</h1>
      <p class="muted intro">
        Every record below is hash-chained and sealed with a signature. Reading a person's trail or exporting records is itself recorded, with your name.
        {session.user.tenantId ? ' You see your own tenant only.' : ''}
      </p>
      <Trail tenantId={tenantId} />
      <Export tenantId={tenantId} />
      {can.verifyTrail(session) && <VerifyTrail />}
    </div>
  );
}

/* ------------------------------------------------------------------ one person's trail */

/** As the trail route answers it: the record is any recorded JSON. */
type PersonEvent = RecordedEvent & { record: any };

const EVENT_LABELS: Record<string, string> = {
  'consent.given': 'Consent given',
  'consent.revoked': 'Consent withdrawn',
  'opt_out.received': 'Opt-out received',
  decision: 'Decision',
  'call.outcome': 'Call outcome',
  'call.attested': 'Call signed (STIR/SHAKEN)',
  'decision.superseded': 'Allowed call not placed',
  'admin.action': 'Read or action',
  'audit.export': 'Exported',
  'audit.purge': 'Retention purge',
};

const label = (type: string) => EVENT_LABELS[type] ?? type;

function Trail({ tenantId }: { tenantId: string | null }) {
  const [callee, setCallee] = useState('');
  const [trail, setTrail] = useState<{ callee: string; truncated: boolean; events: PersonEvent[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const search = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setTrail(null);
    setBusy(true);
    try {
      setTrail(await get(`/v1/audit/trail${query({ callee: callee.trim(), tenantId })}`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="One person's trail">
      <p class="muted small-text">
        Everything recorded about one callee number, oldest first: consents with their evidence, opt-outs with receipts, decisions with their reasons, call outcomes, and who read
        or exported them. This answers a data subject's access request (个人信息保护法 art. 45).
      </p>
      <form class="row" onSubmit={search}>
        <Field label="Callee number">
          <input name="trailCallee" placeholder="+8613800138000" value={callee} onInput={(e) => setCallee((e.target as HTMLInputElement).value)} />
        </Field>
        <div class="field">
          <span class="field-label">&nbsp;</span>
          <button class="primary" type="submit" disabled={busy}>
            Show trail
          </button>
        </div>
      </form>
      <Unavailable error={error} />
      {trail && <TrailTable trail={trail} />}
    </Card>
  );
}

function TrailTable({ trail }: { trail: { callee: string; truncated: boolean; events: PersonEvent[] } }) {
  if (trail.events.length === 0) return <p class="muted">Nothing recorded for {trail.callee}.</p>;
  const counts = new Map<string, number>();
  for (const e of trail.events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return (
    <div data-testid="trail">
      <p class="trail-summary">
        <strong>{trail.callee}</strong>: {trail.events.length} record{trail.events.length === 1 ? '' : 's'} —{' '}
        {[...counts].map(([type, n], i) => `${i ? ', ' : ''}${n} × ${label(type).toLowerCase()}`).join('')}
      </p>
      {trail.truncated && <Notice kind="warn">Only the first {trail.events.length} records are shown; export the trail filtered by this number to get all of it.</Notice>}
      <table class="trail">
        <thead>
          <tr>
            <th>When</th>
            <th>Event</th>
            <th>What was recorded</th>
            <th>Record</th>
          </tr>
        </thead>
        <tbody>
          {trail.events.map((e) => (
            <tr data-type={e.type}>
              <td class="nowrap">{fmtTime(e.at)}</td>
              <td class="nowrap">
                <EventBadge event={e} />
              </td>
              <td>{e.purged ? <span class="muted">Content removed by the retention purge; its hash stays in the chain.</span> : <EventDetails event={e} />}</td>
              <td class="record-ref">
                <code title={e.hash}>
                  {e.chain} #{e.seq}
                </code>
                <div class="muted small-text" title="SHA-256 of the record's link">
                  {e.hash.slice(0, 12)}…
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EventBadge({ event }: { event: PersonEvent }) {
  const r = event.record;
  if (event.type === 'decision' && r?.decision) return <Badge kind={r.decision.allow ? 'allow' : 'deny'}>{r.decision.allow ? 'allowed' : 'denied'}</Badge>;
  const kind = event.type === 'consent.given' ? 'allow' : event.type === 'opt_out.received' || event.type === 'consent.revoked' ? 'deny' : 'neutral';
  return <Badge kind={kind}>{label(event.type).toLowerCase()}</Badge>;
}

/** The fields an auditor asks about first, in words; the whole record stays one click away. */
function EventDetails({ event }: { event: PersonEvent }) {
  const r = event.record ?? {};
  return (
    <div class="event">
      <Summary type={event.type} r={r} />
      <details>
        <summary>Full record</summary>
        <Json value={r} />
      </details>
    </div>
  );
}

function Summary({ type, r }: { type: string; r: any }): ComponentChildren {
  switch (type) {
    case 'decision':
      return <DecisionSummary d={r.decision ?? {}} />;
    case 'consent.given':
    case 'consent.revoked':
      return <ConsentSummary c={r.consent ?? {}} revoked={type === 'consent.revoked'} />;
    case 'opt_out.received': {
      const o = r.receipt ?? {};
      return (
        <div>
          Receipt <code>{o.id}</code> · scope {o.scope}
          {o.brandId ? ` (brand ${o.brandId})` : ''}
          {o.campaignId ? ` (campaign ${o.campaignId})` : ''} · via {o.source} · effective {fmtTime(o.effectiveAt)}
          {o.note ? ` · “${o.note}”` : ''} · recorded by {o.recordedBy}
        </div>
      );
    }
    case 'call.outcome': {
      const o = r.outcome ?? {};
      return (
        <div>
          {o.outcome}
          {o.duration_seconds != null ? `, ${o.duration_seconds} s` : ''} · ended {fmtTime(o.ended_at)} · <a href={`#/decision/${encodeURIComponent(o.decision_id)}`}>the decision</a>
          {o.refused ? (
            <>
              {' '}
              · <strong>the callee refused</strong> (receipt <code>{o.opt_out_id}</code>)
            </>
          ) : null}
        </div>
      );
    }
    case 'admin.action':
      return (
        <div>
          <strong>{r.actor}</strong> ({r.role}
          {r.tenantId ? '' : ', gateway operator'}): <code>{r.action}</code>
          {r.target ? ` on ${r.target}` : ''}
        </div>
      );
    case 'audit.export':
      return (
        <div>
          Export <code>{r.exportId}</code> by <strong>{r.exportedBy?.subject}</strong> ({r.exportedBy?.role}) · {r.counts?.records} records · {r.format}
          {r.pseudonymised ? ', pseudonymised' : ''}
        </div>
      );
    default:
      return <Json value={r} />;
  }
}

function DecisionSummary({ d }: { d: any }) {
  return (
    <div>
      <div>
        <a href={`#/decision/${encodeURIComponent(d.id)}`}>Decision</a> on a call from <code>{d.call?.caller ?? '—'}</code> · campaign <code>{d.call?.campaignId}</code> · policy <code>{d.policyRevision}</code>
        {d.nextAllowedAt ? ` · next allowed ${fmtTime(d.nextAllowedAt)}` : ''}
      </div>
      {d.reasons?.length ? (
        <ol class="reasons">
          {d.reasons.map((reason: any) => (
            <li>
              <strong>{reason.code}</strong> — {reason.message}
              <div class="muted small-text">
                rule <span class="rule-id">{reason.rule}</span>
                {reason.citation ? ` · ${reason.citation}` : ''}
              </div>
            </li>
          ))}
        </ol>
      ) : (
        <div class="muted">Every rule was met.</div>
      )}
    </div>
  );
}

function ConsentSummary({ c, revoked }: { c: any; revoked: boolean }) {
  return (
    <div>
      <div>
        {revoked ? (
          <>
            Withdrawn {fmtTime(c.revokedAt)}
            {c.revokeReason ? ` (“${c.revokeReason}”)` : ''} ·{' '}
          </>
        ) : null}
        <code>{c.id}</code> · purpose {c.purpose} · brand <code>{c.brandId}</code> · {c.channel} · obtained {fmtTime(c.obtainedAt)} · expires {fmtTime(c.expiresAt)} · recorded by{' '}
        {c.recordedBy}
      </div>
      {!revoked && c.evidence && (
        <dl class="evidence">
          <dt>How</dt>
          <dd>{c.captureMethod ?? '—'}</dd>
          {Object.entries(c.evidence).map(([key, value]) => (
            <>
              <dt>{key}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </>
          ))}
        </dl>
      )}
    </div>
  );
}

/* ------------------------------------------------------------------ export with manifest */

interface ExportForm {
  from: string;
  to: string;
  callee: string;
  campaignId: string;
  types: string[];
  format: 'ndjson' | 'csv';
  pseudonymise: boolean;
}

function Export({ tenantId }: { tenantId: string | null }) {
  const [form, setForm] = useState<ExportForm>({ from: '', to: '', callee: '', campaignId: '', types: [], format: 'ndjson', pseudonymise: false });
  const [result, setResult] = useState<{ id: string; manifest: any } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    setBusy(true);
    try {
      setResult(
        await post('/v1/audit/exports', {
          format: form.format,
          pseudonymise: form.pseudonymise,
          ...(form.from ? { from: new Date(form.from).toISOString() } : {}),
          ...(form.to ? { to: new Date(form.to).toISOString() } : {}),
          ...(form.callee.trim() ? { callee: form.callee.trim() } : {}),
          ...(form.campaignId.trim() ? { campaignId: form.campaignId.trim() } : {}),
          ...(form.types.length ? { types: form.types } : {}),
          ...(tenantId ? { tenantId } : {}),
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const set = (key: keyof ExportForm) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  const toggleType = (type: string, on: boolean) => setForm({ ...form, types: on ? [...form.types, type] : form.types.filter((t) => t !== type) });
  return (
    <Card title="Export the trail with a signed manifest">
      <p class="muted small-text">
        {tenantId ? 'Records of the tenant shown at the left.' : 'Records of every tenant (choose one at the left to export only its records).'} An empty filter includes
        everything. The file and its manifest can be checked on another machine with <code>callgate audit verify</code> and the public key.
      </p>
      <form onSubmit={submit}>
        <div class="row">
          <Field label="From">
            <input type="datetime-local" name="exportFrom" value={form.from} onInput={set('from')} />
          </Field>
          <Field label="To">
            <input type="datetime-local" name="exportTo" value={form.to} onInput={set('to')} />
          </Field>
          <Field label="Callee">
            <input name="exportCallee" placeholder="any" value={form.callee} onInput={set('callee')} />
          </Field>
          <CampaignField tenantId={tenantId} name="exportCampaign" value={form.campaignId} onChange={set('campaignId')} />
          <Field label="Format">
            <select name="exportFormat" value={form.format} onChange={set('format')}>
              <option value="ndjson">NDJSON</option>
              <option value="csv">CSV</option>
            </select>
          </Field>
        </div>
        <div class="field">
          <span class="field-label">Event types {form.types.length ? `(${form.types.length} chosen)` : '(all)'}</span>
          <div class="checks event-types">
            {EVENT_TYPES.map((type) => (
              <label class="check">
                <input type="checkbox" name={`type-${type}`} checked={form.types.includes(type)} onChange={(e) => toggleType(type, (e.target as HTMLInputElement).checked)} />
                <code>{type}</code>
              </label>
            ))}
          </div>
        </div>
        <div class="buttons">
          <label class="check">
            <input type="checkbox" name="pseudonymise" checked={form.pseudonymise} onChange={(e) => setForm({ ...form, pseudonymise: (e.target as HTMLInputElement).checked })} /> Pseudonymise
            numbers (for aggregate audits; payloads then cannot be rechecked against their hashes)
          </label>
        </div>
        <div class="buttons">
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Exporting…' : 'Create export'}
          </button>
        </div>
      </form>
      <Unavailable error={error} />
      {result && <ManifestView id={result.id} manifest={result.manifest} />}
    </Card>
  );
}

/** Fetches with the session's token and hands the bytes to the browser as a file, unchanged. */
async function saveAs(url: string, filename: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${loadSession()?.token}` } });
  if (!res.ok) throw new ApiError(res.status, 'DOWNLOAD', `The gateway answered ${res.status} for ${filename}`);
  saveBlob(await res.blob(), filename);
}

function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** A hash shortened to be read in a table; the whole of it on hover. */
const Hash = ({ hash }: { hash: string | null | undefined }) => (hash ? <code title={hash}>{hash.slice(0, 16)}…</code> : <>—</>);

function ManifestView({ id, manifest: m }: { id: string; manifest: any }) {
  const [error, setError] = useState<unknown>(null);
  const run = (action: () => Promise<void>) => () => {
    setError(null);
    action().catch(setError);
  };
  const downloadKey = async () => {
    const key = await get('/v1/audit/public-key');
    saveBlob(new Blob([key.publicKey], { type: 'application/x-pem-file' }), `callgate-${key.keyId}.pem`);
  };
  const f = m.filter ?? {};
  const filterText =
    [
      f.from || f.to ? `${f.from ? fmtTime(f.from) : 'the beginning'} → ${f.to ? fmtTime(f.to) : 'now'}` : null,
      f.tenantId ? `tenant ${f.tenantId}` : 'all tenants',
      f.callee ? `callee ${f.callee}` : null,
      f.campaignId ? `campaign ${f.campaignId}` : null,
      f.types?.length ? `types ${f.types.join(', ')}` : null,
    ]
      .filter(Boolean)
      .join(' · ') || 'everything';
  return (
    <div class="manifest" data-testid="manifest">
      <Notice kind={m.integrity?.ok ? 'ok' : 'warn'}>
        {m.integrity?.ok ? (
          <>
            Export <code>{id}</code> is ready: {m.counts.records} records, every one re-verified by the gateway while exporting.
          </>
        ) : (
          <>
            Export <code>{id}</code> was written, but the gateway found the trail altered at {m.integrity?.firstBad?.chain} #{m.integrity?.firstBad?.seq}: {m.integrity?.firstBad?.problem}
          </>
        )}
      </Notice>
      <div class="buttons">
        <button class="primary" onClick={run(() => saveAs(`/v1/audit/exports/${encodeURIComponent(id)}/file`, m.file.name))}>
          Download the file
        </button>
        <button onClick={run(() => saveAs(`/v1/audit/exports/${encodeURIComponent(id)}/manifest`, `${id}.manifest.json`))}>Download the manifest</button>
        <button onClick={run(downloadKey)}>Download the public key</button>
      </div>
      <ErrorBox error={error} />
      <h3>Signed manifest</h3>
      <dl class="facts">
        <dt>Exported by</dt>
        <dd>
          <strong>{m.exportedBy?.subject}</strong> ({m.exportedBy?.role}
          {m.exportedBy?.tenantId ? `, tenant ${m.exportedBy.tenantId}` : ', gateway operator'}) at {fmtTime(m.createdAt)}
        </dd>
        <dt>Filter</dt>
        <dd>{filterText}</dd>
        <dt>Format</dt>
        <dd>
          {m.format.toUpperCase()}
          {m.pseudonymised ? ' · numbers pseudonymised' : ''}
        </dd>
        <dt>Counts</dt>
        <dd data-testid="manifest-counts">
          {m.counts.records} records · {m.counts.omitted} omitted (outside the filter, kept as hashes) · {m.counts.purged} purged · {m.counts.pseudonymised} pseudonymised
        </dd>
        <dt>File</dt>
        <dd>
          <code>{m.file.name}</code> · {m.file.lines} lines · {m.file.bytes.toLocaleString('en')} bytes · SHA-256 <code>{m.file.sha256}</code>
        </dd>
        <dt>Signature</dt>
        <dd>
          {m.signature?.alg} by key <code data-testid="manifest-key-id">{m.signature?.keyId}</code>
        </dd>
        <dt>Seals covered</dt>
        <dd>{m.seals.length === 0 ? 'none yet (records after the last seal are protected by their links)' : `${m.seals.length}`}</dd>
      </dl>
      <h3>Chains ({m.chains.length})</h3>
      <table class="chains">
        <thead>
          <tr>
            <th>Chain</th>
            <th>Sequence</th>
            <th>Records</th>
            <th>Links to</th>
            <th>First hash</th>
            <th>Last hash</th>
          </tr>
        </thead>
        <tbody>
          {m.chains.map((c: any) => (
            <tr>
              <td>
                <code>{c.chain}</code>
              </td>
              <td class="nowrap">
                {c.firstSeq} – {c.lastSeq}
              </td>
              <td>
                {c.records}
                {c.omitted ? <span class="muted"> (+{c.omitted} omitted)</span> : null}
              </td>
              <td>
                <Hash hash={c.prevHash} />
              </td>
              <td>
                <Hash hash={c.firstHash} />
              </td>
              <td>
                <Hash hash={c.lastHash} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {m.seals.length > 0 && (
        <>
          <h3>Seals covered ({m.seals.length})</h3>
          <table class="chains">
            <thead>
              <tr>
                <th>Chain</th>
                <th>Up to record</th>
                <th>Hash</th>
                <th>Sealed</th>
                <th>Key</th>
              </tr>
            </thead>
            <tbody>
              {m.seals.map((s: any) => (
                <tr>
                  <td>
                    <code>{s.chain}</code>
                  </td>
                  <td>#{s.seq}</td>
                  <td>
                    <Hash hash={s.hash} />
                  </td>
                  <td class="nowrap">{fmtTime(s.sealedAt)}</td>
                  <td>
                    <code>{s.keyId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <details>
        <summary>The manifest as signed (JSON)</summary>
        <Json value={m} />
      </details>
    </div>
  );
}

/* ------------------------------------------------------------------ database verification */

function VerifyTrail() {
  const [report, setReport] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setError(null);
    setReport(null);
    setBusy(true);
    try {
      setReport(await post('/v1/audit/verify'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card
      title="Verify the trail in the database"
      actions={
        <button class="primary" onClick={verify} disabled={busy}>
          {busy ? 'Verifying…' : 'Verify the trail'}
        </button>
      }
    >
      <p class="muted small-text">Checks every chain from its first record: each link and payload hash, consecutive sequence numbers, each chain's head and its signed seals.</p>
      <Unavailable error={error} />
      {report && <VerifyReport report={report} />}
    </Card>
  );
}

function VerifyReport({ report }: { report: any }): ComponentChildren {
  return (
    <div data-testid="verify-report">
      {report.ok ? (
        <Notice kind="ok">
          <strong>The trail verifies</strong>: {report.records ?? '—'} records in {report.chains.length} chains, unaltered.
        </Notice>
      ) : (
        <div class="alert alert-error" role="alert">
          <strong>The trail does not verify.</strong> First bad record: <code>{report.firstBad?.chain}</code> #{report.firstBad?.seq} — {report.firstBad?.problem}
        </div>
      )}
      <table class="chains">
        <thead>
          <tr>
            <th>Chain</th>
            <th>Records</th>
            <th>Last record</th>
            <th>Sealed up to</th>
            <th>Head hash</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {report.chains.map((c: any) => (
            <tr class={c.records === 0 ? 'muted' : ''}>
              <td>
                <code>{c.chain}</code>
              </td>
              <td>{c.records}</td>
              <td>{c.records === 0 ? 'empty' : `#${c.lastSeq}`}</td>
              <td>{c.records === 0 ? '—' : c.sealedSeq == null ? <span class="muted">not sealed yet</span> : `#${c.sealedSeq}`}</td>
              <td>{c.records === 0 ? '—' : <Hash hash={c.headHash} />}</td>
              <td>
                <Badge kind={c.ok ? 'allow' : 'deny'}>{c.ok ? 'ok' : 'altered'}</Badge>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
