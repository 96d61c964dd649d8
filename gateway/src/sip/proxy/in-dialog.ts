import type { SipMessage } from '../message/message';
import { parseNameAddr, tagOf } from '../message/name-addr';
import { parseUri, type SipUri } from '../message/uri';
import type { Clock } from '../transaction/clock';
import type { Peer } from '../transport/types';
import type { Dialog, DialogTable } from './dialogs';
import type { RouteTokens } from './route-token';

export type InDialogRoute = { ok: true; dialog: Dialog; fromDialer: boolean; target: Peer } | { ok: false; status: number; reason: string };

/** Target refreshes (RFC 3261 §12.2, RFC 3311): the requests that could point the call elsewhere. */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE']);

const refuse = (reason: string, status = 403): InDialogRoute => ({ ok: false, status, reason: `Forbidden (${reason})` });

/** A user part a trunk would route as a telephone number. */
const numberLike = (user: string | null | undefined) => !!user && /^\+?[0-9][0-9().-]*$/.test(user.split(';')[0]);
const sameNumber = (a: string, b: string) => a.split(';')[0].replace(/[().-]/g, '') === b.split(';')[0].replace(/[().-]/g, '');

export interface InDialogContext {
  dialogs: DialogTable;
  tokens: RouteTokens;
  clock: Clock;
  incarnation: string;
  trunk: Peer;
  isTrunk(host: string): boolean;
}

/**
 * Where a request inside a dialog may go, if anywhere (§16.12 restricted to the one hop callgate
 * decided): only inside a dialog this process admitted, only between its two legs (dialer → the
 * configured trunk, trunk → the dialer's leg), never to a host that a Request-URI or a further
 * Route names on its own, and never with a callee other than the decided one.
 */
export function routeInDialog(ctx: InDialogContext, msg: SipMessage, peer: Peer, popped: SipUri[]): InDialogRoute {
  const opened = ctx.tokens.open(msg, popped);
  if (!opened) return refuse('not routed through callgate');
  const { binding, token } = opened;
  const dialog = ctx.dialogs.get(binding.callId, binding.dialerTag) ?? adopt(ctx, opened);
  if (!dialog || dialog.state === 'gone') return refuse('dialog ended or unknown');
  if (dialog.token !== token) return refuse('not the token of this dialog');
  const fromDialer = tagOf(msg.get('from')) === binding.dialerTag;
  const legal = fromDialer ? peer.host.toLowerCase() === binding.dialer.host.toLowerCase() : ctx.isTrunk(peer.host);
  if (!legal) return refuse(fromDialer ? "not from the dialog's dialer" : "not from the dialog's trunk");
  const trunkTag = tagOf(msg.get(fromDialer ? 'to' : 'from'));
  if (!trunkTag) return refuse('no tag of the trunk');
  if (!dialog.trunkTags.has(trunkTag)) {
    // An adopted dialog learns the trunk's tag from its first request; a live one knew it already.
    if (!dialog.adopted || dialog.trunkTags.size > 0) return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    ctx.dialogs.learnTrunk(dialog, trunkTag, null);
  }
  const hosts = fromDialer ? new Set([ctx.trunk.host.toLowerCase(), ...dialog.trunkHosts]) : dialog.dialerHosts;
  const ruri = parseUri(msg.uri);
  if (!ruri || ruri.scheme === 'tel' || !hosts.has(ruri.host.toLowerCase())) return refuse('Request-URI outside the dialog');
  for (const route of msg.getAll('route')) {
    const uri = parseNameAddr(route)?.uri;
    if (!uri || !hosts.has(uri.host.toLowerCase())) return refuse('Route beyond callgate names another host');
  }
  if (fromDialer && TARGET_REFRESH.has(msg.method)) {
    const other = newCallee(dialog, ruri.user, parseNameAddr(msg.get('to') ?? '')?.uri?.user);
    if (other) return refuse(`${other} was never decided; a new callee is a new call`);
  }
  const target = fromDialer ? ctx.trunk : binding.dialer;
  return { ok: true, dialog, fromDialer, target };
}

/** A telephone number in the Request-URI or To other than the decided callee (or the trunk's own Contact user). */
function newCallee(dialog: Dialog, ...users: (string | null | undefined)[]): string | null {
  const { callee } = dialog.binding;
  for (const user of users) {
    if (!numberLike(user) || sameNumber(user!, callee) || dialog.trunkUsers.has(user!.toLowerCase())) continue;
    return user!.split(';')[0];
  }
  return null;
}

/**
 * A token of a predecessor process with the same key (a restart): still valid until it expires, so
 * the calls in progress can be hung up. Tokens of this process are valid only while their dialog is
 * in the table.
 */
function adopt(ctx: InDialogContext, opened: NonNullable<ReturnType<RouteTokens['open']>>): Dialog | null {
  const { binding, token } = opened;
  if (binding.incarnation === ctx.incarnation || binding.expiresAt <= ctx.clock.now() || ctx.dialogs.full) return null;
  return ctx.dialogs.open(binding, token, { adopted: true, dialerContact: null });
}
