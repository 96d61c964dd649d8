import type { SipMessage } from '../message/message';
import { reducer, responseClass, type Step, type Table, type Timers } from './types';

/** Non-INVITE client transaction, RFC 3261 §17.1.2 (BYE, CANCEL, OPTIONS… sent downstream). */
export interface NictState {
  state: 'trying' | 'proceeding' | 'completed' | 'terminated';
  request: SipMessage;
  reliable: boolean;
  timers: Timers;
  intervalE: number;
}

export type NictEvent = { type: 'start' } | { type: 'timer'; timer: 'E' | 'F' | 'K' } | { type: 'response'; response: SipMessage } | { type: 'transport-error' };

export function newNict(request: SipMessage, reliable: boolean, timers: Timers): NictState {
  return { state: 'trying', request, reliable, timers, intervalE: timers.t1 };
}

const key = (e: NictEvent) => (e.type === 'response' ? `response:${responseClass(e.response.status) === '1xx' ? '1xx' : 'final'}` : e.type === 'timer' ? `timer:${e.timer}` : e.type);

type H = (s: NictState, e: NictEvent) => Step<NictState>;
const responseOf = (e: NictEvent) => (e as { response: SipMessage }).response;

const toCompleted: H = (s, e) => {
  // §17.1.2.2: a final response MUST be passed to the TU and the transaction enters Completed,
  // setting Timer K to T4 for unreliable transports and zero for reliable ones.
  const actions: Step<NictState>['actions'] = [{ kind: 'cancel', timer: 'E' }, { kind: 'cancel', timer: 'F' }, { kind: 'tu', event: 'response', response: responseOf(e) }];
  if (s.reliable) return { state: { ...s, state: 'terminated' }, actions: [...actions, { kind: 'terminate' }] };
  return { state: { ...s, state: 'completed' }, actions: [...actions, { kind: 'start', timer: 'K', ms: s.timers.t4 }] };
};

// §17.1.2.2: when Timer F fires, the client transaction SHOULD inform the TU of the timeout and MUST move to Terminated.
const timeout: H = (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'cancel', timer: 'E' }, { kind: 'tu', event: 'timeout' }, { kind: 'terminate' }] });
// §17.1.4: a transport error MUST be reported to the TU.
const transportError: H = (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'cancel', timer: 'E' }, { kind: 'cancel', timer: 'F' }, { kind: 'tu', event: 'transport-error' }, { kind: 'terminate' }] });

export const NICT_TABLE: Table<NictState, NictEvent> = {
  trying: {
    // §17.1.2.2: the request MUST be passed to the transport layer; Timer F MUST be set to 64*T1 and, for unreliable transports, Timer E to T1.
    start: (s) => ({ state: s, actions: [{ kind: 'send', message: s.request }, ...(s.reliable ? [] : [{ kind: 'start' as const, timer: 'E' as const, ms: s.timers.t1 }]), { kind: 'start', timer: 'F', ms: 64 * s.timers.t1 }] }),
    // §17.1.2.2: in Trying, when Timer E fires the request MUST be retransmitted and E reset to MIN(2E, T2).
    'timer:E': (s) => {
      const next = Math.min(2 * s.intervalE, s.timers.t2);
      return { state: { ...s, intervalE: next }, actions: [{ kind: 'send', message: s.request }, { kind: 'start', timer: 'E', ms: next }] };
    },
    'timer:F': timeout,
    // §17.1.2.2: a provisional response MUST be passed to the TU and moves the transaction to Proceeding.
    'response:1xx': (s, e) => ({ state: { ...s, state: 'proceeding' }, actions: [{ kind: 'tu', event: 'response', response: responseOf(e) }] }),
    'response:final': toCompleted,
    'transport-error': transportError,
  },
  proceeding: {
    // §17.1.2.2: in Proceeding, Timer E retransmits and MUST be reset to T2.
    'timer:E': (s) => ({ state: { ...s, intervalE: s.timers.t2 }, actions: [{ kind: 'send', message: s.request }, { kind: 'start', timer: 'E', ms: s.timers.t2 }] }),
    'timer:F': timeout,
    'response:1xx': (s, e) => ({ state: s, actions: [{ kind: 'tu', event: 'response', response: responseOf(e) }] }),
    'response:final': toCompleted,
    'transport-error': transportError,
  },
  completed: {
    // §17.1.2.2: in Completed, retransmitted responses are absorbed; Timer K MUST move the transaction to Terminated.
    'timer:K': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'terminate' }] }),
  },
  terminated: {},
};

export const reduceNict = reducer(NICT_TABLE, key);
