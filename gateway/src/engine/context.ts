import type { NumberInfo } from '../numbers/phone';
import type { CompiledPolicy } from '../policy/types';
import type { ReasonCode } from './reasons';
import type { CallInput, Facts } from './types';

/** What every rule sees: the call, the facts, the policy and the instant being judged. */
export interface RuleContext {
  call: CallInput;
  facts: Facts;
  policy: CompiledPolicy;
  now: number;
  /** The callee where they are judged to be: the number's candidates, or a known location (location.ts). */
  callee: NumberInfo;
  caller: NumberInfo | null;
  /** Zones judged besides the callee's, when a known location is one more candidate (most_restrictive). */
  extraZones?: string[];
}

/** One failing check. `retryAt` is set when waiting until then would clear it. */
export interface Finding {
  code: ReasonCode;
  message: string;
  retryAt?: number;
}

export type RuleCheck<R> = (rule: R, ctx: RuleContext) => Finding[];

export const pass: Finding[] = [];

export function fail(code: ReasonCode, message: string, retryAt?: number): Finding[] {
  return [retryAt === undefined ? { code, message } : { code, message, retryAt }];
}
