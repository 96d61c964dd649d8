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
  /**
   * ISO 3166-2 subdivisions (e.g. "US-FL") the rule is limited to; absent: the whole pack's area.
   * A callee whose number may lie in several subdivisions is held to the rules of every one of them.
   */
  regions?: string[];
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
export type CallerIdRule = RuleBase<
  'callerId',
  {
    requireVerified: boolean;
    /** The number must be recorded as reaching the caller when called back (Ofcom: a returnable CLI). */
    requireReturnCalls?: boolean;
    /** The number must be recorded as taking do-not-call requests (47 CFR 64.1601(e)). */
    requireOptOutRequests?: boolean;
    /** A number that states neither way fails the duties above (default: only a stated false does). */
    unstatedFails?: boolean;
  }
>;
export type VirtualOperatorRule = RuleBase<'virtualOperator', { ranges: { prefix: string; confirmed: boolean; note?: string }[] }>;
export type RotationRule = RuleBase<'rotation', { maxDistinctNumbers: number; windowSeconds: number }>;
export type LocalPresenceRule = RuleBase<'localPresence', Record<string, never>>;
/** Display numbers of these line types may call only for these campaign purposes (China's 95/400 numbers). */
export type ServiceNumberRule = RuleBase<'serviceNumber', { lineTypes: string[]; nonMarketingPurposes: string[] }>;
/**
 * The display number must lie in the series the law gives the call's purpose ("*": every other
 * purpose); prefixes are of the national significant number. Only for the listed modes when given.
 */
export type NumberSeriesRule = RuleBase<
  'numberSeries',
  { series: { purposes: string[]; prefixes: string[] }[]; modes?: DialingMode[]; unlistedPurposes: 'deny' | 'allow' }
>;
/** After the callee refused a call of this tenant, no call from it for so many days (France: 60). */
export type RefusalWaitRule = RuleBase<'refusalWait', { days: number }>;
export type ConsentRule = RuleBase<
  'consent',
  {
    modesNeedingNamedConsent: DialingMode[];
    exemptPurposes: string[];
    /** Only these dialing modes need consent at all (opt-out regimes); absent: every call does. */
    requiredForModes?: DialingMode[];
    /** A consent given without an end lapses this many days after it was obtained (AU: 3 months). */
    lapseWithoutPeriodDays?: number;
  }
>;
/** Whether a refusal widened by the pack reaches only calls of the purpose it was given for, or every purpose. */
export type OptOutPurposes = 'same' | 'all';
export interface OptOutReach {
  /** The narrowest entity a refusal reaches, whatever narrower scope it was recorded with. */
  scopeFloor: OptOutScope;
  /** Absent: all. */
  purposes?: OptOutPurposes;
}
/** From a date on, the reach widens (a rule whose compliance date comes later, like the FCC's revoke-all). */
export interface OptOutWidening {
  from: string;
  scopeFloor?: OptOutScope;
  purposes?: OptOutPurposes;
  note?: string;
}
export type OptOutRule = RuleBase<'optOut', OptOutReach & { widenings?: OptOutWidening[] }>;
/** What the law requires a refusal to reach from a date on: no approved change may go below it. */
export interface OptOutMinimum {
  from: string;
  scope: OptOutScope;
  purposes: OptOutPurposes;
  citation: Citation;
}
export interface RegistryListParams {
  listId: string;
  maxAgeDays: number;
  requireLoaded: boolean;
  /** A live consent in scope for this brand and purpose lets a listed callee be called (PECR reg 21(4), DNCR s 11(2)). */
  waivedByConsent?: boolean;
  /** For that waiver: a consent given without an end lapses this many days after it was obtained. */
  consentLapseWithoutPeriodDays?: number;
  /** An established business relationship exempts for this many calendar months after it (US 18/3, CA 18/6). */
  waivedByRelationship?: { transactionMonths: number; inquiryMonths: number };
  /**
   * A number registered fewer than this many days before the call does not bind yet (PECR reg 21(3):
   * 28 days; CA DNCL: 31 days). Only a list with registration dates can honour it.
   */
  graceDays?: number;
  /**
   * A registration cancels every consent obtained before it (Italy's RPO): only a consent obtained
   * after the registration day waives the list; without a published day none can be shown to.
   */
  cancelsEarlierConsents?: boolean;
}
export type RegistryRule = RuleBase<'registry', { lists: RegistryListParams[] }>;
export type FrequencyCapRule = RuleBase<'frequencyCap', { scope: CapScope; windows: CapWindow[] }>;
export type CallingHoursRule = RuleBase<
  'callingHours',
  { windows: HoursWindow[]; fallbackZones: string[]; holidays?: { calendar?: string; dates?: string[] } }
>;

/** The seller must hold a registration with the authority for the callee's subdivision (Texas). */
export type RegistrationRule = RuleBase<'registration', { authority: string }>;

/**
 * Abandoned calls (answered, no agent): a campaign whose rate over the window exceeds maxRate may
 * not place more calls in the listed dialing modes; after an abandoned call to a callee, no new
 * call to them in those modes for redialWaitSeconds (an agent-mode call guarantees a live agent).
 */
export type AbandonmentRule = RuleBase<
  'abandonment',
  {
    maxRate: number;
    windowSeconds: number;
    modes: DialingMode[];
    redialWaitSeconds?: number;
    /** After answer-machine detection fired on a call to a callee, no call to them in these modes for this long. */
    machineRedialWaitSeconds?: number;
    /**
     * Abandoned calls must play the information message: a campaign with more than `max` abandoned
     * calls without it in the window stops calling in these modes; unreported ones count when told.
     */
    withoutMessage?: { max: number; windowSeconds: number; countUnreported: boolean };
  }
>;

/** The campaign must keep its call recordings at least minDays; with lineTypes, only calls shown from such numbers. */
export type RecordingRetentionRule = RuleBase<'recordingRetention', { minDays: number; lineTypes?: string[]; unstatedFails?: boolean }>;

/**
 * A consent obtained on or before the number's most recent permanent disconnection (FCC Reassigned
 * Numbers Database) no longer covers the call; data older than maxDataAgeDays, or none, cannot
 * show it does: whenUnverified says whether such a call is denied or allowed without safe harbour.
 */
export type ReassignedNumbersRule = RuleBase<'reassignedNumbers', { maxDataAgeDays: number; whenUnverified: 'deny' | 'allow_without_safe_harbour' }>;

export type PackRule =
  | TenantVerificationRule
  | CallerIdRule
  | VirtualOperatorRule
  | RotationRule
  | LocalPresenceRule
  | ServiceNumberRule
  | NumberSeriesRule
  | RefusalWaitRule
  | ConsentRule
  | OptOutRule
  | RegistryRule
  | FrequencyCapRule
  | CallingHoursRule
  | RegistrationRule
  | AbandonmentRule
  | ReassignedNumbersRule
  | RecordingRetentionRule;

export type RuleKind = PackRule['kind'];

export type CalleeLocationRule = 'known_location_decides' | 'most_restrictive';

export interface PolicyPack {
  id: string;
  name: string;
  revision: string;
  jurisdiction: string;
  /** Zone in which effective dates are read (a law in force "from 1 July" in Beijing); UTC when absent. */
  timeZone?: string;
  description?: string;
  appliesTo: { countries: string[] };
  /**
   * Packs always applied together with this one (a federal pack and its state overlays): a campaign
   * naming this pack gets their rules too, and the strictest finding of all of them stands.
   */
  composeWith?: string[];
  /**
   * How a callee's known location combines with the zones and subdivisions of their number: it
   * decides where the law speaks of the called party's location (47 CFR 64.1200(c)(1)); otherwise
   * every candidate binds (absent: most_restrictive).
   */
  calleeLocation?: CalleeLocationRule;
  /** The legal minimum reach of a refusal, dated steps in order; absent: no minimum beyond the rules. */
  optOutMinimum?: OptOutMinimum[];
  /** Unconfirmed or conflicting figures the rules use, named with their status. */
  parameters?: PackParameter[];
  rules: PackRule[];
}

export interface PackParameter {
  name: string;
  value: unknown;
  status: 'unconfirmed' | 'conflicting';
  usedBy: string[];
  note: string;
}

/** A validated pack with the revision id that every decision made under it records. */
export interface CompiledPolicy {
  pack: PolicyPack;
  revisionId: string;
  /** Largest callee-side window any rule looks back over, so storage loads no more history than needed. */
  calleeLookbackMs: number;
  /** The display-number cap windows, whose counts storage gathers per presented number. */
  callerWindows: CapWindow[];
  /** Campaign abandonment windows (seconds) whose outcome counts storage gathers; absent: none. */
  abandonmentWindows?: number[];
  /** The optional facts its rules read; absent (a policy built by hand): every one of them. */
  needs?: FactNeeds;
}

/** Facts only some rules read: storage gathers each only for a batch whose policies need it. */
export interface FactNeeds {
  /** A registration rule reads the tenant's registrations. */
  registrations: boolean;
  /** A do-not-call list waived by an established relationship reads the callee's relationships. */
  relationships: boolean;
  /** How far back an abandonment rule's redial wait looks for abandoned calls to the callee; 0: none. */
  redialLookbackMs: number;
  /** A reassignedNumbers rule reads the Reassigned Numbers Database answer for the callee. */
  reassigned: boolean;
  /** How far back an abandonment rule's answer-machine wait looks; 0 or absent: none. */
  machineLookbackMs?: number;
  /** How far back a refusalWait rule looks for refused calls to the callee; 0 or absent: none. */
  refusalLookbackMs?: number;
}
