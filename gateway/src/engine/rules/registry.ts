import { DateTime } from 'luxon';
import type { RegistryListParams, RegistryRule } from '../../policy/types';
import type { Finding, RuleCheck, RuleContext } from '../context';
import type { RegistryFacts } from '../types';
import { liveConsentsInScope } from './consent';

const DAY_MS = 86_400_000;

/**
 * An established business relationship of this tenant with the callee, still inside its calendar
 * months. A do-not-call request to the seller ends it; the opt-out rule denies that call anyway.
 */
function relationshipWaives(list: RegistryListParams, { call, facts, now }: RuleContext): boolean {
  const limits = list.waivedByRelationship;
  if (!limits) return false;
  return (facts.relationships ?? []).some((r) => {
    if (r.tenantId !== call.tenantId || r.occurredAt > now) return false;
    const months = r.kind === 'transaction' ? limits.transactionMonths : limits.inquiryMonths;
    return DateTime.fromMillis(r.occurredAt, { zone: 'utc' }).plus({ months }).toMillis() > now;
  });
}

/** A day without a time may mean any instant of it somewhere: it begins earliest at UTC+14. */
const EARLIEST_OFFSET_MS = 14 * 3_600_000;

/**
 * Whether a listed number is still inside the grace period the law gives a caller to honour a new
 * registration. Only a registration date the list published counts; a number without one binds.
 * The day is read from its earliest possible start, so the grace never ends late in any time zone.
 */
export function inGrace(list: RegistryListParams, registeredOn: string | undefined, now: number): boolean {
  if (!list.graceDays || !registeredOn) return false;
  const registeredAt = Date.parse(`${registeredOn}T00:00:00Z`) - EARLIEST_OFFSET_MS;
  if (Number.isNaN(registeredAt)) return false;
  return now < registeredAt + list.graceDays * DAY_MS;
}

/**
 * A stale or missing copy of a required list fails closed: not knowing is not permission. A copy
 * that exists in the database but is still being loaded into memory counts as missing. A call the
 * list is waived for (the callee's consent, a business relationship) is not held to it at all: the
 * list could not stop it, so not knowing the list is no reason to refuse it.
 */
function waived(list: RegistryListParams, ctx: Parameters<RuleCheck<RegistryRule>>[1], fact: RegistryFacts | undefined): boolean {
  if (list.waivedByConsent && liveConsentsInScope(ctx, list.consentLapseWithoutPeriodDays).some((c) => !cancelledByRegistration(list, fact, c.obtainedAt, ctx.policy.pack.timeZone ?? 'UTC'))) return true;
  return relationshipWaives(list, ctx);
}

/**
 * Whether the callee's registration cancelled a consent (Italy's RPO revokes consents given before
 * it): only a consent obtained on a later day than the registration survives. A listed number whose
 * registration day is not published cannot show that any consent came after it.
 */
function cancelledByRegistration(list: RegistryListParams, fact: RegistryFacts | undefined, obtainedAt: number, zone: string): boolean {
  if (!list.cancelsEarlierConsents || !fact?.listed) return false;
  if (!fact.registeredOn) return true;
  // The register's day, read in the pack's zone (the register's country): a consent must come after it ends.
  const dayEnds = DateTime.fromISO(fact.registeredOn, { zone }).plus({ days: 1 }).toMillis();
  return Number.isNaN(dayEnds) || obtainedAt < dayEnds;
}

export const registry: RuleCheck<RegistryRule> = (rule, ctx) => {
  const { facts, now } = ctx;
  const findings: Finding[] = [];
  for (const list of rule.params.lists) {
    const fact = facts.registries.find((r) => r.listId === list.listId);
    if (waived(list, ctx, fact)) continue;
    if (fact?.pending) {
      findings.push({ code: 'REGISTRY_STALE', message: `The registry "${list.listId}" is being loaded on this instance` });
      continue;
    }
    if (!fact || fact.listDate === null) {
      if (list.requireLoaded) findings.push({ code: 'REGISTRY_STALE', message: `No copy of the registry "${list.listId}" has been loaded` });
      continue;
    }
    const ageDays = Math.floor((now - fact.listDate) / DAY_MS);
    if (ageDays > list.maxAgeDays) {
      findings.push({ code: 'REGISTRY_STALE', message: `The registry "${list.listId}" copy is ${ageDays} days old; at most ${list.maxAgeDays} are allowed` });
    }
    if (!fact.listed) continue;
    if (inGrace(list, fact.registeredOn, now)) continue;
    const cancelled = list.waivedByConsent && liveConsentsInScope(ctx, list.consentLapseWithoutPeriodDays).length > 0;
    if (cancelled) {
      const day = fact.registeredOn ? `on ${fact.registeredOn}` : 'on a day the list does not publish';
      findings.push({ code: 'CONSENT_PREDATES_REGISTRY', message: `The callee registered on "${list.listId}" ${day}, which cancelled the consent obtained before it` });
      continue;
    }
    findings.push({ code: 'REGISTRY_LISTED', message: `The callee is on the do-not-call registry "${list.listId}"` });
  }
  return findings;
};
