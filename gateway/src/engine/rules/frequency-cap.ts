import type { CapScope, FrequencyCapRule } from '../../policy/types';
import type { Finding, RuleCheck, RuleContext } from '../context';

/** Attempt instants counted by a cap of this scope, newest first. */
function countedAttempts(scope: CapScope, { call, facts, caller }: RuleContext): number[] {
  if (scope === 'caller_number') return caller ? facts.callerAttempts : [];
  const attempts = scope === 'callee_per_tenant' ? facts.calleeAttempts.filter((a) => a.tenantId === call.tenantId) : facts.calleeAttempts;
  return attempts.map((a) => a.at);
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
  const attempts = countedAttempts(rule.params.scope, ctx);
  const findings: Finding[] = [];
  for (const { seconds, max } of rule.params.windows) {
    const since = ctx.now - seconds * 1000;
    let inWindow = 0;
    while (inWindow < attempts.length && attempts[inWindow] > since) inWindow++;
    if (inWindow < max) continue;
    const retryAt = max === 0 ? undefined : attempts[max - 1] + seconds * 1000;
    findings.push({
      code: 'FREQUENCY_CAP_EXCEEDED',
      message: `${inWindow} calls ${SUBJECT[rule.params.scope]} in the last ${seconds} s; at most ${max} allowed`,
      ...(retryAt === undefined ? {} : { retryAt }),
    });
  }
  return findings;
};
