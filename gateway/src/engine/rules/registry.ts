import type { RegistryRule } from '../../policy/types';
import type { Finding, RuleCheck } from '../context';
import { liveConsentsInScope } from './consent';

const DAY_MS = 86_400_000;

/**
 * A stale or missing copy of a required list fails closed: not knowing is not permission. A copy
 * that exists in the database but is still being loaded into memory counts as missing.
 */
export const registry: RuleCheck<RegistryRule> = (rule, ctx) => {
  const { facts, now } = ctx;
  const findings: Finding[] = [];
  for (const list of rule.params.lists) {
    const fact = facts.registries.find((r) => r.listId === list.listId);
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
    if (list.waivedByConsent && liveConsentsInScope(ctx, list.consentLapseWithoutPeriodDays).length > 0) continue;
    findings.push({ code: 'REGISTRY_LISTED', message: `The callee is on the do-not-call registry "${list.listId}"` });
  }
  return findings;
};
