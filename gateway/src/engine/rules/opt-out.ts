import { reachOn, widerScope } from '../../policy/opt-out-reach';
import type { OptOutRule } from '../../policy/types';
import { localIsoDate } from '../calendar';
import { fail, pass, type RuleCheck } from '../context';
import type { CallInput, CampaignFacts, GroupFacts, OptOutFacts, OptOutScope } from '../types';

const affiliate = (group: GroupFacts | null | undefined, tenantId: string | null) => group?.members.find((m) => m.tenantId === tenantId);

function covers(optOut: OptOutFacts, scope: OptOutScope, call: CallInput, campaign: CampaignFacts, group: GroupFacts | null | undefined): boolean {
  if (scope === 'all') return true;
  if (optOut.tenantId !== call.tenantId) return scope === 'group' && affiliate(group, optOut.tenantId) !== undefined;
  if (scope === 'tenant' || scope === 'group') return true;
  if (scope === 'brand') return optOut.brandId === campaign.brandId;
  return optOut.campaignId === campaign.id;
}

/**
 * Every recorded refusal is in force from the moment it was stored: its effective instant is a
 * receipt, not a start date to compare against a possibly skewed clock on another instance.
 * It always reaches what the callee named; the pack may widen that to the enterprise or its group
 * of affiliates, for the same purpose only or for every purpose, from the dates its law says.
 */
export const optOut: RuleCheck<OptOutRule> = (rule, { call, facts, policy, now }) => {
  const reach = reachOn(rule, localIsoDate(now, policy.pack.timeZone ?? 'UTC'));
  const samePurpose = (o: OptOutFacts) => reach.purposes === 'all' || !o.purpose || o.purpose === facts.campaign.purpose;
  const hit = facts.optOuts.find(
    (o) => covers(o, o.scope, call, facts.campaign, facts.group) || (samePurpose(o) && covers(o, widerScope(o.scope, reach.scopeFloor), call, facts.campaign, facts.group)),
  );
  if (!hit) return pass;
  const at = new Date(hit.effectiveAt).toISOString();
  const member = hit.tenantId !== call.tenantId ? affiliate(facts.group, hit.tenantId) : undefined;
  if (member) return fail('OPTED_OUT', `The callee refused calls (${hit.scope} scope) to ${member.name} (affiliate in group ${facts.group!.name}) at ${at}; receipt ${hit.id}`);
  return fail('OPTED_OUT', `The callee refused calls (${hit.scope} scope) at ${at}; receipt ${hit.id}`);
};
