import type { ReasonCode } from './reasons';

export const DIALING_MODES = ['agent', 'predictive', 'prerecorded', 'ai_voice'] as const;
export type DialingMode = (typeof DIALING_MODES)[number];

/** Narrowest first: a group is the tenant and its affiliates under common control. */
export const OPT_OUT_SCOPES = ['campaign', 'brand', 'tenant', 'group', 'all'] as const;
export type OptOutScope = (typeof OPT_OUT_SCOPES)[number];

export const VERIFICATION_STATUSES = ['unverified', 'pending', 'verified', 'rejected', 'revoked'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

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
}

export interface TenantFacts {
  id: string;
  verificationStatus: VerificationStatus;
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
}

export interface CampaignOutcomeFacts {
  windowSeconds: number;
  /** Answered plus abandoned: every call a person picked up. */
  live: number;
  abandoned: number;
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
}
