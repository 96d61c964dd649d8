import { localIsoDate } from '../engine/calendar';
import { fail, pass, type Finding, type RuleCheck, type RuleContext } from '../engine/context';
import { consent, liveConsentsInScope } from '../engine/rules/consent';
import { registry } from '../engine/rules/registry';
import type { ConsentFacts } from '../engine/types';
import type { ConsentRule, PackRule, ReassignedNumbersRule, RegistryRule } from '../policy/types';

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Verdict = { kind: 'current' } | { kind: 'reassigned'; disconnectDate: string } | { kind: 'unverified'; why: string };

/** Whether one consent can be shown to come from the number's current holder. */
function judge(c: ConsentFacts, rule: ReassignedNumbersRule, ctx: RuleContext): Verdict {
  const facts = ctx.facts.reassigned;
  const data = facts?.data;
  if (!facts || !data) return { kind: 'unverified', why: 'no reassigned-numbers data has been loaded' };
  const ageDays = Math.floor((ctx.now - Date.parse(`${data.asOf}T00:00:00Z`)) / DAY_MS);
  if (ageDays > rule.params.maxDataAgeDays) return { kind: 'unverified', why: `the reassigned-numbers data (as of ${data.asOf}) is ${ageDays} days old; at most ${rule.params.maxDataAgeDays} are allowed` };
  const consentDate = isoDate(c.obtainedAt);
  const query = facts.query;
  if (!query) return { kind: 'unverified', why: 'the number was not queried' };
  if (data.coverageFrom !== null && consentDate < data.coverageFrom) return { kind: 'unverified', why: `the data has no data before ${data.coverageFrom}, and the consent is of ${consentDate}` };
  // "yes" means permanently disconnected on or after the date of consent.
  if (query.disconnectDate !== null) return query.disconnectDate >= consentDate ? { kind: 'reassigned', disconnectDate: query.disconnectDate } : { kind: 'current' };
  if (query.answer === 'yes' && consentDate >= query.sinceDate) return { kind: 'reassigned', disconnectDate: `on or after ${query.sinceDate}` };
  if (query.answer === 'no' && consentDate >= query.sinceDate) return { kind: 'current' };
  return { kind: 'unverified', why: `the database answered "${query.answer}" for ${query.sinceDate}` };
}

/** The pack's rules that a consent can satisfy or waive, in force today and reaching the callee. */
function consentReadingRules(ctx: RuleContext): (ConsentRule | RegistryRule)[] {
  const today = localIsoDate(ctx.now, ctx.policy.pack.timeZone ?? 'UTC');
  const reaches = (r: PackRule) => !r.regions || r.regions.some((x) => ctx.callee.subdivisions.includes(x));
  const inForce = (r: PackRule) => r.effectiveFrom <= today && (!r.effectiveUntil || today < r.effectiveUntil);
  return ctx.policy.pack.rules.filter((r): r is ConsentRule | RegistryRule => (r.kind === 'consent' || r.kind === 'registry') && inForce(r) && reaches(r));
}

function findingsOf(rules: (ConsentRule | RegistryRule)[], ctx: RuleContext): string[] {
  return rules.flatMap((r) => (r.kind === 'consent' ? consent(r, ctx) : registry(r, ctx)).map((f: Finding) => `${r.id} ${f.code} ${f.message}`));
}

/**
 * 47 CFR 64.1200(m): consent given by the subscriber a number was assigned to does not cover the
 * subscriber it is assigned to now. A consent obtained on or before the number's most recent
 * permanent disconnection no longer counts; one obtained after it does. The rule denies only a call
 * that relied on such a consent (the consent rule or a registry waiver passes with it and fails
 * without it): a live-agent call that needs no consent is not this rule's business. A consent that
 * cannot be checked (no data, data too old, "no data" for its date) has no safe harbour; the pack
 * chooses whether such a call is denied (fail closed) or allowed at the caller's own risk.
 */
export const reassignedNumbers: RuleCheck<ReassignedNumbersRule> = (rule, ctx) => {
  const live = liveConsentsInScope(ctx);
  const verdicts = new Map(live.map((c) => [c.id, judge(c, rule, ctx)]));
  const voids = (v: Verdict) => v.kind === 'reassigned' || (v.kind === 'unverified' && rule.params.whenUnverified === 'deny');
  const voided = new Set([...verdicts].filter(([, v]) => voids(v)).map(([id]) => id));
  if (voided.size === 0) return pass;
  const rules = consentReadingRules(ctx);
  const before = new Set(findingsOf(rules, ctx));
  const without = { ...ctx, facts: { ...ctx.facts, consents: ctx.facts.consents.filter((c) => !voided.has(c.id)) } };
  if (findingsOf(rules, without).every((f) => before.has(f))) return pass;
  const reassigned = live.find((c) => verdicts.get(c.id)!.kind === 'reassigned');
  if (reassigned) {
    const v = verdicts.get(reassigned.id) as { disconnectDate: string };
    const asOf = ctx.facts.reassigned?.data?.asOf;
    return fail('CONSENT_NUMBER_REASSIGNED', `The consent of ${isoDate(reassigned.obtainedAt)} predates the number's permanent disconnection (${v.disconnectDate}, Reassigned Numbers Database data as of ${asOf}): it was given by a previous holder of the number`);
  }
  const unverified = live.map((c) => verdicts.get(c.id)!).find((v): v is { kind: 'unverified'; why: string } => v.kind === 'unverified');
  return fail('REASSIGNED_DATA_STALE', `The consent cannot be shown to come from the number's current holder: ${unverified?.why ?? 'no answer'}`);
};
