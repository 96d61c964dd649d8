import type { ConsentRule } from '../../policy/types';
import { fail, pass, type RuleCheck, type RuleContext } from '../context';
import type { ConsentFacts } from '../types';

const iso = (ms: number) => new Date(ms).toISOString();
const DAY_MS = 86_400_000;

/** When a consent ends: its own end, or, when it named none, the lapse the pack sets (AU: 3 months). */
function endOf(c: ConsentFacts, lapseDays: number | undefined): number | null {
  if (c.expiresAt !== null) return c.expiresAt;
  return lapseDays === undefined ? null : c.obtainedAt + lapseDays * DAY_MS;
}

/** Consents of this tenant for the campaign's brand and purpose, unrevoked and unexpired at `now`. */
export function liveConsentsInScope(ctx: RuleContext, lapseDays?: number): ConsentFacts[] {
  const { call, facts, now } = ctx;
  const { campaign } = facts;
  return facts.consents.filter((c) => {
    if (c.tenantId !== call.tenantId || c.obtainedAt > now) return false;
    if (c.brandId !== campaign.brandId || c.purpose !== campaign.purpose) return false;
    if (c.revokedAt !== null && c.revokedAt <= now) return false;
    const end = endOf(c, lapseDays);
    return end === null || end > now;
  });
}

/**
 * A call needs one consent that is at once in force, for this brand and purpose, and naming the
 * dialing mode where the pack asks for that. When none qualifies, the reason is the closest miss.
 * Opt-out regimes ask consent only for some dialing modes (prerecorded, AI voice).
 */
export const consent: RuleCheck<ConsentRule> = (rule, ctx) => {
  const { call, facts, now } = ctx;
  const { campaign } = facts;
  const { requiredForModes, lapseWithoutPeriodDays: lapse } = rule.params;
  if (rule.params.exemptPurposes.includes(campaign.purpose)) return pass;
  if (requiredForModes && !requiredForModes.includes(campaign.dialingMode)) return pass;
  const needsNamedMode = rule.params.modesNeedingNamedConsent.includes(campaign.dialingMode);
  const ours = facts.consents.filter((c) => c.tenantId === call.tenantId && c.obtainedAt <= now);
  const inScope = (c: ConsentFacts) => c.brandId === campaign.brandId && c.purpose === campaign.purpose;
  const live = ours.filter((c) => c.revokedAt === null || c.revokedAt > now);
  const usable = liveConsentsInScope(ctx, lapse);
  const covering = (c: ConsentFacts) => !needsNamedMode || c.modes.includes(campaign.dialingMode);

  if (usable.some(covering)) return pass;
  if (usable.length > 0) {
    return fail('CONSENT_MODE_NOT_COVERED', `The consent does not name ${campaign.dialingMode} calls, which need consent that names them`);
  }
  const expired = live.filter(inScope).sort((a, b) => (endOf(b, lapse) ?? 0) - (endOf(a, lapse) ?? 0))[0];
  if (expired) {
    const lapsed = expired.expiresAt === null ? ` (given without a period, it lapses after ${lapse} days)` : '';
    return fail('CONSENT_EXPIRED', `The consent for this brand and purpose expired at ${iso(endOf(expired, lapse)!)}${lapsed}`);
  }
  const revoked = ours.find((c) => inScope(c) && c.revokedAt !== null && c.revokedAt <= now);
  if (revoked) return fail('CONSENT_REVOKED', `The callee withdrew consent at ${iso(revoked.revokedAt!)}`);
  if (live.length > 0) {
    return fail('CONSENT_SCOPE_MISMATCH', `The callee consented to this tenant, but not for brand ${campaign.brandId} and purpose "${campaign.purpose}"`);
  }
  return fail('NO_CONSENT', 'The callee has given this tenant no consent to be called');
};
