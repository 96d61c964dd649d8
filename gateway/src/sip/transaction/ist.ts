import type { SipMessage } from '../message/message';
import { reducer, responseClass, type Step, type Table, type Timers } from './types';

/** INVITE server transaction, RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1. */
export interface IstState {
  state: 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
  lastResponse: SipMessage | null;
  reliable: boolean;
  timers: Timers;
  intervalG: number;
}

export type IstEvent = { type: 'request' } | { type: 'ack' } | { type: 'respond'; response: SipMessage } | { type: 'timer'; timer: 'G' | 'H' | 'I' | 'L' } | { type: 'transport-error' };

export function newIst(reliable: boolean, timers: Timers): IstState {
  return { state: 'proceeding', lastResponse: null, reliable, timers, intervalG: timers.t1 };
}

const key = (e: IstEvent) => (e.type === 'respond' ? `respond:${responseClass(e.response.status)}` : e.type === 'timer' ? `timer:${e.timer}` : e.type);

type H = (s: IstState, e: IstEvent) => Step<IstState>;
const responseOf = (e: IstEvent) => (e as { response: SipMessage }).response;

const terminate: H = (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'terminate' }] });

export const IST_TABLE: Table<IstState, IstEvent> = {
  proceeding: {
    // §17.2.1: a retransmitted INVITE in Proceeding MUST cause the most recent provisional response to be passed to the transport layer.
    request: (s) => ({ state: s, actions: s.lastResponse ? [{ kind: 'send', message: s.lastResponse }] : [] }),
    // §17.2.1: provisional responses from the TU MUST be passed to the transport layer.
    'respond:1xx': (s, e) => ({ state: { ...s, lastResponse: responseOf(e) }, actions: [{ kind: 'send', message: responseOf(e) }] }),
    // RFC 6026 §7.1: a 2xx from the TU MUST be passed to the transport and the transaction MUST enter Accepted with Timer L (64*T1).
    'respond:2xx': (s, e) => ({ state: { ...s, state: 'accepted', lastResponse: responseOf(e) }, actions: [{ kind: 'send', message: responseOf(e) }, { kind: 'start', timer: 'L', ms: 64 * s.timers.t1 }] }),
    // §17.2.1: a 300-699 from the TU MUST be sent, the state MUST become Completed, Timer G set to T1 for unreliable transports and Timer H to 64*T1.
    'respond:final': (s, e) => ({
      state: { ...s, state: 'completed', lastResponse: responseOf(e) },
      actions: [{ kind: 'send', message: responseOf(e) }, ...(s.reliable ? [] : [{ kind: 'start' as const, timer: 'G' as const, ms: s.timers.t1 }]), { kind: 'start', timer: 'H', ms: 64 * s.timers.t1 }],
    }),
    // §17.2.4: on a transport failure the TU is informed and the transaction terminates.
    'transport-error': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'tu', event: 'transport-error' }, { kind: 'terminate' }] }),
  },
  completed: {
    // §17.2.1: a retransmitted INVITE in Completed MUST cause the final response to be passed to the transport again.
    request: (s) => ({ state: s, actions: [{ kind: 'send', message: s.lastResponse! }] }),
    // §17.2.1: when Timer G fires the response MUST be retransmitted and G reset to MIN(2G, T2).
    'timer:G': (s) => {
      const next = Math.min(2 * s.intervalG, s.timers.t2);
      return { state: { ...s, intervalG: next }, actions: [{ kind: 'send', message: s.lastResponse! }, { kind: 'start', timer: 'G', ms: next }] };
    },
    // §17.2.1: if Timer H fires in Completed, no ACK came: the transaction MUST move to Terminated and SHOULD tell the TU.
    'timer:H': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'cancel', timer: 'G' }, { kind: 'tu', event: 'timeout' }, { kind: 'terminate' }] }),
    // §17.2.1: an ACK in Completed MUST move the transaction to Confirmed and set Timer I to T4 (unreliable) or zero (reliable).
    // The ACK for a non-2xx is hop-by-hop: it is absorbed here, never forwarded.
    ack: (s) => {
      const actions: Step<IstState>['actions'] = [{ kind: 'cancel', timer: 'G' }, { kind: 'cancel', timer: 'H' }];
      if (s.reliable) return { state: { ...s, state: 'terminated' }, actions: [...actions, { kind: 'terminate' }] };
      return { state: { ...s, state: 'confirmed' }, actions: [...actions, { kind: 'start', timer: 'I', ms: s.timers.t4 }] };
    },
  },
  confirmed: {
    // §17.2.1: in Confirmed, further ACKs are absorbed; Timer I MUST move the transaction to Terminated.
    'timer:I': terminate,
  },
  accepted: {
    // RFC 6026 §7.1: INVITE retransmissions in Accepted are absorbed (the 2xx is the TU's to retransmit);
    // 2xx retransmissions from the TU (a proxy forwarding downstream retransmissions) MUST be sent.
    'respond:2xx': (s, e) => ({ state: s, actions: [{ kind: 'send', message: responseOf(e) }] }),
    // RFC 6026 §7.1: when Timer L fires the transaction MUST move to Terminated.
    'timer:L': terminate,
  },
  terminated: {},
};

export const reduceIst = reducer(IST_TABLE, key);
