import type { ServiceNumberRule } from '../../policy/types';
import { fail, pass, type RuleCheck } from '../context';

/**
 * China's call-centre numbers (95/96, 400, 10xxx) may call out only with the user's consent, for a
 * call-back or information the user asked for, and never for commercial marketing (2020 call-centre
 * notice: 不得提供商业营销外呼服务). The numbering plan decides what the number is, whatever line type
 * the tenant registered it as, so relabelling a 95 number does not make it a marketing line. Consent
 * itself is the consent rule's check.
 */
export const serviceNumber: RuleCheck<ServiceNumberRule> = (rule, { facts, caller }) => {
  if (!caller) return pass;
  const { lineTypes, nonMarketingPurposes } = rule.params;
  const isService = lineTypes.includes(caller.lineType) || (facts.callerNumber !== null && lineTypes.includes(facts.callerNumber.lineType));
  if (!isService || nonMarketingPurposes.includes(facts.campaign.purpose)) return pass;
  return fail(
    'CALLER_ID_SERVICE_NUMBER_MARKETING',
    `${caller.e164} is a call-centre service number; it may not call for the campaign purpose "${facts.campaign.purpose}" (only ${nonMarketingPurposes.join(', ')})`,
  );
};
