import { useState } from 'preact/hooks';
import { can, fmtTime, get, post } from '../api';
import { Badge, Card, ErrorBox, Field, Loading, Notice, useLoad } from '../components/ui';
import type { PageProps } from '../main';

const STATUS_KIND: Record<string, 'draft' | 'allow' | 'deny' | 'neutral'> = { draft: 'draft', published: 'allow', rejected: 'deny', superseded: 'neutral' };
const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function ChangesPage({ session }: PageProps) {
  const changes = useLoad(() => get('/admin/api/policy-changes'));
  const packs = useLoad(() => get('/admin/api/policies'));
  return (
    <div>
      <h1>Policy changes</h1>
      <Card title="Changes">
        {changes.loading ? (
          <Loading />
        ) : changes.error ? (
          <ErrorBox error={changes.error} />
        ) : changes.data.changes.length === 0 ? (
          <p class="muted">No change drafted yet. Open Policies and edit a rule.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Drafted</th>
                <th>Pack</th>
                <th>What</th>
                <th>Reason</th>
                <th>Author</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {changes.data.changes.map((c: any) => (
                <tr class="clickable" onClick={() => (location.hash = `#/changes/${c.id}`)}>
                  <td class="nowrap">{fmtTime(c.createdAt)}</td>
                  <td>{c.packId}</td>
                  <td>{c.kind === 'rollback' ? 'roll back' : c.diff.map((d: any) => d.path.split(' › ')[0]).filter((x: string, i: number, a: string[]) => a.indexOf(x) === i && x !== 'revision').join(', ')}</td>
                  <td>{c.reason}</td>
                  <td>{c.author}</td>
                  <td>
                    <a href={`#/changes/${c.id}`}>
                      <Badge kind={STATUS_KIND[c.status]}>{c.status}</Badge>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {packs.data && packs.data.packs.map((p: any) => <Revisions packId={p.id} canRollBack={can.editPolicy(session)} />)}
    </div>
  );
}

function Revisions({ packId, canRollBack }: { packId: string; canRollBack: boolean }) {
  const { data, error } = useLoad(() => get(`/admin/api/policies/${packId}/revisions`), [packId]);
  const [reason, setReason] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const rollback = async (revisionId: string) => {
    setErr(null);
    try {
      const change = await post('/admin/api/policy-changes/rollback', { packId, revisionId, reason });
      location.hash = `#/changes/${change.id}`;
    } catch (e) {
      setErr(e);
    }
  };
  if (error) return <ErrorBox error={error} />;
  if (!data) return null;
  return (
    <Card title={`Revisions of ${packId}`}>
      {canRollBack && (
        <Field label="Reason for a rollback" hint="A rollback is a draft too: a second officer approves it.">
          <input name="rollbackReason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </Field>
      )}
      <ErrorBox error={err} />
      <table>
        <thead>
          <tr>
            <th>Revision</th>
            <th>First in use</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.revisions.map((r: any) => (
            <tr>
              <td>
                <code>{r.revisionId}</code> {r.inForce && <Badge kind="allow">in force</Badge>}
              </td>
              <td>{fmtTime(r.firstSeenAt)}</td>
              <td>
                {canRollBack && !r.inForce && (
                  <button class="small" onClick={() => rollback(r.revisionId)}>
                    Draft rollback to this
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function ChangePage({ session, tenantId, params }: PageProps) {
  const id = params[0];
  const { data: change, error, loading, reload } = useLoad(() => get(`/admin/api/policy-changes/${id}`), [id]);
  const [note, setNote] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  const mine = change.author === session.user.username;
  const act = async (verb: 'approve' | 'reject') => {
    setActionError(null);
    try {
      await post(`/admin/api/policy-changes/${id}/${verb}`, verb === 'reject' ? { note: note || 'Rejected' } : note ? { note } : {});
      reload();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <div>
      <p>
        <a href="#/changes">← All changes</a>
      </p>
      <h1>
        {change.kind === 'rollback' ? 'Rollback' : 'Change'} of {change.packId} <Badge kind={STATUS_KIND[change.status]}>{change.status}</Badge>
      </h1>
      <Card title="What changes">
        <dl class="facts">
          <dt>Reason</dt>
          <dd>{change.reason}</dd>
          <dt>Drafted by</dt>
          <dd>
            {change.author} · {fmtTime(change.createdAt)}
          </dd>
          <dt>Based on revision</dt>
          <dd>
            <code>{change.baseRevisionId}</code>
          </dd>
          <dt>New revision</dt>
          <dd>
            <code>{change.revisionId}</code>
          </dd>
          {change.reviewedBy && (
            <>
              <dt>{change.status === 'rejected' ? 'Rejected by' : 'Approved by'}</dt>
              <dd>
                {change.reviewedBy} · {fmtTime(change.reviewedAt)} {change.reviewNote && `— ${change.reviewNote}`}
              </dd>
            </>
          )}
        </dl>
        <table class="diff">
          <thead>
            <tr>
              <th>Where</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {change.diff.map((d: any) => (
              <tr>
                <td>{d.path}</td>
                <td class="before">{show(d.before)}</td>
                <td class="after">{show(d.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <WhatIf changeId={id} tenantId={tenantId} />
      {change.status === 'draft' && (
        <Card title="Review (four eyes)">
          {!can.editPolicy(session) ? (
            <Notice>Only the gateway operator's compliance officers approve policy changes.</Notice>
          ) : mine ? (
            <Notice kind="warn">You drafted this change, so another compliance officer must approve it. You may withdraw it.</Notice>
          ) : (
            <p class="muted">Approving publishes the new revision: every gateway instance applies it from its next decision.</p>
          )}
          {can.editPolicy(session) && (
            <>
              <Field label="Note">
                <input name="note" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
              </Field>
              <ErrorBox error={actionError} />
              <div class="buttons">
                {!mine && (
                  <button class="primary" onClick={() => act('approve')}>
                    Approve and publish
                  </button>
                )}
                <button class="danger" onClick={() => act('reject')}>
                  {mine ? 'Withdraw' : 'Reject'}
                </button>
              </div>
            </>
          )}
        </Card>
      )}
    </div>
  );
}

const PERIODS = [
  { label: 'Last 24 hours', days: 1 },
  { label: 'Last 7 days', days: 7 },
  { label: 'Last 30 days', days: 30 },
];

function WhatIf({ changeId, tenantId }: { changeId: string; tenantId: string | null }) {
  const [days, setDays] = useState(7);
  const [report, setReport] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const to = new Date();
      const from = new Date(to.getTime() - days * 86_400_000);
      setReport(await post(`/admin/api/policy-changes/${changeId}/what-if`, { from: from.toISOString(), to: to.toISOString(), ...(tenantId ? { tenantId } : {}) }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card
      title="What-if: replay recorded decisions against this revision"
      id="what-if"
      actions={
        <>
          <select aria-label="Period" value={days} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
            {PERIODS.map((p) => (
              <option value={p.days}>{p.label}</option>
            ))}
          </select>
          <button class="primary" onClick={run} disabled={busy}>
            {busy ? 'Replaying…' : 'Run what-if'}
          </button>
        </>
      }
    >
      <p class="muted">Each recorded call is decided again by the same engine, from the facts recorded with it, at the instant it was decided.</p>
      <ErrorBox error={error} />
      {report && <WhatIfReport report={report} />}
    </Card>
  );
}

function WhatIfReport({ report }: { report: any }) {
  const changed = report.allowToDeny + report.denyToAllow + report.reasonsChanged;
  return (
    <div class="report" data-testid="what-if-report">
      <div class="stats">
        <div class="stat">
          <div class="stat-value">{report.replayed}</div>
          <div class="stat-label">decisions replayed</div>
        </div>
        <div class="stat">
          <div class="stat-value" data-testid="changed">{changed}</div>
          <div class="stat-label">would change</div>
        </div>
        <div class="stat stat-deny">
          <div class="stat-value" data-testid="allow-to-deny">{report.allowToDeny}</div>
          <div class="stat-label">allowed → denied</div>
        </div>
        <div class="stat stat-allow">
          <div class="stat-value" data-testid="deny-to-allow">{report.denyToAllow}</div>
          <div class="stat-label">denied → allowed</div>
        </div>
        <div class="stat">
          <div class="stat-value">{report.reasonsChanged}</div>
          <div class="stat-label">denied, other reasons</div>
        </div>
      </div>
      <p class="muted small-text">
        Self-check: {report.reproduced} of {report.replayed} decisions came out exactly as recorded when replayed under their own revision.
      </p>
      {report.warnings.map((w: string) => (
        <Notice kind="warn">{w}</Notice>
      ))}
      {changed > 0 && (
        <div class="two-col">
          <div>
            <h3>By reason</h3>
            <table>
              <thead>
                <tr>
                  <th>Reason</th>
                  <th>more</th>
                  <th>fewer</th>
                </tr>
              </thead>
              <tbody>
                {report.byReason.map((r: any) => (
                  <tr>
                    <td>{r.code}</td>
                    <td>{r.gained}</td>
                    <td>{r.lost}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div>
            <h3>By campaign</h3>
            <table>
              <thead>
                <tr>
                  <th>Campaign</th>
                  <th>replayed</th>
                  <th>→ denied</th>
                  <th>→ allowed</th>
                </tr>
              </thead>
              <tbody>
                {report.byCampaign.map((c: any) => (
                  <tr>
                    <td>{c.name}</td>
                    <td>{c.considered}</td>
                    <td>{c.allowToDeny}</td>
                    <td>{c.denyToAllow}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {report.examples.length > 0 && (
        <>
          <h3>Examples</h3>
          <table>
            <thead>
              <tr>
                <th>Decided</th>
                <th>Callee</th>
                <th>Recorded</th>
                <th>Under this revision</th>
              </tr>
            </thead>
            <tbody>
              {report.examples.map((x: any) => (
                <tr>
                  <td class="nowrap">
                    <a href={`#/decision/${x.decisionId}`}>{fmtTime(x.decidedAt)}</a>
                  </td>
                  <td>{x.callee}</td>
                  <td>
                    <Badge kind={x.before.allow ? 'allow' : 'deny'}>{x.before.allow ? 'allowed' : 'denied'}</Badge> {x.before.codes.join(', ')}
                  </td>
                  <td>
                    <Badge kind={x.after.allow ? 'allow' : 'deny'}>{x.after.allow ? 'allowed' : 'denied'}</Badge> {x.after.reasons.map((r: any) => r.message).join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
