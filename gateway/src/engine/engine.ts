import { numberInfo, type NumberInfo } from '../numbers/phone';
import type { CallingHoursRule, Citation, CompiledPolicy, PackRule } from '../policy/types';
import { pass, type Finding, type RuleContext } from './context';
import { localIsoDate } from './calendar';
import { locationNote, placeCallee } from './location';
import { REASONS } from './reasons';
import { descriptorOf } from './rules';
import type { BanFacts, CallInput, Decision, DialingMode, Facts, Reason } from './types';

/** Gateway-level checks that no pack can switch off. */
const GATEWAY_RULES = {
  campaign: { id: 'GATEWAY-CAMPAIGN-ACTIVE', citation: 'callgate: only an active campaign may dial' },
  coverage: { id: 'GATEWAY-POLICY-COVERAGE', citation: "callgate: a campaign's pack must cover the callee's country" },
  abuse: { id: 'GATEWAY-ABUSE-SUSPENSION', citation: 'callgate abuse thresholds (policies/abuse/thresholds.json): suspended until an operator lifts it' },
};

/** How many times waiting is re-judged before giving up on finding `nextAllowedAt`. */
const MAX_RETRY_STEPS = 64;

export function formatCitation(c: Citation): string {
  return c.article ? `${c.instrument} ${c.article}` : c.instrument;
}

function inForce(rule: PackRule, today: string): boolean {
  return rule.effectiveFrom <= today && (!rule.effectiveUntil || today < rule.effectiveUntil);
}

/** A rule limited to subdivisions binds a callee who may be in any of them. */
function reachesCallee(rule: PackRule, callee: NumberInfo): boolean {
  return !rule.regions || rule.regions.some((r) => callee.subdivisions.includes(r));
}

/** For a number that may be in several subdivisions: which candidate brought this rule to bear. */
function candidateNote(rule: PackRule, callee: NumberInfo): string {
  if (!rule.regions || callee.subdivisions.length < 2) return '';
  const binding = rule.regions.filter((r) => callee.subdivisions.includes(r));
  return ` (the number may be in ${callee.subdivisions.join(', ')}; bound by ${binding.join(', ')})`;
}

const DAY_MS = 86_400_000;
const ALL_DAY = [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }];

/** Every civil date of a ban, so the calendar judges it in the callee's own zones like a holiday. */
function banDates(ban: BanFacts): string[] {
  const dates: string[] = [];
  for (let d = Date.parse(`${ban.startsOn}T00:00:00Z`); d <= Date.parse(`${ban.endsOn}T00:00:00Z`); d += DAY_MS) dates.push(new Date(d).toISOString().slice(0, 10));
  return dates;
}

/**
 * Operator-entered bans for the callee's country or subdivision, as calling-hours rules of whole
 * no-call days: they are reported, and waited out by nextAllowedAt, like any holiday.
 */
function banRules(bans: BanFacts[] | undefined, callee: NumberInfo, policy: CompiledPolicy): CallingHoursRule[] {
  const matching = (bans ?? []).filter((b) => b.region === callee.country || callee.subdivisions.includes(b.region));
  if (matching.length === 0) return [];
  const packZones = policy.pack.rules.flatMap((r) => (r.kind === 'callingHours' ? r.params.fallbackZones : []));
  const fallbackZones = packZones.length > 0 ? [...new Set(packZones)] : ['UTC'];
  return matching.map((ban) => ({
    id: `GATEWAY-BAN-${ban.id}`,
    kind: 'callingHours',
    title: ban.reason,
    citation: { instrument: `Operator ban for ${ban.region}`, article: `${ban.startsOn} to ${ban.endsOn}`, source: 'callgate calling bans', note: ban.reason },
    status: 'policy_choice',
    effectiveFrom: ban.startsOn,
    params: { windows: ALL_DAY, fallbackZones, holidays: { dates: banDates(ban) } },
  }));
}

/**
 * A call whose declared mode differs from its campaign's is judged under both modes, and every
 * finding of either stands: a declared mode can add demands (prerecorded on an agent campaign needs
 * consent naming prerecorded calls) but never remove one (declaring "agent" on a prerecorded
 * campaign still needs that consent). Every rule is judged twice, not only those known to read the
 * mode today, so a rule added later cannot be dodged either; identical findings are reported once.
 */
function modesToJudge(ctx: RuleContext): DialingMode[] {
  const own = ctx.facts.campaign.dialingMode;
  return ctx.call.mode === undefined || ctx.call.mode === own ? [own] : [own, ctx.call.mode];
}

function underMode(ctx: RuleContext, mode: DialingMode): RuleContext {
  if (mode === ctx.facts.campaign.dialingMode) return ctx;
  return { ...ctx, facts: { ...ctx.facts, campaign: { ...ctx.facts.campaign, dialingMode: mode } } };
}

function runRule(rule: PackRule, ctx: RuleContext): Finding[] {
  const { check } = descriptorOf(rule);
  const modes = modesToJudge(ctx);
  if (modes.length === 1) return check(rule, ctx);
  const findings: Finding[] = [];
  for (const finding of modes.flatMap((mode) => check(rule, underMode(ctx, mode)))) {
    if (!findings.some((f) => f.code === finding.code && f.message === finding.message)) findings.push(finding);
  }
  return findings;
}

function gatewayFindings(ctx: RuleContext): Reason[] {
  const reasons: Reason[] = [];
  const campaign = ctx.facts.campaign;
  if (campaign.status !== 'active') {
    const { id, citation } = GATEWAY_RULES.campaign;
    reasons.push({ code: 'CAMPAIGN_INACTIVE', rule: id, citation, message: `The campaign is ${campaign.status}` });
  }
  if (!ctx.callee.country || !ctx.policy.pack.appliesTo.countries.includes(ctx.callee.country)) {
    const { id, citation } = GATEWAY_RULES.coverage;
    const message = `The pack "${ctx.policy.pack.id}" covers ${ctx.policy.pack.appliesTo.countries.join(', ')}, not ${ctx.callee.country ?? 'this number'}`;
    reasons.push({ code: 'NO_POLICY_FOR_DESTINATION', rule: id, citation, message });
  }
  reasons.push(...abuseFindings(ctx));
  return reasons;
}

/** A tenant or display number an abuse threshold suspended: denied whatever the pack, until lifted. */
function abuseFindings(ctx: RuleContext): Reason[] {
  const { id, citation } = GATEWAY_RULES.abuse;
  const reasons: Reason[] = [];
  const tenant = ctx.facts.tenant.abuseSuspension;
  if (tenant) reasons.push({ code: 'TENANT_SUSPENDED_ABUSE', rule: id, citation, message: `The tenant is suspended since ${new Date(tenant.since).toISOString()} (suspension ${tenant.id}): ${tenant.message}` });
  const number = ctx.facts.callerNumber;
  if (number?.abuseSuspension && number.tenantId === ctx.call.tenantId) {
    const s = number.abuseSuspension;
    reasons.push({ code: 'CALLER_ID_SUSPENDED_ABUSE', rule: id, citation, message: `The display number ${number.e164} is suspended since ${new Date(s.since).toISOString()} (suspension ${s.id}): ${s.message}` });
  }
  return reasons;
}

/** Runs the rules whose findings can clear with time, to see whether the call may go at `at`. */
function timeFindings(rules: PackRule[], ctx: RuleContext, at: number): Finding[] {
  const later = { ...ctx, now: at };
  return rules.flatMap((rule) => (descriptorOf(rule).timeBased ? runRule(rule, later) : pass));
}

/**
 * The earliest instant at which every time-based finding has cleared at once: waiting for one
 * (a window opening) can run into another (a holiday), so the answer is re-judged until stable.
 */
function nextAllowedAt(rules: PackRule[], ctx: RuleContext, findings: Finding[]): number | null {
  let at = ctx.now;
  let pending = findings;
  for (let step = 0; step < MAX_RETRY_STEPS; step++) {
    if (pending.some((f) => f.retryAt === undefined)) return null;
    at = Math.max(at, ...pending.map((f) => f.retryAt!));
    pending = timeFindings(rules, ctx, at);
    if (pending.length === 0) return at;
  }
  return null;
}

function describeCallee(call: CallInput): NumberInfo {
  return numberInfo(call.callee) ?? { e164: call.callee, valid: false, country: null, countryCallingCode: '', lineType: 'unknown', timeZones: [], region: null, subdivisions: [] };
}

/**
 * Decides one call. Pure: the same call, facts, policy and instant give the same decision, so a
 * recorded decision can be replayed. Every rule runs and every failure is reported, in pack order.
 */
export function decide(call: CallInput, facts: Facts, policy: CompiledPolicy, now: number): Decision {
  const caller = call.caller ? numberInfo(call.caller) : null;
  const placed = placeCallee(describeCallee(call), call, facts, policy);
  const ctx: RuleContext = { call, facts, policy, now, callee: placed.callee, caller, extraZones: placed.extraZones };
  const today = localIsoDate(now, policy.pack.timeZone ?? 'UTC');
  const rules = [
    ...policy.pack.rules.filter((rule) => inForce(rule, today) && reachesCallee(rule, ctx.callee)),
    ...banRules(facts.bans, ctx.callee, policy),
  ];
  const reasons = gatewayFindings(ctx);
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const finding of runRule(rule, ctx)) {
      findings.push(finding);
      const where = rule.kind === 'callingHours' || rule.regions ? locationNote(placed.location) : '';
      reasons.push({ code: finding.code, rule: rule.id, message: finding.message + candidateNote(rule, ctx.callee) + where + (rule.id.startsWith('GATEWAY-BAN-') ? `: ${rule.title}` : ''), citation: formatCitation(rule.citation) });
    }
  }
  const onlyTimeBased = reasons.length > 0 && reasons.every((r) => REASONS[r.code].timeBased);
  return {
    allow: reasons.length === 0,
    reasons,
    nextAllowedAt: onlyTimeBased ? nextAllowedAt(rules, ctx, findings) : null,
    policyRevision: policy.revisionId,
    ruleIds: [GATEWAY_RULES.campaign.id, GATEWAY_RULES.coverage.id, GATEWAY_RULES.abuse.id, ...rules.map((r) => r.id)],
    location: placed.location,
  };
}

/** The answer when nothing could be decided: denied, never let through. */
export function unavailableDecision(policyRevision: string, detail: string): Decision {
  return {
    allow: false,
    reasons: [{ code: 'GATEWAY_UNAVAILABLE', rule: 'GATEWAY-FAIL-CLOSED', message: detail, citation: 'callgate: fail closed when a decision cannot be made' }],
    nextAllowedAt: null,
    policyRevision,
    ruleIds: ['GATEWAY-FAIL-CLOSED'],
  };
}

