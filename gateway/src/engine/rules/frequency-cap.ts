import type { CapScope, CapWindow, FrequencyCapRule } from '../../policy/types';
import type { Finding, RuleCheck, RuleContext } from '../context';

/** Attempt instants counted by a callee cap of this scope, newest first. */
function calleeAttempts(scope: CapScope, { call, facts }: RuleContext): number[] {
  const attempts = scope === 'callee_per_tenant' ? facts.calleeAttempts.filter((a) => a.tenantId === call.tenantId) : facts.calleeAttempts;
  return attempts.map((a) => a.at);
}

/** A callee window from the attempts themselves: the call waits until the max-th newest leaves. */
function judgeListed(attempts: number[], { seconds, max }: CapWindow, now: number): { inWindow: number; retryAt?: number } | null {
  const since = now - seconds * 1000;
  let inWindow = 0;
  while (inWindow < attempts.length && attempts[inWindow] > since) inWindow++;
  if (inWindow < max) return null;
  return max === 0 ? { inWindow } : { inWindow, retryAt: attempts[max - 1] + seconds * 1000 };
}

/**
 * A display-number window from its count and max-th newest call: the count is as of the decision and
 * only falls later, and while the max-th newest is inside the window at least max calls are.
 */
function judgeCounted(ctx: RuleContext, { seconds, max }: CapWindow, now: number): { inWindow: number; retryAt?: number } | null {
  const window = ctx.caller ? ctx.facts.callerWindows.find((w) => w.seconds === seconds && w.max === max) : undefined;
  if (!window || window.count < max) return null;
  if (window.kthNewest === null) return { inWindow: window.count };
  const retryAt = window.kthNewest + seconds * 1000;
  return retryAt > now ? { inWindow: window.count, retryAt } : null;
}

const SUBJECT: Record<CapScope, string> = {
  callee_per_tenant: 'to this callee from this tenant',
  callee_all_tenants: 'to this callee from all tenants',
  caller_number: 'from this display number',
};

/**
 * Rolling windows: a call at `now` counts the attempts after `now - window`. When `max` or more are
 * inside, the call waits until the max-th newest one leaves the window.
 */
export const frequencyCap: RuleCheck<FrequencyCapRule> = (rule, ctx) => {
  const { scope } = rule.params;
  const attempts = scope === 'caller_number' ? [] : calleeAttempts(scope, ctx);
  const findings: Finding[] = [];
  for (const window of rule.params.windows) {
    const full = scope === 'caller_number' ? judgeCounted(ctx, window, ctx.now) : judgeListed(attempts, window, ctx.now);
    if (!full) continue;
    findings.push({
      code: 'FREQUENCY_CAP_EXCEEDED',
      message: `${full.inWindow} calls ${SUBJECT[scope]} in the last ${window.seconds} s; at most ${window.max} allowed`,
      ...(full.retryAt === undefined ? {} : { retryAt: full.retryAt }),
    });
  }
  return findings;
};
