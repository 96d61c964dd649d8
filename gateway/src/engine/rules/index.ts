import type { PackRule, RuleKind } from '../../policy/types';
import type { RuleCheck } from '../context';
import { reassignedNumbers } from '../../reassigned/rule';
import { abandonment } from './abandonment';
import { callingHours } from './calling-hours';
import { consent } from './consent';
import { frequencyCap } from './frequency-cap';
import { callerId, localPresence, rotation, tenantVerification, virtualOperator } from './identity';
import { numberSeries } from './number-series';
import { optOut } from './opt-out';
import { recordingRetention } from './recording-retention';
import { refusalWait } from './refusal-wait';
import { registration } from './registration';
import { registry } from './registry';
import { serviceNumber } from './service-number';

/**
 * One descriptor per rule kind: its check, and whether its findings clear with time (then the
 * engine re-judges it to find when the call may go). The facts a kind reads, and how far back, are
 * declared by the policy loader's lookbacks beside the pack's compiled windows.
 */
export interface RuleDescriptor<R extends PackRule> {
  check: RuleCheck<R>;
  timeBased: boolean;
}

export const RULE_KINDS: { [K in RuleKind]: RuleDescriptor<Extract<PackRule, { kind: K }>> } = {
  tenantVerification: { check: tenantVerification, timeBased: false },
  callerId: { check: callerId, timeBased: false },
  virtualOperator: { check: virtualOperator, timeBased: false },
  rotation: { check: rotation, timeBased: true },
  localPresence: { check: localPresence, timeBased: false },
  serviceNumber: { check: serviceNumber, timeBased: false },
  numberSeries: { check: numberSeries, timeBased: false },
  consent: { check: consent, timeBased: false },
  optOut: { check: optOut, timeBased: false },
  refusalWait: { check: refusalWait, timeBased: true },
  registry: { check: registry, timeBased: false },
  frequencyCap: { check: frequencyCap, timeBased: true },
  callingHours: { check: callingHours, timeBased: true },
  registration: { check: registration, timeBased: false },
  abandonment: { check: abandonment, timeBased: true },
  reassignedNumbers: { check: reassignedNumbers, timeBased: false },
  recordingRetention: { check: recordingRetention, timeBased: false },
};

export function descriptorOf(rule: PackRule): RuleDescriptor<PackRule> {
  return RULE_KINDS[rule.kind] as RuleDescriptor<PackRule>;
}
