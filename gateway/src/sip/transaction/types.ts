import type { SipMessage } from '../message/message';

/** RFC 3261 §17.1.1.1 timer values; T1 is configurable so tests can run with short timeouts. */
export interface Timers {
  t1: number;
  t2: number;
  t4: number;
}

export const DEFAULT_TIMERS: Timers = { t1: 500, t2: 4000, t4: 5000 };

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

/** What a transaction asks its driver to do; the reducers themselves never touch a socket or a clock. */
export type Action =
  | { kind: 'send'; message: SipMessage }
  | { kind: 'start'; timer: TimerName; ms: number }
  | { kind: 'cancel'; timer: TimerName }
  | { kind: 'tu'; event: 'response'; response: SipMessage }
  | { kind: 'tu'; event: 'timeout' | 'transport-error' }
  | { kind: 'terminate' };

export interface Step<S> {
  state: S;
  actions: Action[];
}

export type Handler<S, E> = (s: S, e: E) => Step<S>;

/** A state machine as data: for each state, the events it reacts to. Any other event is ignored. */
export type Table<S extends { state: string }, E> = Record<S['state'], Partial<Record<string, Handler<S, E>>>>;

export function reducer<S extends { state: string }, E>(table: Table<S, E>, key: (e: E) => string): (s: S, e: E) => Step<S> {
  return (s, e) => {
    const handler = (table as Record<string, Partial<Record<string, Handler<S, E>>>>)[s.state]?.[key(e)];
    return handler ? handler(s, e) : { state: s, actions: [] };
  };
}

export function responseClass(status: number): '1xx' | '2xx' | 'final' {
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  return 'final';
}

export const unchanged = <S>(state: S): Step<S> => ({ state, actions: [] });
