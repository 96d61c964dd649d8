import type { NumberSeriesRule } from '../../policy/types';
import { fail, pass, type RuleCheck } from '../context';

/**
 * The display number must lie in the series the law gives the call's purpose (India: 140 for
 * promotional calls, 1600 for service and transactional ones). Prefixes are read on the national
 * significant number, without trunk prefix. A purpose the pack names no series for is refused when
 * the pack says so: a commercial call from an ordinary number is the thing the series exist to stop.
 */
export const numberSeries: RuleCheck<NumberSeriesRule> = (rule, { call, caller, facts }) => {
  const { series, modes, unlistedPurposes } = rule.params;
  const { purpose, dialingMode } = facts.campaign;
  if (modes && !modes.includes(dialingMode)) return pass;
  const entry = series.find((s) => s.purposes.includes(purpose)) ?? series.find((s) => s.purposes.includes('*'));
  if (!entry) {
    if (unlistedPurposes === 'allow') return pass;
    return fail('CALLER_ID_SERIES', `No display-number series is allowed for calls whose purpose is "${purpose}"`);
  }
  if (!call.caller || !caller?.valid) return fail('CALLER_ID_SERIES', `A call for "${purpose}" must show a number of the ${entry.prefixes.join('/')} series`);
  const national = caller.e164.slice(1 + caller.countryCallingCode.length);
  if (entry.prefixes.some((p) => national.startsWith(p))) return pass;
  return fail('CALLER_ID_SERIES', `The display number ${caller.e164} is not in the ${entry.prefixes.join('/')} series a call for "${purpose}" must use`);
};
