import type { SipMessage } from '../message/message';
import type { Clock } from './clock';
import type { Action, Step, TimerName } from './types';

export interface TransactionUser {
  /** A response for the TU (client transactions), or a timeout / transport error (both kinds). */
  onEvent(action: Extract<Action, { kind: 'tu' }>): void;
  onTerminated(): void;
}

/**
 * Drives one reducer: runs its actions against the transport and the clock. Everything that
 * decides what happens lives in the reducer's table; this only executes.
 */
export class Transaction<S extends { state: string }, E> {
  private readonly timers = new Map<TimerName, unknown>();
  terminated = false;

  constructor(
    readonly key: string,
    public state: S,
    private readonly reduce: (s: S, e: E) => Step<S>,
    private readonly send: (message: SipMessage) => void,
    private readonly clock: Clock,
    private readonly user: TransactionUser,
    private readonly timerEvent: (timer: TimerName) => E,
  ) {}

  dispatch(event: E): void {
    if (this.terminated) return;
    const step = this.reduce(this.state, event);
    this.state = step.state;
    for (const action of step.actions) this.run(action);
  }

  private run(action: Action): void {
    switch (action.kind) {
      case 'send':
        return this.send(action.message);
      case 'start': {
        this.stop(action.timer);
        this.timers.set(action.timer, this.clock.set(() => {
          this.timers.delete(action.timer);
          this.dispatch(this.timerEvent(action.timer));
        }, action.ms));
        return;
      }
      case 'cancel':
        return this.stop(action.timer);
      case 'tu':
        return this.user.onEvent(action);
      case 'terminate':
        this.terminated = true;
        for (const timer of [...this.timers.keys()]) this.stop(timer);
        return this.user.onTerminated();
    }
  }

  private stop(timer: TimerName): void {
    const handle = this.timers.get(timer);
    if (handle === undefined) return;
    this.clock.clear(handle);
    this.timers.delete(timer);
  }
}
