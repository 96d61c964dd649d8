import { callOf } from '../../gateway/src/decisions/record';
import { decide } from '../../gateway/src/engine/engine';
import type { CallInput, Decision, Facts, Reason } from '../../gateway/src/engine/types';
import { CompiledRevisions } from '../../gateway/src/policy/compiled-revisions';
import { composePolicies } from '../../gateway/src/policy/loader';
import type { CompiledPolicy } from '../../gateway/src/policy/types';
import type { Db } from '../../gateway/src/storage/db';
import { parseJson } from '../../gateway/src/storage/json';

export interface WhatIfQuery {
  from: number;
  to: number;
  /** Null: every tenant (the operator's officers); otherwise only this tenant's decisions. */
  tenantId: string | null;
  limit: number;
}

type Direction = 'allowToDeny' | 'denyToAllow' | 'reasonsChanged';

export interface WhatIfExample {
  decisionId: string;
  decidedAt: number;
  callee: string;
  campaignId: string;
  change: Direction;
  before: { allow: boolean; codes: string[] };
  after: { allow: boolean; codes: string[]; reasons: Reason[] };
}

export interface WhatIfReport {
  packId: string;
  revisionId: string;
  from: number;
  to: number;
  considered: number;
  truncated: boolean;
  replayed: number;
  /** Decisions made while failing closed carry no facts and cannot be replayed. */
  notReplayable: number;
  /** Replayed under their own recorded revision, how many came out exactly as recorded: the replay's self-check. */
  reproduced: number;
  notReproduced: number;
  unchanged: number;
  allowToDeny: number;
  denyToAllow: number;
  reasonsChanged: number;
  byReason: { code: string; gained: number; lost: number }[];
  byCampaign: { campaignId: string; name: string; considered: number; allowToDeny: number; denyToAllow: number; reasonsChanged: number }[];
  examples: WhatIfExample[];
  warnings: string[];
}

interface Recorded {
  id: string;
  decidedAt: number;
  call: CallInput;
  allow: boolean;
  codes: string[];
  revision: string;
  facts: Facts | null;
}

const codesOf = (reasons: Reason[]): string[] => reasons.map((r) => r.code);
const sameCodes = (a: string[], b: string[]) => a.length === b.length && a.every((c, i) => c === b[i]);
const MAX_EXAMPLES = 25;

/**
 * Display-number windows the draft counts. The recorded count of a window of the same length is
 * exact for any cap; only the instant the window frees again is unknown when the cap is new.
 */
function factsForDraft(call: CallInput, facts: Facts, draft: CompiledPolicy): { facts: Facts; exact: boolean } {
  if (!call.caller) return { facts, exact: true };
  let exact = true;
  const callerWindows = draft.callerWindows.map((w) => {
    const same = facts.callerWindows.find((r) => r.seconds === w.seconds && r.max === w.max);
    if (same) return same;
    const sameLength = facts.callerWindows.find((r) => r.seconds === w.seconds);
    if (!sameLength) exact = false;
    return { seconds: w.seconds, max: w.max, count: sameLength?.count ?? 0, kthNewest: null };
  });
  return { facts: { ...facts, callerWindows }, exact };
}

/**
 * Recorded revisions, compiled once each. A call judged by composed packs (a federal pack with its
 * state overlays) recorded the revision ids of its parts joined by "&"; each part is read back and
 * the parts composed again, and a draft of one part takes that part's place.
 */
class RevisionCache {
  private readonly parts = new CompiledRevisions();
  private readonly withDraft = new Map<string, CompiledPolicy | null>();
  constructor(private readonly db: Db) {}

  async get(revisionId: string): Promise<CompiledPolicy | null> {
    const parts = await Promise.all(revisionId.split('&').map((id) => this.part(id)));
    if (parts.some((p) => p === null)) return null;
    return parts.length === 1 ? parts[0] : composePolicies(parts as CompiledPolicy[]);
  }

  /** The recorded revision with the draft in place of its own pack: what the call would meet under the draft. */
  async draftIn(revisionId: string, draft: CompiledPolicy): Promise<CompiledPolicy | null> {
    if (this.withDraft.has(revisionId)) return this.withDraft.get(revisionId)!;
    const ids = revisionId.split('&');
    const parts = await Promise.all(ids.map((id) => (id.startsWith(`${draft.pack.id}@`) ? draft : this.part(id))));
    const policy = parts.some((p) => p === null) ? null : parts.length === 1 ? parts[0] : composePolicies(parts as CompiledPolicy[]);
    this.withDraft.set(revisionId, policy);
    return policy;
  }

  private part(revisionId: string): Promise<CompiledPolicy | null> {
    return this.parts.load(this.db, revisionId);
  }
}

/** Decisions are read a page at a time, so a long period never holds every recorded input at once. */
const PAGE = 2000;

const toRecorded = (r: Record<string, any>): Recorded => {
  const input = parseJson<{ call?: CallInput; facts?: Facts } | null>(r.input, null);
  return {
    id: r.id,
    decidedAt: Number(r.decided_at),
    call: callOf(r, input),
    allow: Boolean(r.allow),
    codes: codesOf(parseJson<Reason[]>(r.reasons, [])),
    revision: r.policy_revision,
    facts: input?.facts ?? null,
  };
};

/** The period's decisions under the pack, newest first, at most `limit + 1` (one more tells that it was cut). */
async function* recordedDecisions(db: Db, packId: string, query: WhatIfQuery): AsyncGenerator<Recorded> {
  let before: { at: number; id: string } | null = null;
  let read = 0;
  while (read <= query.limit) {
    const q = db('decisions')
      .where('decided_at', '>=', query.from)
      .andWhere('decided_at', '<', query.to)
      .andWhere((w) => w.where('policy_revision', 'like', `${packId}@%`).orWhere('policy_revision', 'like', `%&${packId}@%`))
      .orderBy([{ column: 'decided_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(Math.min(PAGE, query.limit + 1 - read))
      .select('id', 'decided_at', 'tenant_id', 'campaign_id', 'callee', 'caller', 'allow', 'reasons', 'policy_revision', 'input');
    if (query.tenantId) q.andWhere('tenant_id', query.tenantId);
    const cursor = before;
    if (cursor) q.andWhere((w) => w.where('decided_at', '<', cursor.at).orWhere((x) => x.where('decided_at', cursor.at).andWhere('id', '<', cursor.id)));
    const rows: Record<string, any>[] = await q;
    for (const row of rows) yield toRecorded(row);
    read += rows.length;
    if (rows.length === 0 || read > query.limit) return;
    const last = rows[rows.length - 1];
    before = { at: Number(last.decided_at), id: last.id };
  }
}

/**
 * Replays recorded decisions against a draft: the same engine, each call's recorded facts, at the
 * instant it was decided. Each decision is judged on what was known then; knock-on effects (a call
 * the draft would have allowed counting toward a later cap) are not simulated.
 */
export async function whatIf(db: Db, draft: CompiledPolicy, query: WhatIfQuery): Promise<WhatIfReport> {
  const packId = draft.pack.id;
  const revisions = new RevisionCache(db);
  const report: WhatIfReport = {
    packId, revisionId: draft.revisionId, from: query.from, to: query.to, considered: 0, truncated: false,
    replayed: 0, notReplayable: 0, reproduced: 0, notReproduced: 0, unchanged: 0, allowToDeny: 0, denyToAllow: 0, reasonsChanged: 0,
    byReason: [], byCampaign: [], examples: [], warnings: [],
  };
  const reasonCounts = new Map<string, { gained: number; lost: number }>();
  const campaigns = new Map<string, WhatIfReport['byCampaign'][number]>();
  let inexact = 0;
  let shortHistory = 0;
  for await (const row of recordedDecisions(db, packId, query)) {
    if (report.considered === query.limit) {
      report.truncated = true;
      break;
    }
    report.considered++;
    const campaign = campaigns.get(row.call.campaignId) ?? { campaignId: row.call.campaignId, name: '', considered: 0, allowToDeny: 0, denyToAllow: 0, reasonsChanged: 0 };
    campaigns.set(row.call.campaignId, campaign);
    campaign.considered++;
    if (!row.facts) {
      report.notReplayable++;
      continue;
    }
    report.replayed++;
    const own = await revisions.get(row.revision);
    if (own) {
      const again = decide(row.call, row.facts, own, row.decidedAt);
      if (again.allow === row.allow && sameCodes(codesOf(again.reasons), row.codes)) report.reproduced++;
      else report.notReproduced++;
      if (draft.calleeLookbackMs > own.calleeLookbackMs) shortHistory++;
    }
    const judge = (await revisions.draftIn(row.revision, draft)) ?? draft;
    const adapted = factsForDraft(row.call, row.facts, judge);
    if (!adapted.exact) inexact++;
    const after: Decision = decide(row.call, adapted.facts, judge, row.decidedAt);
    const afterCodes = codesOf(after.reasons);
    if (after.allow === row.allow && sameCodes(afterCodes, row.codes)) {
      report.unchanged++;
      continue;
    }
    const change: Direction = row.allow && !after.allow ? 'allowToDeny' : !row.allow && after.allow ? 'denyToAllow' : 'reasonsChanged';
    report[change]++;
    campaign[change]++;
    for (const code of new Set([...row.codes, ...afterCodes])) {
      const counts = reasonCounts.get(code) ?? { gained: 0, lost: 0 };
      if (afterCodes.includes(code) && !row.codes.includes(code)) counts.gained++;
      if (!afterCodes.includes(code) && row.codes.includes(code)) counts.lost++;
      reasonCounts.set(code, counts);
    }
    if (report.examples.length < MAX_EXAMPLES) {
      report.examples.push({
        decisionId: row.id, decidedAt: row.decidedAt, callee: row.call.callee, campaignId: row.call.campaignId, change,
        before: { allow: row.allow, codes: row.codes }, after: { allow: after.allow, codes: afterCodes, reasons: after.reasons },
      });
    }
  }
  const names = await db('campaigns').whereIn('id', [...campaigns.keys()]).select('id', 'name');
  for (const n of names) campaigns.get(n.id)!.name = n.name;
  report.byCampaign = [...campaigns.values()].sort((a, b) => b.allowToDeny + b.denyToAllow + b.reasonsChanged - (a.allowToDeny + a.denyToAllow + a.reasonsChanged));
  report.byReason = [...reasonCounts.entries()].map(([code, c]) => ({ code, ...c })).filter((r) => r.gained + r.lost > 0).sort((a, b) => b.gained + b.lost - (a.gained + a.lost));
  if (report.truncated) report.warnings.push(`Only the newest ${query.limit} decisions of the period were replayed; choose a shorter period to see them all.`);
  if (report.notReplayable > 0) report.warnings.push(`${report.notReplayable} decisions were made while the gateway failed closed; they carry no facts and were not replayed.`);
  if (report.notReproduced > 0) report.warnings.push(`${report.notReproduced} decisions did not come out as recorded when replayed under their own revision; treat their what-if result with care.`);
  if (shortHistory > 0) report.warnings.push(`The draft looks further back in a callee's history than was recorded for ${shortHistory} decisions; caps over the longer window may be undercounted.`);
  if (inexact > 0) report.warnings.push(`The draft counts display-number calls over a window that was not recorded for ${inexact} decisions; those counts are taken as zero.`);
  return report;
}
