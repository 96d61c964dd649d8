import type { ConsentRule } from '../../policy/types';
import { fail, pass, type RuleCheck } from '../context';
import type { ConsentFacts } from '../types';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A call needs one consent that is at once in force, for this brand and purpose, and naming the
 * dialing mode where the pack asks for that. When none qualifies, the reason is the closest miss.
 */
export const consent: RuleCheck<ConsentRule> = (rule, { call, facts, now }) => {
  const { campaign } = facts;
  if (rule.params.exemptPurposes.includes(campaign.purpose)) return pass;
  const needsNamedMode = rule.params.modesNeedingNamedConsent.includes(campaign.dialingMode);
  const ours = facts.consents.filter((c) => c.tenantId === call.tenantId && c.obtainedAt <= now);
  const inScope = (c: ConsentFacts) => c.brandId === campaign.brandId && c.purpose === campaign.purpose;
  const unexpired = (c: ConsentFacts) => c.expiresAt === null || c.expiresAt > now;
  const live = ours.filter((c) => c.revokedAt === null || c.revokedAt > now);
  const covering = (c: ConsentFacts) => !needsNamedMode || c.modes.includes(campaign.dialingMode);

  if (live.some((c) => inScope(c) && unexpired(c) && covering(c))) return pass;
  if (live.some((c) => inScope(c) && unexpired(c))) {
    return fail('CONSENT_MODE_NOT_COVERED', `The consent does not name ${campaign.dialingMode} calls, which need consent that names them`);
  }
  const expired = live.filter(inScope).sort((a, b) => (b.expiresAt ?? 0) - (a.expiresAt ?? 0))[0];
  if (expired) return fail('CONSENT_EXPIRED', `The consent for this brand and purpose expired at ${iso(expired.expiresAt!)}`);
  const revoked = ours.find((c) => inScope(c) && c.revokedAt !== null && c.revokedAt <= now);
  if (revoked) return fail('CONSENT_REVOKED', `The callee withdrew consent at ${iso(revoked.revokedAt!)}`);
  if (live.length > 0) {
    return fail('CONSENT_SCOPE_MISMATCH', `The callee consented to this tenant, but not for brand ${campaign.brandId} and purpose "${campaign.purpose}"`);
  }
  return fail('NO_CONSENT', 'The callee has given this tenant no consent to be called');
};
