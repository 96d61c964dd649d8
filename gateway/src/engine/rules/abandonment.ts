import type { AbandonmentRule } from '../../policy/types';
import type { Finding, RuleCheck, RuleContext } from '../context';
import type { AttemptFacts } from '../types';

/** The tenant's newest call among these inside the last `seconds`, as a wait of that length. */
function waitAfter(calls: AttemptFacts[] | undefined, { call, now }: RuleContext, seconds: number): AttemptFacts | undefined {
  const since = now - seconds * 1000;
  return (calls ?? []).find((a) => a.tenantId === call.tenantId && a.at > since && a.at <= now);
}

/** The campaign's abandoned calls without the information message, over the rule's own window. */
function withoutMessage(rule: AbandonmentRule, { facts }: RuleContext): Finding | null {
  const limit = rule.params.withoutMessage;
  if (!limit) return null;
  const stats = facts.campaignOutcomes?.find((o) => o.windowSeconds === limit.windowSeconds);
  if (!stats) return null;
  const lacking = (stats.abandonedWithoutMessage ?? 0) + (limit.countUnreported ? (stats.abandonedUnreported ?? 0) : 0);
  if (lacking <= limit.max) return null;
  const which = limit.countUnreported ? 'without (or not reported with) the information message' : 'without the information message';
  return {
    code: 'ABANDONED_WITHOUT_MESSAGE',
    message: `${lacking} abandoned calls of this campaign in the last ${limit.windowSeconds} s were ${which}; at most ${limit.max} allowed`,
  };
}

/**
 * Predictive dialers abandon calls a person answered when no agent is free. The campaign's rate over
 * the window must stay at or under the limit, or it stops calling in those modes (an agent-mode call
 * waits for a free agent and abandons nothing); a callee who got an abandoned call, or whose line
 * answer-machine detection judged a machine, is not dialled again in those modes until the wait is
 * over; and abandoned calls must carry the information message, or the campaign stops.
 */
export const abandonment: RuleCheck<AbandonmentRule> = (rule, ctx) => {
  const { facts } = ctx;
  const { maxRate, windowSeconds, modes, redialWaitSeconds, machineRedialWaitSeconds } = rule.params;
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
  const lacking = withoutMessage(rule, ctx);
  if (lacking) findings.push(lacking);
  const abandoned = redialWaitSeconds ? waitAfter(facts.abandonedCalls, ctx, redialWaitSeconds) : undefined;
  if (abandoned) {
    findings.push({
      code: 'ABANDONED_CALL_REDIAL',
      message: `This tenant abandoned a call to the callee at ${new Date(abandoned.at).toISOString()}; no ${facts.campaign.dialingMode} call for ${redialWaitSeconds} s after it`,
      retryAt: abandoned.at + redialWaitSeconds! * 1000,
    });
  }
  const machine = machineRedialWaitSeconds ? waitAfter(facts.machineCalls, ctx, machineRedialWaitSeconds) : undefined;
  if (machine) {
    findings.push({
      code: 'ANSWER_MACHINE_REDIAL',
      message: `Answer-machine detection fired on this tenant's call to the callee at ${new Date(machine.at).toISOString()}; no ${facts.campaign.dialingMode} call for ${machineRedialWaitSeconds} s after it`,
      retryAt: machine.at + machineRedialWaitSeconds! * 1000,
    });
  }
  return findings;
};
