import type { RecordingRetentionRule } from '../../policy/types';
import { fail, pass, type RuleCheck } from '../context';

/**
 * China's 2020 call-centre notice: a call centre calling out with the user's consent keeps at least
 * 30 days of recordings, numbers, times and consent evidence. The gateway cannot see the recordings,
 * so it holds the campaign to what its operator states. A campaign that states nothing is held only
 * where the pack says so (`unstatedFails`): campaigns created before the fact existed state nothing.
 * With lineTypes, only calls shown from such numbers (numbering plan or registered) are bound.
 */
export const recordingRetention: RuleCheck<RecordingRetentionRule> = (rule, { facts, caller }) => {
  const { minDays, lineTypes, unstatedFails } = rule.params;
  if (lineTypes) {
    const types = [caller?.lineType, facts.callerNumber?.lineType];
    if (!types.some((t) => t !== undefined && lineTypes.includes(t))) return pass;
  }
  const days = facts.campaign.recordingRetentionDays ?? null;
  if (days === null && !unstatedFails) return pass;
  if (days === null) return fail('RECORDING_RETENTION_TOO_SHORT', `The campaign does not state how long it keeps call recordings; at least ${minDays} days are required`);
  if (days >= minDays) return pass;
  return fail('RECORDING_RETENTION_TOO_SHORT', `The campaign keeps call recordings for ${days} days; at least ${minDays} days are required`);
};
