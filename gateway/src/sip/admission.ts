import type { DecisionRecord } from '../decisions/record';
import type { AllowedStep, DecisionService } from '../decisions/service';
import { DIALING_MODES, type CallInput, type DialingMode, type KnownLocation } from '../engine/types';
import { AppError } from '../errors';
import { knownLocationFromHeader } from '../numbers/known-location';
import { requireValidNumber } from '../numbers/phone';
import type { SipAccountDirectory } from './auth/accounts';
import { DialerIdentity } from './auth/identify';
import type { SipConfig } from './config';
import type { DialerDirectory } from './dialers';
import type { IdentityVerifier } from './identity/verify';
import type { SipMessage } from './message/message';
import { numberFromUri, presentedNumber, presentedNumbers } from './numbers';
import type { Admission, Verdict } from './proxy/types';
import type { Peer } from './transport/types';

/** Headers that tell the dialer why a call was refused, so it can reschedule instead of retrying. */
export const REASONS_HEADER = 'X-Callgate-Reasons';
export const NEXT_ALLOWED_HEADER = 'X-Callgate-Next-Allowed';
export const DECISION_HEADER = 'X-Callgate-Decision';

const isDialingMode = (value: string): value is DialingMode => (DIALING_MODES as readonly string[]).includes(value);

/** Extra headers for the trunk, and what must be recorded with the decision for them. */
export interface SignedCall {
  headers: [string, string][];
  record: ReturnType<AllowedStep>;
}

/**
 * Adds SIP-only steps (a signature) to an allowed call. It runs before the decision is recorded:
 * when it throws, the call is recorded and answered as denied GATEWAY_UNAVAILABLE.
 */
export interface AllowedCallHook {
  sign(record: DecisionRecord): SignedCall;
}

/**
 * Decides an initial INVITE through the same DecisionService as POST /v1/decisions: the tenant
 * of the authenticated dialer account or, for dialers without one, of the source address, the campaign from a header (or the dialer's default), the call's own
 * dialing mode from another header when the campaign mixes modes, the callee from the Request-URI,
 * the display number from P-Asserted-Identity or From.
 */
export class DecisionAdmission implements Admission {
  private readonly identity: DialerIdentity;

  constructor(
    private readonly decisions: DecisionService,
    dialers: Pick<DialerDirectory, 'match'>,
    private readonly config: SipConfig,
    private readonly hook: AllowedCallHook | null = null,
    private readonly verifier: IdentityVerifier | null = null,
    accounts: SipAccountDirectory | null = null,
  ) {
    this.identity = new DialerIdentity(dialers, accounts, config.auth);
  }

  async admit(invite: SipMessage, source: Peer): Promise<Verdict> {
    const dialer = this.identity.identify(invite, source);
    if (!dialer.ok) return this.refuse(dialer.status, dialer.code, dialer.reason, dialer.headers);
    const campaignId = invite.get(this.config.campaignHeader)?.trim() || dialer.defaultCampaignId;
    if (!campaignId) return this.refuse(403, 'CAMPAIGN_MISSING', `Forbidden (no ${this.config.campaignHeader} header and no default campaign)`);
    const declaredMode = invite.get(this.config.modeHeader)?.trim() || undefined;
    // An unknown mode is refused, not ignored: ignoring it would judge the call under the campaign's
    // mode alone, and the dialer could not tell that its header had no effect.
    if (declaredMode !== undefined && !isDialingMode(declaredMode)) {
      return this.refuse(400, 'UNKNOWN_DIALING_MODE', `Bad Request (${this.config.modeHeader} must be one of ${DIALING_MODES.join(', ')})`);
    }
    const located = this.calleeLocation(invite);
    if (located instanceof AppError) return this.refuse(400, located.code, `Bad Request (${this.config.locationHeader}: ${located.message.replace(/"/g, "'")})`);
    const dialled = numberFromUri(invite.uri, this.config.defaultRegion);
    let callee: string;
    try {
      callee = requireValidNumber(dialled ?? '', 'The callee').e164;
    } catch {
      return this.refuse(484, 'INVALID_NUMBER', 'Address Incomplete (the callee is no valid number)');
    }
    const caller = presentedNumber(invite, this.config.defaultRegion);
    // The decision and the signature check P-Asserted-Identity, yet the trunk may display From or
    // Remote-Party-ID: a verified PAI beside a spoofed From would pass. Refusing beats rewriting.
    if (presentedNumbers(invite, this.config.defaultRegion).length > 1) {
      return this.refuse(403, 'CALLER_ID_NOT_OWNED', 'Forbidden (P-Asserted-Identity, From and Remote-Party-ID present different numbers)');
    }
    // RFC 8224 §6.2: every Identity header present must verify; a forged or stale one refuses the
    // call, and so does one attesting less than the configured minimum.
    const check = this.verifier?.verifyCall(invite.getAll('identity'), caller, callee);
    if (check && !check.ok) return this.refuse(check.status, check.code, check.reason);
    let record: DecisionRecord;
    let headers: [string, string][] = [];
    const hook = this.hook;
    const step: AllowedStep | undefined = hook
      ? (allowed) => {
          const signed = hook.sign(allowed);
          headers = signed.headers;
          return signed.record;
        }
      : undefined;
    try {
      const call: CallInput = { tenantId: dialer.tenantId, campaignId, callee, caller };
      if (declaredMode !== undefined) call.mode = declaredMode;
      if (located) call.calleeLocation = located;
      record = await this.decisions.decide(call, step);
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return this.refuse(403, error.code, `Forbidden (${error.code})`);
      throw error;
    }
    if (record.allow) return { allow: true, decisionId: record.id, tenantId: dialer.tenantId, headers };
    return { allow: false, decisionId: record.id, ...this.denial(record) };
  }

  /**
   * The callee's known location from its header. A malformed one is refused like an unknown mode:
   * ignored, it would judge the call by the number alone without the dialer knowing.
   */
  private calleeLocation(invite: SipMessage): KnownLocation | AppError | undefined {
    const value = invite.get(this.config.locationHeader)?.trim();
    if (!value) return undefined;
    try {
      return knownLocationFromHeader(value);
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
  }

  private denial(record: DecisionRecord): { status: number; reason?: string; headers: [string, string][] } {
    const codes = record.reasons.map((r) => r.code);
    const headers: [string, string][] = [
      // RFC 3326 / RFC 6432: Q.850 cause 21 "call rejected" names what happened; the codes say why.
      ['Reason', `Q.850;cause=21;text="${codes.join(' ')}"`],
      [REASONS_HEADER, codes.join(', ')],
      [DECISION_HEADER, record.id],
    ];
    if (record.nextAllowedAt !== null) headers.push([NEXT_ALLOWED_HEADER, new Date(record.nextAllowedAt).toISOString()]);
    const first = record.reasons[0];
    if (first) headers.push(['Warning', `399 callgate "${first.code} (${first.rule})"`]);
    if (codes.includes('GATEWAY_UNAVAILABLE')) {
      return { status: this.config.unavailableStatus, headers: [...headers, ['Retry-After', String(this.config.retryAfterSeconds)]] };
    }
    if (codes.some((c) => this.config.rejectedReasons.has(c))) return { status: 608, headers };
    return { status: this.config.denyStatus, headers };
  }

  private refuse(status: number, code: string, reason: string, extra: [string, string][] = []): Verdict {
    return { allow: false, status, reason, decisionId: null, headers: [['Reason', `SIP;cause=${status};text="${code}"`], [REASONS_HEADER, code], ...extra] };
  }
}
