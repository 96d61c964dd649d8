import type { CallSignals } from './call-signals';
import type { ProxyStats } from './proxy/proxy-core';
import type { CallRef, Verdict } from './proxy/types';
import type { Peer, Proto } from './transport/types';

/** Messages from the SIP thread to the main thread. */
export type FromWorker =
  | { type: 'ready'; listening: { proto: Proto; host: string; port: number }[] }
  | { type: 'failed'; message: string }
  | { type: 'admit'; id: number; bytes: Buffer; source: Peer }
  | { type: 'final'; call: CallRef; status: number; cancelled: boolean; signals?: CallSignals }
  | { type: 'bye'; callId: string; signals?: CallSignals }
  /** An allowed call that was refused after all (its verdict came too late): it never rang. */
  | { type: 'unplaced'; decisionId: string; tenantId: string; reason: string }
  | { type: 'log'; level: 'warn' | 'error'; obj: unknown; msg?: string }
  | { type: 'stats'; stats: ProxyStats }
  | { type: 'closed' };

/** Messages from the main thread to the SIP thread. */
export type ToWorker =
  | { type: 'verdict'; id: number; verdict: Verdict | null; error: string | null }
  /** The address allow-list after a reload: INVITEs from elsewhere must authenticate; requests from nowhere known are strangers (proxy/sources.ts). */
  | { type: 'sources'; sources: string[] }
  | { type: 'stats' }
  | { type: 'close' };
