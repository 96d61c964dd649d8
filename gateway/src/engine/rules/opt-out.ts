import type { OptOutRule } from '../../policy/types';
import { fail, pass, type RuleCheck } from '../context';
import { OPT_OUT_SCOPES, type CallInput, type CampaignFacts, type OptOutFacts, type OptOutScope } from '../types';

function widest(a: OptOutScope, b: OptOutScope): OptOutScope {
  return OPT_OUT_SCOPES.indexOf(a) >= OPT_OUT_SCOPES.indexOf(b) ? a : b;
}

function covers(optOut: OptOutFacts, scope: OptOutScope, call: CallInput, campaign: CampaignFacts): boolean {
  if (scope === 'all') return true;
  if (optOut.tenantId !== call.tenantId) return false;
  if (scope === 'tenant') return true;
  if (scope === 'brand') return optOut.brandId === campaign.brandId;
  return optOut.campaignId === campaign.id;
}

/**
 * Every recorded refusal is in force from the moment it was stored: its effective instant is a
 * receipt, not a start date to compare against a possibly skewed clock on another instance.
 * The pack may widen a narrow refusal (a campaign) to the whole enterprise.
 */
export const optOut: RuleCheck<OptOutRule> = (rule, { call, facts }) => {
  const hit = facts.optOuts.find((o) => covers(o, widest(o.scope, rule.params.scopeFloor), call, facts.campaign));
  if (!hit) return pass;
  return fail('OPTED_OUT', `The callee refused calls (${hit.scope} scope) at ${new Date(hit.effectiveAt).toISOString()}; receipt ${hit.id}`);
};
