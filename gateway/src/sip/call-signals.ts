import type { SipMessage } from './message/message';

/** What a dialer or trunk says in signalling about how an answered call went. */
export interface CallSignals {
  /** Answer-machine detection judged a machine (true) or a person (false). */
  answerMachine?: boolean;
  /** The information message played on the call (true) or did not (false). */
  infoMessage?: boolean;
}

/** The header names that carry them, e.g. `X-Callgate-AMD: detected`, `X-Callgate-Info-Message: played`. */
export interface SignalHeaders {
  answerMachine: string;
  infoMessage: string;
}

const AMD_VALUES: Record<string, boolean> = { detected: true, machine: true, human: false, 'not-detected': false, none: false };
const MESSAGE_VALUES: Record<string, boolean> = { played: true, 'not-played': false, none: false };

/** A value outside the vocabulary says nothing: the call is recorded as not reported, never guessed. */
function read(msg: SipMessage, name: string, values: Record<string, boolean>): boolean | undefined {
  const raw = msg.get(name)?.trim().toLowerCase();
  return raw !== undefined && Object.hasOwn(values, raw) ? values[raw] : undefined;
}

export function signalsOf(msg: SipMessage, headers: SignalHeaders): CallSignals {
  const signals: CallSignals = {};
  const answerMachine = read(msg, headers.answerMachine, AMD_VALUES);
  const infoMessage = read(msg, headers.infoMessage, MESSAGE_VALUES);
  if (answerMachine !== undefined) signals.answerMachine = answerMachine;
  if (infoMessage !== undefined) signals.infoMessage = infoMessage;
  return signals;
}

/** Later signalling (the BYE) adds to and overrides earlier (the 2xx). */
export function mergeSignals(earlier: CallSignals | undefined, later: CallSignals | undefined): CallSignals {
  return { ...earlier, ...later };
}
