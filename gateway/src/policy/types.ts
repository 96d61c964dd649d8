import type { DialingMode, OptOutScope } from '../engine/types';

export interface Citation {
  instrument: string;
  article?: string;
  source: string;
  note?: string;
}

export type RuleStatus = 'statute' | 'regulation' | 'regulator_guidance' | 'draft' | 'carrier_practice' | 'policy_choice';

interface RuleBase<Kind extends string, Params> {
  id: string;
  kind: Kind;
  title: string;
  citation: Citation;
  status: RuleStatus;
  effectiveFrom: string;
  effectiveUntil?: string;
  params: Params;
}

export interface CapWindow {
  seconds: number;
  max: number;
}

export interface HoursWindow {
  days: number[];
  start: string;
  end: string;
}

export type CapScope = 'callee_per_tenant' | 'callee_all_tenants' | 'caller_number';

export type TenantVerificationRule = RuleBase<'tenantVerification', Record<string, never>>;
export type CallerIdRule = RuleBase<'callerId', { requireVerified: boolean }>;
export type VirtualOperatorRule = RuleBase<'virtualOperator', { ranges: { prefix: string; confirmed: boolean; note?: string }[] }>;
export type RotationRule = RuleBase<'rotation', { maxDistinctNumbers: number; windowSeconds: number }>;
export type LocalPresenceRule = RuleBase<'localPresence', Record<string, never>>;
export type ConsentRule = RuleBase<'consent', { modesNeedingNamedConsent: DialingMode[]; exemptPurposes: string[] }>;
export type OptOutRule = RuleBase<'optOut', { scopeFloor: OptOutScope }>;
export type RegistryRule = RuleBase<'registry', { lists: { listId: string; maxAgeDays: number; requireLoaded: boolean }[] }>;
export type FrequencyCapRule = RuleBase<'frequencyCap', { scope: CapScope; windows: CapWindow[] }>;
export type CallingHoursRule = RuleBase<
  'callingHours',
  { windows: HoursWindow[]; fallbackZones: string[]; holidays?: { calendar?: string; dates?: string[] } }
>;

export type PackRule =
  | TenantVerificationRule
  | CallerIdRule
  | VirtualOperatorRule
  | RotationRule
  | LocalPresenceRule
  | ConsentRule
  | OptOutRule
  | RegistryRule
  | FrequencyCapRule
  | CallingHoursRule;

export type RuleKind = PackRule['kind'];

export interface PolicyPack {
  id: string;
  name: string;
  revision: string;
  jurisdiction: string;
  /** Zone in which effective dates are read (a law in force "from 1 July" in Beijing); UTC when absent. */
  timeZone?: string;
  description?: string;
  appliesTo: { countries: string[] };
  rules: PackRule[];
}

/** A validated pack with the revision id that every decision made under it records. */
export interface CompiledPolicy {
  pack: PolicyPack;
  revisionId: string;
  /** Largest callee-side window any rule looks back over, so storage loads no more history than needed. */
  calleeLookbackMs: number;
  /** The display-number cap windows, whose counts storage gathers per presented number. */
  callerWindows: CapWindow[];
}
