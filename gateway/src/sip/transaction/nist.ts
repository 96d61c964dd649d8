import type { SipMessage } from '../message/message';
import { reducer, responseClass, type Step, type Table, type Timers } from './types';

/** Non-INVITE server transaction, RFC 3261 §17.2.2 (BYE, CANCEL, OPTIONS… received). */
export interface NistState {
  state: 'trying' | 'proceeding' | 'completed' | 'terminated';
  lastResponse: SipMessage | null;
  reliable: boolean;
  timers: Timers;
}

export type NistEvent = { type: 'request' } | { type: 'respond'; response: SipMessage } | { type: 'timer'; timer: 'J' } | { type: 'transport-error' };

export function newNist(reliable: boolean, timers: Timers): NistState {
  return { state: 'trying', lastResponse: null, reliable, timers };
}

const key = (e: NistEvent) => (e.type === 'respond' ? `respond:${responseClass(e.response.status) === '1xx' ? '1xx' : 'final'}` : e.type === 'timer' ? `timer:${e.timer}` : e.type);

type H = (s: NistState, e: NistEvent) => Step<NistState>;
const responseOf = (e: NistEvent) => (e as { response: SipMessage }).response;

const provisional: H = (s, e) => ({ state: { ...s, state: 'proceeding', lastResponse: responseOf(e) }, actions: [{ kind: 'send', message: responseOf(e) }] });

// §17.2.2: a final response from the TU MUST be sent, the state becomes Completed and Timer J is set
// to 64*T1 for unreliable transports, zero for reliable ones.
const final: H = (s, e) => {
  const send = { kind: 'send' as const, message: responseOf(e) };
  if (s.reliable) return { state: { ...s, state: 'terminated', lastResponse: responseOf(e) }, actions: [send, { kind: 'terminate' }] };
  return { state: { ...s, state: 'completed', lastResponse: responseOf(e) }, actions: [send, { kind: 'start', timer: 'J', ms: 64 * s.timers.t1 }] };
};

const transportError: H = (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'tu', event: 'transport-error' }, { kind: 'terminate' }] });

export const NIST_TABLE: Table<NistState, NistEvent> = {
  trying: {
    // §17.2.2: in Trying, request retransmissions MUST be discarded.
    'respond:1xx': provisional,
    'respond:final': final,
    'transport-error': transportError,
  },
  proceeding: {
    // §17.2.2: a retransmission in Proceeding MUST cause the most recent provisional response to be sent again.
    request: (s) => ({ state: s, actions: [{ kind: 'send', message: s.lastResponse! }] }),
    'respond:1xx': provisional,
    'respond:final': final,
    'transport-error': transportError,
  },
  completed: {
    // §17.2.2: a retransmission in Completed MUST cause the final response to be sent again; other TU responses MUST be discarded.
    request: (s) => ({ state: s, actions: [{ kind: 'send', message: s.lastResponse! }] }),
    // §17.2.2: when Timer J fires the transaction MUST move to Terminated.
    'timer:J': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'terminate' }] }),
  },
  terminated: {},
};

export const reduceNist = reducer(NIST_TABLE, key);
