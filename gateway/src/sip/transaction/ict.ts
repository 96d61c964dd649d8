import type { SipMessage } from '../message/message';
import { buildNon2xxAck } from './ack';
import { reducer, responseClass, type Step, type Table, type Timers } from './types';

/** INVITE client transaction, RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §7.2. */
export interface IctState {
  state: 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
  request: SipMessage;
  ack: SipMessage | null;
  reliable: boolean;
  timers: Timers;
  /** The current Timer A interval. */
  intervalA: number;
}

export type IctEvent = { type: 'start' } | { type: 'timer'; timer: 'A' | 'B' | 'D' | 'M' } | { type: 'response'; response: SipMessage } | { type: 'transport-error' };

export function newIct(request: SipMessage, reliable: boolean, timers: Timers): IctState {
  return { state: 'calling', request, ack: null, reliable, timers, intervalA: timers.t1 };
}

const key = (e: IctEvent) => (e.type === 'response' ? `response:${responseClass(e.response.status)}` : e.type === 'timer' ? `timer:${e.timer}` : e.type);

type H = (s: IctState, e: IctEvent) => Step<IctState>;

const toAccepted: H = (s, e) => {
  const response = (e as { response: SipMessage }).response;
  // §17.1.1.2 as updated by RFC 6026 §7.2: a 2xx MUST be passed to the TU and the transaction
  // MUST enter Accepted, starting Timer M (64*T1), so that 2xx retransmissions reach the TU too.
  return {
    state: { ...s, state: 'accepted' },
    actions: [{ kind: 'cancel', timer: 'A' }, { kind: 'cancel', timer: 'B' }, { kind: 'tu', event: 'response', response }, { kind: 'start', timer: 'M', ms: 64 * s.timers.t1 }],
  };
};

const toCompleted: H = (s, e) => {
  const response = (e as { response: SipMessage }).response;
  const ack = buildNon2xxAck(s.request, response);
  // §17.1.1.2: on a 300-699 response the client transaction MUST generate an ACK, pass the
  // response up to the TU, enter Completed and set Timer D (at least 32 s unreliable, 0 reliable).
  const actions: Step<IctState>['actions'] = [{ kind: 'cancel', timer: 'A' }, { kind: 'cancel', timer: 'B' }, { kind: 'send', message: ack }, { kind: 'tu', event: 'response', response }];
  if (s.reliable) return { state: { ...s, state: 'terminated', ack }, actions: [...actions, { kind: 'terminate' }] };
  return { state: { ...s, state: 'completed', ack }, actions: [...actions, { kind: 'start', timer: 'D', ms: Math.max(32_000, 64 * s.timers.t1) }] };
};

const provisional: H = (s, e) => ({ state: { ...s, state: 'proceeding' }, actions: [{ kind: 'tu', event: 'response', response: (e as { response: SipMessage }).response }] });

const transportError: H = (s) => ({
  // §17.1.4: a transport failure MUST be reported to the TU and the transaction terminated.
  state: { ...s, state: 'terminated' },
  actions: [{ kind: 'tu', event: 'transport-error' }, { kind: 'terminate' }],
});

export const ICT_TABLE: Table<IctState, IctEvent> = {
  calling: {
    // §17.1.1.2: the transaction MUST send the INVITE; over an unreliable transport it MUST start
    // Timer A at T1; it MUST start Timer B at 64*T1 for any transport.
    start: (s) => ({
      state: s,
      actions: [{ kind: 'send', message: s.request }, ...(s.reliable ? [] : [{ kind: 'start' as const, timer: 'A' as const, ms: s.timers.t1 }]), { kind: 'start', timer: 'B', ms: 64 * s.timers.t1 }],
    }),
    // §17.1.1.2: when Timer A fires the request MUST be retransmitted and Timer A reset to twice its value.
    'timer:A': (s) => ({ state: { ...s, intervalA: s.intervalA * 2 }, actions: [{ kind: 'send', message: s.request }, { kind: 'start', timer: 'A', ms: s.intervalA * 2 }] }),
    // §17.1.1.2: if still Calling when Timer B fires, the TU MUST be informed of the timeout and the transaction MUST NOT generate an ACK.
    'timer:B': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'tu', event: 'timeout' }, { kind: 'terminate' }] }),
    // §17.1.1.2: a provisional response moves Calling to Proceeding, where the request SHOULD NOT be retransmitted; it MUST be passed to the TU.
    'response:1xx': (s, e) => {
      const step = provisional(s, e);
      return { ...step, actions: [{ kind: 'cancel', timer: 'A' }, { kind: 'cancel', timer: 'B' }, ...step.actions] };
    },
    'response:2xx': toAccepted,
    'response:final': toCompleted,
    'transport-error': transportError,
  },
  proceeding: {
    // §17.1.1.2: further provisional responses MUST be passed up to the TU.
    'response:1xx': provisional,
    'response:2xx': toAccepted,
    'response:final': toCompleted,
    'transport-error': transportError,
  },
  completed: {
    // §17.1.1.2: any retransmission of the final response MUST cause the ACK to be re-passed to the transport layer, and MUST NOT be passed to the TU.
    'response:final': (s) => ({ state: s, actions: [{ kind: 'send', message: s.ack! }] }),
    // §17.1.1.2: when Timer D fires the transaction MUST move to Terminated.
    'timer:D': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'terminate' }] }),
  },
  accepted: {
    // RFC 6026 §7.2: any 2xx received in Accepted MUST be passed to the TU (retransmissions and forks).
    'response:2xx': (s, e) => ({ state: s, actions: [{ kind: 'tu', event: 'response', response: (e as { response: SipMessage }).response }] }),
    // RFC 6026 §7.2: when Timer M fires the transaction MUST move to Terminated.
    'timer:M': (s) => ({ state: { ...s, state: 'terminated' }, actions: [{ kind: 'terminate' }] }),
  },
  terminated: {},
};

export const reduceIct = reducer(ICT_TABLE, key);
