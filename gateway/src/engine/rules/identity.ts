import type { CallerIdRule, LocalPresenceRule, RotationRule, TenantVerificationRule, VirtualOperatorRule } from '../../policy/types';
import { fail, pass, type Finding, type RuleCheck, type RuleContext } from '../context';

export const tenantVerification: RuleCheck<TenantVerificationRule> = (_rule, { facts }) =>
  facts.tenant.verificationStatus === 'verified'
    ? pass
    : fail('TENANT_NOT_VERIFIED', `The tenant's real-name verification is "${facts.tenant.verificationStatus}", not verified`);

export const callerId: RuleCheck<CallerIdRule> = (rule, { call, facts, caller }) => {
  if (!call.caller) return fail('CALLER_ID_MISSING', 'No display number was presented; hidden or absent caller ID is not allowed');
  if (!caller || !caller.valid) return fail('CALLER_ID_INVALID', `The display number ${call.caller} is not a valid, allocated number`);
  const record = facts.callerNumber;
  if (!record || record.tenantId !== call.tenantId) {
    return fail('CALLER_ID_NOT_OWNED', `The display number ${caller.e164} is not registered to this tenant`);
  }
  const findings: Finding[] = [];
  if (rule.params.requireVerified && record.verificationStatus !== 'verified') {
    findings.push({ code: 'CALLER_ID_UNVERIFIED', message: `The right to use ${caller.e164} is "${record.verificationStatus}", not verified` });
  }
  if (record.status !== 'active') findings.push({ code: 'CALLER_ID_SUSPENDED', message: `The display number ${caller.e164} is suspended` });
  const unmet = callbackDuties(rule, record);
  if (unmet.length > 0) findings.push({ code: 'CALLER_ID_NOT_RETURNABLE', message: `${caller.e164} is not recorded as taking ${unmet.join(' or ')}, which the pack requires` });
  return findings;
};

/**
 * What the pack requires a callee can do by calling the number back, and the record says the
 * number does not do. A number registered before these attributes existed states nothing: it binds
 * only where the pack says an unstated attribute fails (`unstatedFails`), so that adding the duty
 * does not silently stop every call of every existing number; the decision's inputs show what was known.
 */
function callbackDuties(rule: CallerIdRule, record: NonNullable<RuleContext['facts']['callerNumber']>): string[] {
  const unmet: string[] = [];
  const fails = (stated: boolean | null | undefined) => stated === false || (stated == null && rule.params.unstatedFails === true);
  if (rule.params.requireReturnCalls && fails(record.acceptsReturnCalls)) unmet.push('return calls');
  if (rule.params.requireOptOutRequests && fails(record.acceptsOptOutRequests)) unmet.push('do-not-call requests');
  return unmet;
}

export const virtualOperator: RuleCheck<VirtualOperatorRule> = (rule, { facts, caller }) => {
  if (!caller) return pass;
  const range = rule.params.ranges.find((r) => caller.e164.startsWith(r.prefix));
  const isVirtual = facts.callerNumber?.lineType === 'virtual_operator' || range !== undefined;
  if (!isVirtual || facts.callerNumber?.realNameProof) return pass;
  const where = range ? `the virtual-operator range ${range.prefix}` : 'a virtual-operator line';
  return fail('CALLER_ID_VIRTUAL_OPERATOR', `${caller.e164} is in ${where} and has no real-name proof bound to this tenant`);
};

/** Distinct display numbers this tenant used toward the callee inside the window, with each one's latest use. */
function latestUseByNumber(ctx: Parameters<RuleCheck<RotationRule>>[1], since: number): Map<string, number> {
  const latest = new Map<string, number>();
  for (const attempt of ctx.facts.calleeAttempts) {
    if (attempt.at <= since || attempt.tenantId !== ctx.call.tenantId || !attempt.caller) continue;
    if (!latest.has(attempt.caller)) latest.set(attempt.caller, attempt.at);
  }
  return latest;
}

export const rotation: RuleCheck<RotationRule> = (rule, ctx) => {
  if (!ctx.caller) return pass;
  const windowMs = rule.params.windowSeconds * 1000;
  const latest = latestUseByNumber(ctx, ctx.now - windowMs);
  latest.delete(ctx.caller.e164);
  const max = rule.params.maxDistinctNumbers;
  // The presented number would be one more distinct number: allowed while the others number fewer than max.
  if (latest.size < max) return pass;
  const byRecency = [...latest.values()].sort((a, b) => b - a);
  const retryAt = byRecency[max - 1] + windowMs;
  return fail(
    'CALLER_ID_ROTATION',
    `${latest.size} other display numbers already called this callee within ${rule.params.windowSeconds} s; at most ${max} distinct numbers may`,
    retryAt,
  );
};

export const localPresence: RuleCheck<LocalPresenceRule> = (_rule, { facts, callee, caller }) => {
  if (!caller) return pass;
  const callerRegion = facts.callerNumber?.region ?? caller.region;
  if (!callee.region || !callerRegion || callee.region !== callerRegion) return pass;
  if (facts.callerInCampaign) return pass;
  return fail(
    'CALLER_ID_LOCAL_PRESENCE',
    `${caller.e164} matches the callee's region (${callee.region}) but is not one of the campaign's registered numbers`,
  );
};
