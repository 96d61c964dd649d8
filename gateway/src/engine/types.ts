import type { ReasonCode } from './reasons';
import type { ReassignedFacts } from '../reassigned/types';

export const DIALING_MODES = ['agent', 'predictive', 'prerecorded', 'ai_voice'] as const;
export type DialingMode = (typeof DIALING_MODES)[number];

/** Narrowest first: a group is the tenant and its affiliates under common control. */
export const OPT_OUT_SCOPES = ['campaign', 'brand', 'tenant', 'group', 'all'] as const;
export type OptOutScope = (typeof OPT_OUT_SCOPES)[number];

export const VERIFICATION_STATUSES = ['unverified', 'pending', 'verified', 'rejected', 'revoked'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** Where a known location of the callee came from. */
export const LOCATION_SOURCES = ['customer_record', 'dialer', 'callee', 'other'] as const;
export type LocationSource = (typeof LOCATION_SOURCES)[number];

/**
 * Where the callee is known to be (their address on file, what they said), as opposed to where their
 * number suggests. A postal code is recorded but never used: no mapping to zones is held.
 */
export interface KnownLocation {
  /** ISO 3166-2, e.g. "US-CA". */
  subdivision?: string;
  postalCode?: string;
  /** IANA zone, e.g. "America/Los_Angeles". */
  timeZone?: string;
  source: LocationSource;
  /** When the location was observed (epoch ms), for a stored callee record. */
  observedAt?: number;
}

/** What the dialer asks: may this call be placed? */
export interface CallInput {
  tenantId: string;
  campaignId: string;
  callee: string;
  caller: string | null;
  /**
   * The dialing mode the dialer declares for this one call, when a campaign mixes modes. It can only
   * add demands: the call is judged under the campaign's own mode and under this one (see engine.ts).
   */
  mode?: DialingMode;
  /** Where the callee is known to be, when the dialer knows (see engine/location.ts). */
  calleeLocation?: KnownLocation;
}

export interface TenantFacts {
  id: string;
  verificationStatus: VerificationStatus;
  /** Set while an abuse threshold holds the tenant suspended (complaints, behaviour). */
  abuseSuspension?: AbuseSuspensionFacts | null;
}

/** An active abuse suspension as a decision sees it: which signal tripped, and since when. */
export interface AbuseSuspensionFacts {
  id: string;
  signal: string;
  message: string;
  since: number;
}

export interface CampaignFacts {
  id: string;
  tenantId: string;
  brandId: string;
  purpose: string;
  dialingMode: DialingMode;
  policyPack: string;
  /** Every pack the campaign names (a call centre dialling several countries); policyPack is the first. */
  policyPacks?: string[];
  status: 'active' | 'paused' | 'closed';
  /** How many days the campaign keeps its call recordings; null or absent: not stated. */
  recordingRetentionDays?: number | null;
}

export interface CallerNumberFacts {
  id: string;
  tenantId: string;
  e164: string;
  verificationStatus: VerificationStatus;
  status: 'active' | 'suspended';
  lineType: string;
  realNameProof: boolean;
  region: string | null;
  /** Whether a callee calling the number back reaches the caller; null or absent: not stated. */
  acceptsReturnCalls?: boolean | null;
  /** Whether a do-not-call request can be made by calling the number; null or absent: not stated. */
  acceptsOptOutRequests?: boolean | null;
  /** Set while an abuse threshold holds the number suspended. */
  abuseSuspension?: AbuseSuspensionFacts | null;
}

export interface ConsentFacts {
  id: string;
  tenantId: string;
  brandId: string;
  purpose: string;
  modes: DialingMode[];
  obtainedAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface OptOutFacts {
  id: string;
  scope: OptOutScope;
  tenantId: string | null;
  brandId: string | null;
  campaignId: string | null;
  effectiveAt: number;
  /** The purpose of the campaign the refusal was given to; null or absent: given for every purpose. */
  purpose?: string | null;
}

/** The group of affiliates the calling tenant belongs to, as the operator entered it. */
export interface GroupFacts {
  id: string;
  name: string;
  members: { tenantId: string; name: string }[];
}

export interface RegistryFacts {
  listId: string;
  /** The date the registry published this copy; null when no copy was ever loaded. */
  listDate: number | null;
  listed: boolean;
  /**
   * The day (YYYY-MM-DD) the registry says the listed callee registered, when its list publishes
   * dates; absent otherwise, and then the number binds at once.
   */
  registeredOn?: string;
  /** A newer copy exists than this instance holds and none is held yet: judged as missing. */
  pending?: boolean;
}

/**
 * Calls from the presented display number in one cap window: how many there are, and, when that
 * reaches the cap, the instant of the max-th newest. That is all a rolling cap needs, now and at any
 * later instant, without carrying every call a busy number made today.
 */
export interface CallerWindowFacts {
  seconds: number;
  max: number;
  count: number;
  /** The max-th newest call in the window, when count >= max and it is known. */
  kthNewest: number | null;
}

export interface AttemptFacts {
  at: number;
  tenantId: string;
  caller: string | null;
}

/** A seller's registration with a state authority, valid on local dates from..until inclusive. */
export interface RegistrationFacts {
  region: string;
  reference: string;
  validFrom: string;
  validUntil: string;
}

/** A purchase, lease or contract (transaction) or an inquiry or application by the callee. */
export interface RelationshipFacts {
  tenantId: string;
  kind: 'transaction' | 'inquiry';
  occurredAt: number;
}

/** An operator-entered no-call period for a country or subdivision, in the callee's local dates. */
export interface BanFacts {
  id: string;
  /** "US" or "US-LA". */
  region: string;
  startsOn: string;
  endsOn: string;
  reason: string;
}

/** Everything the engine may know about one call, gathered by the storage layer. */
export interface Facts {
  tenant: TenantFacts;
  campaign: CampaignFacts;
  /** The inventory record of the presented display number, whichever tenant holds it. */
  callerNumber: CallerNumberFacts | null;
  /** Whether the presented display number is one of the campaign's registered numbers. */
  callerInCampaign: boolean;
  consents: ConsentFacts[];
  optOuts: OptOutFacts[];
  /** The calling tenant's group of affiliates; null or absent: none. */
  group?: GroupFacts | null;
  registries: RegistryFacts[];
  /** Attempts toward the callee by every tenant, newest first. */
  calleeAttempts: AttemptFacts[];
  /** Calls from the presented display number toward anyone, per caller-cap window of the pack. */
  callerWindows: CallerWindowFacts[];
  /** Operator-entered no-call periods in force or to come; absent in facts recorded before they existed. */
  bans?: BanFacts[];
  /** The tenant's registrations with state authorities; absent in facts recorded before they existed. */
  registrations?: RegistrationFacts[];
  /** The callee's established business relationships with any tenant; absent in older records. */
  relationships?: RelationshipFacts[];
  /** The campaign's live-answered and abandoned calls per abandonment window of its packs. */
  campaignOutcomes?: CampaignOutcomeFacts[];
  /** Abandoned calls to this callee by any tenant, newest first, within the packs' redial waits. */
  abandonedCalls?: AttemptFacts[];
  /** The Reassigned Numbers Database answer for the callee, read only when a rule needs it. */
  reassigned?: ReassignedFacts;
  /** The tenant's stored record of where the callee is, newest observation; absent in older records. */
  calleeLocation?: KnownLocation | null;
  /** Calls to this callee by any tenant that the callee refused (outcome report), newest first, within the packs' waits. */
  refusedCalls?: AttemptFacts[];
  /** Calls to this callee by any tenant where answer-machine detection fired, newest first, within the packs' waits. */
  machineCalls?: AttemptFacts[];
}

export interface CampaignOutcomeFacts {
  windowSeconds: number;
  /** Answered plus abandoned: every call a person picked up. */
  live: number;
  abandoned: number;
  /** Abandoned calls the dialer reported as without the information message; absent in older records. */
  abandonedWithoutMessage?: number;
  /** Abandoned calls for which the dialer did not say whether the message played. */
  abandonedUnreported?: number;
}

export interface Reason {
  code: ReasonCode;
  rule: string;
  message: string;
  citation: string;
}

export interface Decision {
  allow: boolean;
  reasons: Reason[];
  /** Epoch ms when the call would next be allowed, when only time stands in the way. */
  nextAllowedAt: number | null;
  policyRevision: string;
  /** Every rule evaluated, in order. */
  ruleIds: string[];
  /** Where the callee was judged to be, and on what basis (see engine/location.ts). */
  location?: LocationFacts;
}

/** Where a decision took the callee to be: from the number alone, a known location, or both. */
export interface LocationFacts {
  basis: 'number' | 'known_location' | 'known_location_and_number';
  /** The pack's setting that combined them. */
  rule: 'known_location_decides' | 'most_restrictive';
  /** The known location used, and whether it came with the call or from the tenant's callee record. */
  known?: KnownLocation & { origin: 'call' | 'callee_record' };
  /** Zones judged; empty: the number has none and each hours rule's fallback zones are judged. */
  timeZones: string[];
  subdivisions: string[];
  /** A postal code is recorded with the location and never used to place the callee. */
  postalCodeUsed?: false;
}
