import { parseActiveSuspension } from '../abuse/suspensions';
import type { Knex } from 'knex';
import type {
  AttemptFacts,
  CallInput,
  CallerNumberFacts,
  CallerWindowFacts,
  CampaignFacts,
  ConsentFacts,
  Facts,
  OptOutFacts,
  RegistryFacts,
  TenantFacts,
} from '../engine/types';
import { AppError } from '../errors';
import { numberInfo } from '../numbers/phone';
import type { PolicyResolver } from '../policy/resolve';
import type { CapWindow, CompiledPolicy, FactNeeds } from '../policy/types';
import type { RegistryStore } from '../registries/store';
import { activeBans } from './bans';
import type { Db } from './db';
import { toCampaign } from './entities';
import { registrationsOf } from './registrations';
import { abandonedCallsTo, campaignOutcomes, machineCallsTo, refusedCallsTo } from './outcomes';
import { calleeLocationsOf } from './callee-locations';
import { relationshipsOf } from './relationships';
import { groupsOf } from './tenant-groups';
import { parseJson } from './json';
import { reassignedFactsFor } from '../reassigned/facts';
import { importedReassignedSource, type ReassignedNumbersSource } from '../reassigned/source';
import type { ReassignedFacts } from '../reassigned/types';

/** Where facts come from besides the database: the packs, and the do-not-call lists in memory. */
export interface FactSources {
  policies: Map<string, CompiledPolicy>;
  resolver: PolicyResolver;
  registries: RegistryStore;
  /** Answers about reassigned numbers; the imported RND data when absent. */
  reassigned?: ReassignedNumbersSource;
}



type Row = Record<string, any>;

/** A call whose facts were found, with the policy its campaign names. */
export interface Resolved {
  call: CallInput;
  policy: CompiledPolicy;
  facts: Facts;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];

const toConsentFacts = (r: Row): ConsentFacts => ({
  id: r.id,
  tenantId: r.tenant_id,
  brandId: r.brand_id,
  purpose: r.purpose,
  modes: parseJson(r.modes, []),
  obtainedAt: Number(r.obtained_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

const toOptOutFacts = (r: Row): OptOutFacts => ({
  id: r.id,
  scope: r.scope,
  tenantId: r.tenant_id,
  brandId: r.brand_id,
  campaignId: r.campaign_id,
  effectiveAt: Number(r.effective_at),
  purpose: r.purpose ?? null,
});

const toCallerNumberFacts = (r: Row): CallerNumberFacts => ({
  id: r.id,
  tenantId: r.tenant_id,
  e164: r.e164,
  verificationStatus: r.verification_status,
  status: r.status,
  lineType: r.line_type,
  realNameProof: r.real_name_proof !== null,
  region: r.region,
  acceptsReturnCalls: nullableBool(r.accepts_return_calls),
  acceptsOptOutRequests: nullableBool(r.accepts_opt_out_requests),
  abuseSuspension: parseActiveSuspension(r.abuse_suspension),
});

/** MariaDB answers 0/1, SQLite 0/1, a row written before the column existed undefined. */
const nullableBool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(Number(v)));

/** Every display-number cap window of the packs in force, once each. */
function callerCapWindows(policies: Map<string, CompiledPolicy>): CapWindow[] {
  const windows = new Map<string, CapWindow>();
  for (const policy of policies.values()) for (const w of policy.callerWindows) windows.set(`${w.seconds}/${w.max}`, w);
  return [...windows.values()];
}

/**
 * Per display number and cap window, how many calls it made, counted by the database: a number
 * near its daily cap has hundreds of calls that need not travel. Only for a full window is the
 * max-th newest call fetched, so that the denial can say when the number may call again.
 */
async function countCallerWindows(q: Knex | Knex.Transaction, callers: string[], windows: CapWindow[], since: number): Promise<Map<string, CallerWindowFacts[]>> {
  const result = new Map<string, CallerWindowFacts[]>(callers.map((c) => [c, windows.map((w) => ({ ...w, count: 0, kthNewest: null }))]));
  if (callers.length === 0 || windows.length === 0) return result;
  const longest = Math.max(...windows.map((w) => w.seconds));
  const counts = windows.map((w, i) => q.raw(`SUM(CASE WHEN attempted_at > ? THEN 1 ELSE 0 END) AS w${i}`, [since - w.seconds * 1000]));
  const rows: Row[] = await q('call_attempts').select('caller', ...counts).whereIn('caller', callers).andWhere('attempted_at', '>', since - longest * 1000).groupBy('caller');
  for (const row of rows) {
    const perWindow = result.get(row.caller)!;
    perWindow.forEach((w, i) => (w.count = Number(row[`w${i}`] ?? 0)));
  }
  for (const [caller, perWindow] of result) {
    for (const w of perWindow) {
      if (w.max === 0 || w.count < w.max) continue;
      const kth = await q('call_attempts')
        .where({ caller })
        .andWhere('attempted_at', '>', since - w.seconds * 1000)
        .orderBy('attempted_at', 'desc')
        .offset(w.max - 1)
        .limit(1)
        .select('attempted_at');
      w.kthNewest = kth.length > 0 ? Number(kth[0].attempted_at) : null;
    }
  }
  return result;
}

/** The policy each call of the batch is judged by, for calls whose tenant owns their campaign. */
function batchPolicies(calls: CallInput[], campaignById: Map<string, Row>, resolver: PolicyResolver): Map<CallInput, CompiledPolicy | null> {
  const result = new Map<CallInput, CompiledPolicy | null>();
  for (const call of calls) {
    const row = campaignById.get(call.campaignId);
    if (!row || row.tenant_id !== call.tenantId) continue;
    result.set(call, resolver.forCall(toCampaign(row, []).policyPacks, numberInfo(call.callee)?.country ?? null));
  }
  return result;
}

const EVERY_FACT: FactNeeds = { registrations: true, relationships: true, redialLookbackMs: 0, machineLookbackMs: 0, refusalLookbackMs: 0, reassigned: true };

/** The optional facts any policy judging the batch reads: one query per kind, or none at all. */
export function batchNeeds(policies: Iterable<CompiledPolicy | null>): Required<FactNeeds> & { abandonmentWindows: number[] } {
  const needs = { registrations: false, relationships: false, redialLookbackMs: 0, machineLookbackMs: 0, refusalLookbackMs: 0, reassigned: false, abandonmentWindows: new Set<number>() };
  for (const policy of policies) {
    if (!policy) continue;
    const own = policy.needs ?? { ...EVERY_FACT, redialLookbackMs: legacyLookback(policy, 'redialWaitSeconds'), machineLookbackMs: legacyLookback(policy, 'machineRedialWaitSeconds') };
    needs.registrations ||= own.registrations;
    needs.relationships ||= own.relationships;
    needs.reassigned ||= own.reassigned ?? false;
    needs.redialLookbackMs = Math.max(needs.redialLookbackMs, own.redialLookbackMs);
    needs.machineLookbackMs = Math.max(needs.machineLookbackMs, own.machineLookbackMs ?? 0);
    needs.refusalLookbackMs = Math.max(needs.refusalLookbackMs, own.refusalLookbackMs ?? legacyRefusalLookback(policy));
    for (const w of policy.abandonmentWindows ?? []) needs.abandonmentWindows.add(w);
  }
  return { ...needs, abandonmentWindows: [...needs.abandonmentWindows] };
}

function legacyRefusalLookback(policy: CompiledPolicy): number {
  return Math.max(0, ...policy.pack.rules.map((r) => (r.kind === 'refusalWait' ? r.params.days * 86_400_000 : 0)));
}

function legacyLookback(policy: CompiledPolicy, wait: 'redialWaitSeconds' | 'machineRedialWaitSeconds'): number {
  return Math.max(0, ...policy.pack.rules.map((r) => (r.kind === 'abandonment' ? (r.params[wait] ?? 0) * 1000 : 0)));
}

/**
 * The Reassigned Numbers Database answers for the callees of calls whose policy has the rule: one
 * query for the batch, asked with each callee's earliest date of consent; none when no policy needs it.
 */
async function reassignedFacts(q: Knex | Knex.Transaction, calls: CallInput[], policyByCall: Map<CallInput, CompiledPolicy | null>, consents: Row[], source: ReassignedNumbersSource): Promise<Map<string, ReassignedFacts>> {
  const callees = unique(calls.filter((c) => batchNeeds([policyByCall.get(c) ?? null]).reassigned).map((c) => c.callee));
  if (callees.length === 0) return new Map();
  const wanted = new Set(callees);
  const earliest = new Map<string, number>();
  for (const c of consents) {
    if (!wanted.has(c.callee)) continue;
    const at = Number(c.obtained_at);
    earliest.set(c.callee, Math.min(at, earliest.get(c.callee) ?? at));
  }
  return reassignedFactsFor(q as Db, source, earliest, callees);
}

export interface BatchFacts {
  /** Facts for each call, or the 4xx error that makes it no question at all (an unknown campaign). */
  resolved: (Resolved | AppError)[];
  /** Adds an allowed call to the in-memory history, so later calls of the same batch count it. */
  noteAttempt(call: CallInput, at: number): void;
}

/**
 * Gathers the facts for a batch of calls with one query per kind of fact, whatever the batch size:
 * the decision path never runs a query per call or per rule.
 */
export async function loadBatchFacts(
  q: Knex | Knex.Transaction,
  calls: CallInput[],
  sources: FactSources,
  since: number,
): Promise<BatchFacts> {
  const { policies, resolver, registries } = sources;
  const tenantIds = unique(calls.map((c) => c.tenantId));
  const campaignIds = unique(calls.map((c) => c.campaignId));
  const callees = unique(calls.map((c) => c.callee));
  const callers = unique(calls.map((c) => c.caller));
  const lookback = Math.max(0, ...[...policies.values()].map((p) => p.calleeLookbackMs));
  // Two days back covers every zone still on an earlier date than UTC.
  const earliestBanDay = new Date(since - 2 * 86_400_000).toISOString().slice(0, 10);

  // The campaigns say which policies judge the batch, and those say which optional facts to read:
  // those queries start as soon as the campaigns are known, while the others are still running.
  // A real promise: a query builder runs its query again for every `then`.
  const campaignsRead: Promise<Row[]> = q('campaigns').whereIn('id', campaignIds).then((rows: Row[]) => rows);
  const policyOf = campaignsRead.then((rows) => batchPolicies(calls, new Map(rows.map((c) => [c.id, c])), resolver));
  const optional = policyOf.then((resolvedPolicies) => {
    const needs = batchNeeds(resolvedPolicies.values());
    const none = new Map<string, never[]>();
    return Promise.all([
      needs.registrations ? registrationsOf(q as Db, tenantIds) : none,
      needs.relationships ? relationshipsOf(q as Db, callees, tenantIds) : none,
      needs.abandonmentWindows.length > 0 ? campaignOutcomes(q as Db, campaignIds, needs.abandonmentWindows, since) : none,
      needs.redialLookbackMs > 0 ? abandonedCallsTo(q as Db, callees, since - needs.redialLookbackMs) : new Map<string, AttemptFacts[]>(),
      needs.machineLookbackMs > 0 ? machineCallsTo(q as Db, callees, since - needs.machineLookbackMs) : new Map<string, AttemptFacts[]>(),
      needs.refusalLookbackMs > 0 ? refusedCallsTo(q as Db, callees, since - needs.refusalLookbackMs) : new Map<string, AttemptFacts[]>(),
    ]);
  });
  // A call that names its own location needs no stored one.
  const unplaced = unique(calls.filter((c) => !c.calleeLocation).map((c) => c.callee));
  const [tenants, campaigns, numbers, links, consents, optOuts, calleeAttempts, callerWindows, bans, [registrations, relationships, outcomes, abandoned, machine, refused], policyByCall, locations, groups] = await Promise.all([
    q('tenants').whereIn('id', tenantIds).select('id', 'verification_status', 'abuse_suspension'),
    campaignsRead,
    callers.length ? q('caller_numbers').whereIn('e164', callers) : [],
    callers.length
      ? q('campaign_numbers as cn').join('caller_numbers as n', 'n.id', 'cn.caller_number_id').whereIn('cn.campaign_id', campaignIds).whereIn('n.e164', callers).select('cn.campaign_id', 'n.e164')
      : [],
    // Only what the engine reads: the evidence stays in the database.
    q('consents').whereIn('callee', callees).whereIn('tenant_id', tenantIds).select('id', 'callee', 'tenant_id', 'brand_id', 'purpose', 'modes', 'obtained_at', 'expires_at', 'revoked_at'),
    // The purpose of the campaign a refusal was given to: a pack may widen it for that purpose only.
    q('opt_outs as o')
      .leftJoin('campaigns as oc', 'oc.id', 'o.campaign_id')
      .whereIn('o.callee', callees)
      .select('o.id', 'o.callee', 'o.scope', 'o.tenant_id', 'o.brand_id', 'o.campaign_id', 'o.effective_at', 'oc.purpose'),
    q('call_attempts').whereIn('callee', callees).andWhere('attempted_at', '>', since - lookback).orderBy('attempted_at', 'desc').select('callee', 'tenant_id', 'caller', 'attempted_at'),
    countCallerWindows(q, callers, callerCapWindows(policies), since),
    // Operator bans bind every pack's calls, so they are read whatever the rules.
    activeBans(q as Db, earliestBanDay),
    optional,
    policyOf,
    calleeLocationsOf(q as Db, unplaced, tenantIds),
    groupsOf(q as Db, tenantIds),
  ]);

  const reassigned = await reassignedFacts(q, calls, policyByCall, consents as Row[], sources.reassigned ?? importedReassignedSource);
  const tenantById = new Map<string, TenantFacts>(tenants.map((t: Row) => [t.id, { id: t.id, verificationStatus: t.verification_status, abuseSuspension: parseActiveSuspension(t.abuse_suspension) }]));
  const campaignById = new Map<string, Row>(campaigns.map((c: Row) => [c.id, c]));
  const numberByE164 = new Map<string, CallerNumberFacts>((numbers as Row[]).map((n) => [n.e164, toCallerNumberFacts(n)]));
  const campaignHasNumber = new Set((links as Row[]).map((l) => `${l.campaign_id} ${l.e164}`));
  const consentsByCallee = groupBy((consents as Row[]).map((c) => ({ callee: c.callee as string, facts: toConsentFacts(c) })), (c) => c.callee);
  const optOutsByCallee = groupBy((optOuts as Row[]).map((o) => ({ callee: o.callee as string, facts: toOptOutFacts(o) })), (o) => o.callee);
  const attemptsByCallee = new Map<string, AttemptFacts[]>(callees.map((c) => [c, []]));
  for (const a of calleeAttempts as Row[]) attemptsByCallee.get(a.callee)!.push({ at: Number(a.attempted_at), tenantId: a.tenant_id, caller: a.caller });

  const resolve = (call: CallInput): Resolved | AppError => {
    const tenant = tenantById.get(call.tenantId);
    if (!tenant) return new AppError('TENANT_NOT_FOUND', `No tenant ${call.tenantId}`);
    const row = campaignById.get(call.campaignId);
    if (!row || row.tenant_id !== call.tenantId) return new AppError('CAMPAIGN_NOT_FOUND', `No campaign ${call.campaignId} for this tenant`);
    const packIds = toCampaign(row, []).policyPacks;
    const policy = policyByCall.get(call);
    if (!policy) return new AppError('POLICY_PACK_NOT_FOUND', `The campaign names the policy packs ${packIds.join(', ')}, not all of which are loaded`);
    const campaign: CampaignFacts = {
      id: row.id,
      tenantId: row.tenant_id,
      brandId: row.brand_id,
      purpose: row.purpose,
      dialingMode: row.dialing_mode,
      policyPack: row.policy_pack,
      policyPacks: packIds,
      status: row.status,
      recordingRetentionDays: row.recording_retention_days === null || row.recording_retention_days === undefined ? null : Number(row.recording_retention_days),
    };
    const registryFacts: RegistryFacts[] = registries.factsFor(call.callee);
    const facts: Facts = {
      tenant,
      campaign,
      callerNumber: call.caller ? numberByE164.get(call.caller) ?? null : null,
      callerInCampaign: call.caller !== null && campaignHasNumber.has(`${row.id} ${call.caller}`),
      consents: (consentsByCallee.get(call.callee) ?? []).map((c) => c.facts),
      optOuts: (optOutsByCallee.get(call.callee) ?? []).map((o) => o.facts),
      group: groups.get(call.tenantId) ?? null,
      registries: registryFacts,
      bans,
      registrations: registrations.get(call.tenantId) ?? [],
      relationships: relationships.get(call.callee) ?? [],
      campaignOutcomes: outcomes.get(call.campaignId) ?? [],
      abandonedCalls: abandoned.get(call.callee) ?? [],
      machineCalls: machine.get(call.callee) ?? [],
      refusedCalls: refused.get(call.callee) ?? [],
      calleeLocation: locations.get(`${call.tenantId} ${call.callee}`) ?? null,
      ...(reassigned.has(call.callee) && policy.needs?.reassigned !== false ? { reassigned: reassigned.get(call.callee)! } : {}),
      // Shared with the other calls of the batch: an allowed call earlier in it is seen by those after it.
      calleeAttempts: attemptsByCallee.get(call.callee)!,
      callerWindows: call.caller ? callerWindows.get(call.caller)! : [],
    };
    return { call, policy, facts };
  };

  return {
    resolved: calls.map(resolve),
    noteAttempt(call, at) {
      attemptsByCallee.get(call.callee)!.unshift({ at, tenantId: call.tenantId, caller: call.caller });
      // One more call in every window; which call is now the max-th newest is not known here.
      for (const w of call.caller ? callerWindows.get(call.caller)! : []) {
        w.count++;
        w.kthNewest = null;
      }
    },
  };
}
