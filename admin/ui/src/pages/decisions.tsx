import { useState } from 'preact/hooks';
import { fmtTime, get, query } from '../api';
import { CampaignField } from '../components/campaign-field';
import { Badge, Card, ErrorBox, Field, Json, Loading, useLoad } from '../components/ui';
import type { PageProps } from '../main';

export function DecisionsPage({ tenantId, params }: PageProps) {
  const [form, setForm] = useState({ callee: '', campaignId: params[0] ?? '', outcome: '', from: '', to: '' });
  const [search, setSearch] = useState(form);
  const { data, error, loading } = useLoad(
    () =>
      get(
        `/admin/api/decisions${query({
          tenantId,
          callee: search.callee.trim(),
          campaignId: search.campaignId,
          outcome: search.outcome,
          from: search.from ? new Date(search.from).toISOString() : '',
          to: search.to ? new Date(search.to).toISOString() : '',
        })}`,
      ),
    [tenantId, search],
  );
  const set = (key: string) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  return (
    <div>
      <h1>Decisions</h1>
      <Card>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(form);
          }}
        >
          <Field label="Callee">
            <input name="callee" placeholder="+8613800138000" value={form.callee} onInput={set('callee')} />
          </Field>
          <CampaignField tenantId={tenantId} name="campaignId" value={form.campaignId} onChange={set('campaignId')} />
          <Field label="Outcome">
            <select name="outcome" value={form.outcome} onChange={set('outcome')}>
              <option value="">Any</option>
              <option value="allowed">Allowed</option>
              <option value="denied">Denied</option>
            </select>
          </Field>
          <Field label="From">
            <input type="datetime-local" name="from" value={form.from} onInput={set('from')} />
          </Field>
          <Field label="To">
            <input type="datetime-local" name="to" value={form.to} onInput={set('to')} />
          </Field>
          <div class="field">
            <span class="field-label">&nbsp;</span>
            <button class="primary" type="submit">
              Search
            </button>
          </div>
        </form>
      </Card>
      <Card title="Newest first">
        {loading ? (
          <Loading />
        ) : error ? (
          <ErrorBox error={error} />
        ) : data.decisions.length === 0 ? (
          <p class="muted">No decision matches.</p>
        ) : (
          <table class="decisions">
            <thead>
              <tr>
                <th>Decided</th>
                <th>Callee</th>
                <th>Display number</th>
                <th>Outcome</th>
                <th>Reasons</th>
              </tr>
            </thead>
            <tbody>
              {data.decisions.map((d: any) => (
                <tr class="clickable" onClick={() => (location.hash = `#/decision/${d.id}`)}>
                  <td class="nowrap">
                    <a href={`#/decision/${d.id}`}>{fmtTime(d.decidedAt)}</a>
                  </td>
                  <td>{d.callee}</td>
                  <td>{d.caller ?? '—'}</td>
                  <td>
                    <Badge kind={d.allow ? 'allow' : 'deny'}>{d.allow ? 'allowed' : 'denied'}</Badge>
                  </td>
                  <td>{d.codes.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

export function DecisionPage({ params }: PageProps) {
  const { data: d, error, loading } = useLoad(() => get(`/v1/decisions/${encodeURIComponent(params[0])}`), [params[0]]);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  const facts = d.input?.facts;
  return (
    <div>
      <p>
        <a href="#/decisions">← Decisions</a>
      </p>
      <h1>
        Call to {d.callee} <Badge kind={d.allow ? 'allow' : 'deny'}>{d.allow ? 'allowed' : 'denied'}</Badge>
      </h1>
      <Card title="Why">
        {d.allow ? (
          <p>Every rule of the pack passed.</p>
        ) : (
          <ol class="reasons">
            {d.reasons.map((r: any) => (
              <li>
                <div>
                  <strong>{r.code}</strong> — {r.message}
                </div>
                <div class="muted small-text">
                  rule {r.rule} · {r.citation}
                </div>
              </li>
            ))}
          </ol>
        )}
        {d.nextAllowedAt && (
          <p>
            Next allowed at <strong>{fmtTime(d.nextAllowedAt)}</strong>.
          </p>
        )}
      </Card>
      <div class="two-col">
        <Card title="The call">
          <dl class="facts">
            <dt>Decided</dt>
            <dd>{fmtTime(d.decidedAt)}</dd>
            <dt>Display number</dt>
            <dd>{d.caller ?? '—'}</dd>
            <dt>Campaign</dt>
            <dd>
              <code>{d.campaignId}</code>
            </dd>
            <dt>Policy revision</dt>
            <dd>
              <code>{d.policyRevision}</code>
            </dd>
            <dt>Rules evaluated</dt>
            <dd>{d.ruleIds.join(', ')}</dd>
            <dt>Instance</dt>
            <dd>{d.instanceId}</dd>
          </dl>
        </Card>
        <Card title="What the gateway knew">
          {facts ? (
            <dl class="facts">
              <dt>Tenant verification</dt>
              <dd>{facts.tenant.verificationStatus}</dd>
              <dt>Campaign</dt>
              <dd>
                {facts.campaign.purpose}, {facts.campaign.dialingMode}, {facts.campaign.status}
              </dd>
              <dt>Display number</dt>
              <dd>{facts.callerNumber ? `${facts.callerNumber.verificationStatus}, ${facts.callerNumber.status}, ${facts.callerNumber.lineType}` : 'not registered'}</dd>
              <dt>Consents</dt>
              <dd>{facts.consents.length}</dd>
              <dt>Opt-outs</dt>
              <dd>{facts.optOuts.map((o: any) => `${o.id} (${o.scope})`).join(', ') || 'none'}</dd>
              <dt>Earlier calls</dt>
              <dd>{facts.calleeAttempts.length} in the look-back window</dd>
            </dl>
          ) : (
            <p class="muted">Decided while failing closed: no facts were read.</p>
          )}
          <details>
            <summary>Full recorded input</summary>
            <Json value={d.input} />
          </details>
        </Card>
      </div>
    </div>
  );
}
