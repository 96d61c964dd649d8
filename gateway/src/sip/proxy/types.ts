import type { CallSignals } from '../call-signals';
import type { SipMessage } from '../message/message';
import type { Peer } from '../transport/types';

/** What the policy side answers for an initial INVITE. */
export type Verdict =
  | { allow: true; decisionId: string; tenantId: string; headers: [string, string][] }
  | { allow: false; status: number; reason?: string; decisionId: string | null; headers: [string, string][] };

/** Decides initial INVITEs; the proxy core knows nothing of consent, caps or tenants. */
export interface Admission {
  admit(invite: SipMessage, source: Peer): Promise<Verdict>;
}

export interface CallRef {
  decisionId: string;
  tenantId: string;
  callId: string;
}

/** Told how allowed calls went, from their signalling. */
export interface CallObserver {
  /** The final response sent upstream for an allowed INVITE; cancelled when the dialer sent CANCEL first. */
  onFinal(call: CallRef, status: number, cancelled: boolean, signals?: CallSignals): void;
  /** A BYE within a dialog, from either side, with what its headers say of the call. */
  onBye(callId: string, signals?: CallSignals): void;
}

export interface ProxyLog {
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}
