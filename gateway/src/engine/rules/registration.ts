import type { RegistrationRule } from '../../policy/types';
import { localIsoDate } from '../calendar';
import { fail, pass, type RuleCheck } from '../context';

/**
 * A seller calling into a state that requires registration (Texas: the Secretary of State, renewed
 * yearly) must hold one valid today for that state. For a number that may be in several states the
 * engine runs this rule when any of them requires it, so the seller needs every one that applies.
 */
export const registration: RuleCheck<RegistrationRule> = (rule, { facts, callee, now, policy }) => {
  const today = localIsoDate(now, policy.pack.timeZone ?? 'UTC');
  const required = (rule.regions ?? []).filter((r) => callee.subdivisions.includes(r));
  const missing = required.filter(
    (region) => !(facts.registrations ?? []).some((g) => g.region === region && g.validFrom <= today && today <= g.validUntil),
  );
  if (missing.length === 0) return pass;
  return fail('SELLER_NOT_REGISTERED', `The enterprise holds no registration with the ${rule.params.authority} valid on ${today} for ${missing.join(', ')}`);
};
