import type { SipUri } from '../message/uri';
import type { Clock } from '../transaction/clock';
import type { DialogBinding } from './route-token';

/**
 * live: routed. ending: its BYE was answered or its INVITE failed; still routed for the grace of
 * 64*T1 that retransmissions and the ACK need (RFC 3261 §17, Timer J/L). gone: refused; kept only
 * for a dialog adopted from a predecessor's token, until that token expires, so it cannot be adopted
 * again.
 */
export type DialogState = 'live' | 'ending' | 'gone';

/** A dialog callgate admitted: what its decision covered, and what the two legs have said since. */
export interface Dialog {
  readonly binding: DialogBinding;
  readonly token: string;
  /** The trunk's To tags from its 1xx and 2xx (several when it forks). */
  readonly trunkTags: Set<string>;
  /** Hosts and users each side gave as its Contact (remote target), which Request-URIs may name. */
  readonly dialerHosts: Set<string>;
  readonly trunkHosts: Set<string>;
  readonly trunkUsers: Set<string>;
  /** Taken over from a token of a predecessor process (a restart with the same key). */
  readonly adopted: boolean;
  state: DialogState;
  timer: unknown;
}

/** Bounds the sets a peer can grow by sending many tags or Contacts. */
const MAX_ENTRIES = 16;

/** Dialogs held at once; past it new calls are refused 503 rather than memory exhausted. */
export const MAX_DIALOGS = 1_000_000;

const keyOf = (callId: string, dialerTag: string) => `${callId.length}:${callId}|${dialerTag}`;

const add = (set: Set<string>, value: string | null | undefined) => {
  if (value && set.size < MAX_ENTRIES) set.add(value.toLowerCase());
};

/**
 * The dialogs of this process, authoritative for every in-dialog request: each is dropped when its
 * token expires (the configured maximum dialog lifetime) or, after the grace, once it ended.
 */
export class DialogTable {
  private readonly dialogs = new Map<string, Dialog>();
  /** Dialogs per dialer leg address: a dialer admitted by digest from an unlisted address is still served. */
  private readonly legs = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {}

  get size(): number {
    return this.dialogs.size;
  }

  get full(): boolean {
    return this.dialogs.size >= MAX_DIALOGS;
  }

  open(binding: DialogBinding, token: string, options: { adopted: boolean; dialerContact: SipUri | null }): Dialog {
    const dialog: Dialog = { binding, token, trunkTags: new Set(), dialerHosts: new Set([binding.dialer.host.toLowerCase()]), trunkHosts: new Set(), trunkUsers: new Set(), adopted: options.adopted, state: 'live', timer: null };
    add(dialog.dialerHosts, options.dialerContact?.host);
    this.dialogs.set(keyOf(binding.callId, binding.dialerTag), dialog);
    this.legs.set(binding.dialer.host, (this.legs.get(binding.dialer.host) ?? 0) + 1);
    this.until(dialog, binding.expiresAt, () => this.drop(dialog));
    return dialog;
  }

  hasLeg(host: string): boolean {
    return this.legs.has(host);
  }

  get(callId: string, dialerTag: string): Dialog | undefined {
    return this.dialogs.get(keyOf(callId, dialerTag));
  }

  /** A 1xx or 2xx from the trunk: its tag and its Contact belong to the dialog from now on. */
  learnTrunk(dialog: Dialog, tag: string | null, contact: SipUri | null): void {
    if (dialog.state === 'gone') return;
    if (tag && dialog.trunkTags.size < MAX_ENTRIES) dialog.trunkTags.add(tag);
    add(dialog.trunkHosts, contact?.host);
    add(dialog.trunkUsers, contact?.user);
  }

  /** A target refresh from the dialer (re-INVITE, UPDATE) may move its Contact. */
  learnDialer(dialog: Dialog, contact: SipUri | null): void {
    if (dialog.state !== 'gone') add(dialog.dialerHosts, contact?.host);
  }

  /** The BYE was answered, or the initial INVITE failed: routed for the grace, then refused. */
  end(dialog: Dialog): void {
    if (dialog.state !== 'live') return;
    dialog.state = 'ending';
    this.until(dialog, this.clock.now() + this.graceMs, () => {
      if (!dialog.adopted) return this.drop(dialog);
      dialog.state = 'gone';
      this.until(dialog, dialog.binding.expiresAt, () => this.drop(dialog));
    });
  }

  private until(dialog: Dialog, at: number, fn: () => void): void {
    if (dialog.timer !== null) this.clock.clear(dialog.timer);
    dialog.timer = this.clock.set(fn, Math.max(0, at - this.clock.now()));
  }

  private drop(dialog: Dialog): void {
    const key = keyOf(dialog.binding.callId, dialog.binding.dialerTag);
    if (this.dialogs.get(key) !== dialog) return;
    this.dialogs.delete(key);
    dialog.state = 'gone';
    const { host } = dialog.binding.dialer;
    const left = (this.legs.get(host) ?? 1) - 1;
    if (left > 0) this.legs.set(host, left);
    else this.legs.delete(host);
  }
}
