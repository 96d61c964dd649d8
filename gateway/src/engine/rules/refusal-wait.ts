import type { RefusalWaitRule } from '../../policy/types';
import { fail, pass, type RuleCheck } from '../context';

const DAY_MS = 86_400_000;

/**
 * After the callee refused a call of this tenant (the dialer's report), no call from it for the
 * period (France: 60 calendar days). The refusal also became an opt-out; this rule keeps the period
 * the law sets visible and binding even where that opt-out's reach is narrower than the tenant.
 */
export const refusalWait: RuleCheck<RefusalWaitRule> = (rule, { call, facts, now }) => {
  const wait = rule.params.days * DAY_MS;
  const refusal = (facts.refusedCalls ?? []).find((r) => r.tenantId === call.tenantId && r.at <= now && r.at + wait > now);
  if (!refusal) return pass;
  return fail('REFUSAL_WAIT', `The callee refused a call from this tenant at ${new Date(refusal.at).toISOString()}; no call for ${rule.params.days} days after it`, refusal.at + wait);
};
