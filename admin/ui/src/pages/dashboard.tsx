import { useState } from 'preact/hooks';
import { fmtTime, get, query } from '../api';
import { HBars, StackedBars } from '../components/charts';
import { Badge, Card, ErrorBox, Loading, useLoad } from '../components/ui';
import type { PageProps } from '../main';

/** A common reference for predictive-dialler abandonment; the CN pack sets no figure of its own. */
const ABANDONMENT_REFERENCE = 0.03;

export function DashboardPage({ tenantId }: PageProps) {
  const [days, setDays] = useState(7);
  const { data, error, loading } = useLoad(() => get(`/admin/api/dashboard${query({ tenantId, from: new Date(Date.now() - days * 86_400_000).toISOString() })}`), [tenantId, days]);
  return (
    <div>
      <div class="page-head">
        <h1>Dashboard</h1>
        <select aria-label="Period" value={days} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
          <option value={1}>Last 24 hours</option>
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
        </select>
      </div>
      {loading && !data ? <Loading /> : error ? <ErrorBox error={error} /> : <Dashboard d={data} />}
    </div>
  );
}

function Dashboard({ d }: { d: any }) {
  const denyRate = d.totals.decisions ? Math.round((d.totals.denied / d.totals.decisions) * 100) : 0;
  return (
    <>
      <div class="stats">
        <div class="stat">
          <div class="stat-value">{d.totals.decisions}</div>
          <div class="stat-label">decisions</div>
        </div>
        <div class="stat stat-allow">
          <div class="stat-value">{d.totals.allowed}</div>
          <div class="stat-label">allowed</div>
        </div>
        <div class="stat stat-deny">
          <div class="stat-value">{d.totals.denied}</div>
          <div class="stat-label">denied ({denyRate}%)</div>
        </div>
        <div class="stat">
          <div class="stat-value">{d.totals.capsHit}</div>
          <div class="stat-label">frequency caps hit</div>
        </div>
      </div>
      <div class="two-col">
        <Card title="Decisions over time">
          <StackedBars series={d.series} />
          <div class="legend">
            <span class="key key-allow" /> allowed <span class="key key-deny" /> denied
          </div>
        </Card>
        <Card title="Why calls were denied">
          {d.reasons.length === 0 ? <p class="muted">No denials in this period.</p> : <HBars rows={d.reasons.map((r: any) => ({ label: r.code, value: r.count }))} />}
        </Card>
      </div>
      <Card title="Campaigns">
        <table>
          <thead>
            <tr>
              <th>Campaign</th>
              <th>Decisions</th>
              <th>Denied</th>
              <th>Top blocked reasons</th>
              <th>Caps hit</th>
              <th>Abandoned / connected</th>
            </tr>
          </thead>
          <tbody>
            {d.campaigns.map((c: any) => (
              <tr>
                <td>
                  <a href={`#/decisions/${encodeURIComponent(c.campaignId)}`}>{c.name}</a>
                </td>
                <td>{c.decisions}</td>
                <td>{c.denied}</td>
                <td>{c.topReasons.map((r: any) => `${r.code} (${r.count})`).join(', ') || '—'}</td>
                <td>{c.capsHit}</td>
                <td>
                  {c.abandonmentRate === null ? (
                    <span class="muted">no outcomes</span>
                  ) : (
                    <>
                      <Badge kind={c.abandonmentRate > ABANDONMENT_REFERENCE ? 'deny' : 'allow'}>{(c.abandonmentRate * 100).toFixed(1)}%</Badge>{' '}
                      <span class="muted small-text">
                        {c.abandoned}/{c.connected}, reference limit {ABANDONMENT_REFERENCE * 100}%
                      </span>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.campaigns.length === 0 && <p class="muted">No decisions in this period.</p>}
      </Card>
      <Card title="Do-not-call registries">
        <Registries registries={d.registries} />
      </Card>
    </>
  );
}

export function Registries({ registries }: { registries: any[] }) {
  if (registries.length === 0) return <p class="muted">No registry copy loaded. Load one with <code>callgate registry import</code>.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>List</th>
          <th>Published</th>
          <th>Age</th>
          <th>Version</th>
          <th>Numbers</th>
          <th>Loaded</th>
        </tr>
      </thead>
      <tbody>
        {registries.map((r) => (
          <tr>
            <td>
              {r.name} <span class="muted">({r.id})</span>
            </td>
            <td>{fmtTime(r.listDate).slice(0, 10)}</td>
            <td>
              <Badge kind={r.stale ? 'deny' : 'allow'}>
                {r.ageDays} days{r.maxAgeDays ? ` of ${r.maxAgeDays}` : ''}
              </Badge>
            </td>
            <td>{r.version}</td>
            <td>{r.entries}</td>
            <td>{fmtTime(r.loadedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
