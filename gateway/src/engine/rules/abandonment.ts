import type { AbandonmentRule } from '../../policy/types';
import type { Finding, RuleCheck } from '../context';

/**
 * Predictive dialers abandon calls a person answered when no agent is free. The campaign's rate over
 * the window must stay at or under the limit, or it stops calling in those modes (an agent-mode call
 * waits for a free agent and abandons nothing); and a callee who got an abandoned call is not dialled
 * again in those modes until the wait is over.
 */
export const abandonment: RuleCheck<AbandonmentRule> = (rule, { call, facts, now }) => {
  const { maxRate, windowSeconds, modes, redialWaitSeconds } = rule.params;
  if (!modes.includes(facts.campaign.dialingMode)) return [];
  const findings: Finding[] = [];
  const stats = facts.campaignOutcomes?.find((o) => o.windowSeconds === windowSeconds);
  if (stats && stats.live > 0 && stats.abandoned / stats.live > maxRate) {
    const pct = ((stats.abandoned / stats.live) * 100).toFixed(1);
    findings.push({
      code: 'ABANDONMENT_RATE_EXCEEDED',
      message: `${stats.abandoned} of ${stats.live} live-answered calls of this campaign in the last ${windowSeconds} s were abandoned (${pct}%); at most ${maxRate * 100}% allowed`,
    });
  }
  if (redialWaitSeconds) {
    const since = now - redialWaitSeconds * 1000;
    const last = (facts.abandonedCalls ?? []).find((a) => a.tenantId === call.tenantId && a.at > since && a.at <= now);
    if (last) {
      findings.push({
        code: 'ABANDONED_CALL_REDIAL',
        message: `This tenant abandoned a call to the callee at ${new Date(last.at).toISOString()}; no ${facts.campaign.dialingMode} call for ${redialWaitSeconds} s after it`,
        retryAt: last.at + redialWaitSeconds * 1000,
      });
    }
  }
  return findings;
};
