import type { Reason } from '../../gateway/src/engine/types';
import type { Db } from '../../gateway/src/storage/db';
import { parseJson } from '../../gateway/src/storage/json';
import { listRegistries } from '../../gateway/src/storage/registry';
import type { CompiledPolicy } from '../../gateway/src/policy/types';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The dashboard reads at most this many decisions of a period; the answer says when it stopped. */
const MAX_ROWS = 200_000;

export interface Dashboard {
  from: number;
  to: number;
  bucketMs: number;
  truncated: boolean;
  totals: { decisions: number; allowed: number; denied: number; capsHit: number };
  series: { at: number; allowed: number; denied: number; reasons: Record<string, number> }[];
  reasons: { code: string; count: number }[];
  campaigns: {
    campaignId: string;
    name: string;
    decisions: number;
    denied: number;
    capsHit: number;
    topReasons: { code: string; count: number }[];
    connected: number;
    abandoned: number;
    abandonmentRate: number | null;
  }[];
  registries: { id: string; name: string; listDate: number; loadedAt: number; version: number; entries: number; ageDays: number; maxAgeDays: number | null; stale: boolean }[];
}

function count<K>(map: Map<K, number>, key: K, by = 1) {
  map.set(key, (map.get(key) ?? 0) + by);
}

const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([code, c]) => ({ code, count: c }));

/** Oldest list date each registry may have under the packs in force. */
function registryLimits(policies: Map<string, CompiledPolicy>): Map<string, number> {
  const limits = new Map<string, number>();
  for (const p of policies.values()) {
    for (const rule of p.pack.rules) {
      if (rule.kind !== 'registry') continue;
      for (const l of rule.params.lists) limits.set(l.listId, Math.min(limits.get(l.listId) ?? Infinity, l.maxAgeDays));
    }
  }
  return limits;
}

export async function dashboard(db: Db, policies: Map<string, CompiledPolicy>, tenantId: string | null, from: number, to: number, now = Date.now()): Promise<Dashboard> {
  const bucketMs = to - from > 3 * DAY ? DAY : HOUR;
  const q = db('decisions').where('decided_at', '>=', from).andWhere('decided_at', '<', to).select('decided_at', 'campaign_id', 'allow', 'reasons').orderBy('decided_at').limit(MAX_ROWS + 1);
  if (tenantId) q.andWhere('tenant_id', tenantId);
  const rows: Record<string, any>[] = await q;
  const truncated = rows.length > MAX_ROWS;
  if (truncated) rows.length = MAX_ROWS;

  const start = Math.floor(from / bucketMs) * bucketMs;
  const series: Dashboard['series'] = [];
  for (let at = start; at < to; at += bucketMs) series.push({ at, allowed: 0, denied: 0, reasons: {} });
  const reasons = new Map<string, number>();
  const perCampaign = new Map<string, { decisions: number; denied: number; capsHit: number; reasons: Map<string, number> }>();
  let allowed = 0;
  let capsHit = 0;
  for (const row of rows) {
    const bucket = series[Math.floor((Number(row.decided_at) - start) / bucketMs)];
    const campaign = perCampaign.get(row.campaign_id) ?? { decisions: 0, denied: 0, capsHit: 0, reasons: new Map() };
    perCampaign.set(row.campaign_id, campaign);
    campaign.decisions++;
    if (row.allow) {
      allowed++;
      if (bucket) bucket.allowed++;
      continue;
    }
    campaign.denied++;
    if (bucket) bucket.denied++;
    const codes = new Set(parseJson<Reason[]>(row.reasons, []).map((r) => r.code));
    if (codes.has('FREQUENCY_CAP_EXCEEDED')) {
      capsHit++;
      campaign.capsHit++;
    }
    for (const code of codes) {
      count(reasons, code);
      count(campaign.reasons, code);
      if (bucket) bucket.reasons[code] = (bucket.reasons[code] ?? 0) + 1;
    }
  }

  const outcomesQuery = db('call_outcomes as o')
    .join('decisions as d', 'd.id', 'o.decision_id')
    .where('d.decided_at', '>=', from)
    .andWhere('d.decided_at', '<', to)
    .whereIn('o.outcome', ['answered', 'abandoned'])
    .groupBy('d.campaign_id', 'o.outcome')
    .select('d.campaign_id', 'o.outcome')
    .count({ n: '*' });
  if (tenantId) outcomesQuery.andWhere('d.tenant_id', tenantId);
  const outcomes = new Map<string, { connected: number; abandoned: number }>();
  for (const o of (await outcomesQuery) as Record<string, any>[]) {
    const entry = outcomes.get(o.campaign_id) ?? { connected: 0, abandoned: 0 };
    outcomes.set(o.campaign_id, entry);
    entry.connected += Number(o.n);
    if (o.outcome === 'abandoned') entry.abandoned += Number(o.n);
  }
  const campaignIds = [...new Set([...perCampaign.keys(), ...outcomes.keys()])];
  const names = new Map<string, string>((await db('campaigns').whereIn('id', campaignIds).select('id', 'name')).map((c: Record<string, string>) => [c.id, c.name]));

  const limits = registryLimits(policies);
  return {
    from,
    to,
    bucketMs,
    truncated,
    totals: { decisions: rows.length, allowed, denied: rows.length - allowed, capsHit },
    series,
    reasons: top(reasons, 20),
    campaigns: campaignIds.map((id) => {
      const c = perCampaign.get(id) ?? { decisions: 0, denied: 0, capsHit: 0, reasons: new Map() };
      const o = outcomes.get(id) ?? { connected: 0, abandoned: 0 };
      return {
        campaignId: id,
        name: names.get(id) ?? id,
        decisions: c.decisions,
        denied: c.denied,
        capsHit: c.capsHit,
        topReasons: top(c.reasons, 3),
        connected: o.connected,
        abandoned: o.abandoned,
        abandonmentRate: o.connected > 0 ? o.abandoned / o.connected : null,
      };
    }),
    registries: (await listRegistries(db)).map((r) => {
      const ageDays = Math.floor((now - r.listDate) / DAY);
      const maxAgeDays = limits.get(r.id) ?? null;
      return { ...r, ageDays, maxAgeDays, stale: maxAgeDays !== null && ageDays > maxAgeDays };
    }),
  };
}

export interface DecisionSearch {
  tenantId: string | null;
  callee?: string;
  campaignId?: string;
  from?: number;
  to?: number;
  outcome?: 'allowed' | 'denied';
  limit: number;
}

/** Recorded decisions, newest first, for the search page; the full record is GET /v1/decisions/{id}. */
export async function searchDecisions(db: Db, s: DecisionSearch) {
  const q = db('decisions').orderBy('decided_at', 'desc').limit(s.limit).select('id', 'decided_at', 'tenant_id', 'campaign_id', 'callee', 'caller', 'allow', 'reasons', 'policy_revision');
  if (s.tenantId) q.where('tenant_id', s.tenantId);
  if (s.callee) q.andWhere('callee', s.callee);
  if (s.campaignId) q.andWhere('campaign_id', s.campaignId);
  if (s.from !== undefined) q.andWhere('decided_at', '>=', s.from);
  if (s.to !== undefined) q.andWhere('decided_at', '<', s.to);
  if (s.outcome) q.andWhere('allow', s.outcome === 'allowed');
  return (await q).map((r: Record<string, any>) => ({
    id: r.id as string,
    decidedAt: Number(r.decided_at),
    tenantId: r.tenant_id as string,
    campaignId: r.campaign_id as string,
    callee: r.callee as string,
    caller: r.caller as string | null,
    allow: Boolean(r.allow),
    codes: parseJson<Reason[]>(r.reasons, []).map((x) => x.code),
    policyRevision: r.policy_revision as string,
  }));
}
