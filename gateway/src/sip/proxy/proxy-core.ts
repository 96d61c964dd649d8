import crypto from 'node:crypto';
import { signalsOf } from '../call-signals';
import type { SipConfig } from '../config';
import { SipMessage } from '../message/message';
import { parseNameAddr, tagOf } from '../message/name-addr';
import { parseMessage, SipParseError } from '../message/parse';
import { buildResponse, printable, warningHeader } from '../message/response';
import { parseUri, type SipUri } from '../message/uri';
import { parseVia, sentBy, type Via } from '../message/via';
import type { Clock } from '../transaction/clock';
import { newIct, reduceIct, type IctEvent, type IctState } from '../transaction/ict';
import { newIst, reduceIst, type IstEvent, type IstState } from '../transaction/ist';
import { clientKey, clientKeyOfResponse, serverKey } from '../transaction/matcher';
import { newNict, reduceNict, type NictEvent, type NictState } from '../transaction/nict';
import { newNist, reduceNist, type NistEvent, type NistState } from '../transaction/nist';
import { Transaction, type TransactionUser } from '../transaction/transaction';
import type { Action, TimerName } from '../transaction/types';
import { isStream, type Peer, type Proto, type Transport } from '../transport/types';
import type { InviteGate } from '../auth/challenge';
import { loopHash, newBranch, statelessBranch } from './branch';
import { buildCancel } from './cancel';
import { DialogTable, type Dialog } from './dialogs';
import { routeInDialog, type InDialogContext } from './in-dialog';
import { popOwnRoutes, stampVia } from './route';
import { ROUTE_TOKEN_PARAM, RouteTokens } from './route-token';
import { KnownSources } from './sources';
import type { Admission, CallObserver, CallRef, ProxyLog, Verdict } from './types';

type Ist = Transaction<IstState, IstEvent>;
type Nist = Transaction<NistState, NistEvent>;
type Server = { kind: 'ist'; txn: Ist } | { kind: 'nist'; txn: Nist };

/** The response context of one INVITE (§16.2): its server transaction and what went downstream. */
interface InviteContext {
  key: string;
  request: SipMessage;
  source: Peer;
  ist: Ist;
  forwarded: SipMessage | null;
  target: Peer | null;
  provisional: boolean;
  final: boolean;
  cancelled: boolean;
  pendingCancel: boolean;
  timerC: unknown;
  call: CallRef | null;
  /** The dialog this INVITE opened (initial) or runs in (re-INVITE). */
  dialog: Dialog | null;
  initial: boolean;
  /** For a re-INVITE: whether the dialer sent it (else the trunk did). */
  fromDialer: boolean;
}

/**
 * Transactions linger after their final response (Timers J, K, L, M: up to 64*T1) to absorb
 * retransmissions; this bounds their memory whatever the load, while the overload answer itself is
 * driven by calls still pending.
 */
const MAX_TRANSACTIONS = 1_000_000;

const UDP_MTU_BOUND = 1300;

/**
 * The methods callgate serves. Not REFER (RFC 3515) nor the NOTIFY of its subscription: a transfer
 * would have the trunk call a target nobody decided. Not MESSAGE, SUBSCRIBE, PUBLISH, REGISTER: a
 * compliance gate for calls has no business relaying them.
 */
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK';
const SERVED = new Set(ALLOW.split(', '));
const SCHEMES = new Set(['sip', 'sips', 'tel']);

export interface ProxyStats {
  received: number;
  /** Messages neither answered nor acted on: unanswerable bytes, stray responses, forged ACKs. */
  dropped: number;
  /** Malformed requests answered 400. */
  badRequests: number;
  /** Messages dropped because handling them threw: each one is a bug. */
  internalErrors: number;
  invites: number;
  forwarded: number;
  refused: number;
}

/**
 * The stateful proxy of RFC 3261 §16 for one hop, dialer → trunk: validates, answers a registered
 * dialer 100 at once, asks the admission for every initial INVITE, forwards with Record-Route so
 * that the dialog's later requests come back through here (and routes them only inside the dialogs
 * it admitted, dialogs.ts), and relays responses through the transactions to where requests came from.
 */
export class ProxyCore {
  private readonly transports = new Map<Proto, Transport>();
  private readonly servers = new Map<string, Server>();
  private readonly clients = new Map<string, Transaction<IctState, IctEvent> | Transaction<NictState, NictEvent>>();
  private readonly contexts = new Map<string, InviteContext>();
  private readonly ours = new Set<string>();
  /** Client transactions toward the trunk: their responses' sources are the trunk's addresses. */
  private readonly toTrunk = new Set<string>();
  private pendingCalls = 0;
  private warnedMtu = false;
  readonly stats: ProxyStats = { received: 0, dropped: 0, badRequests: 0, internalErrors: 0, invites: 0, forwarded: 0, refused: 0 };
  private readonly tokens: RouteTokens;
  readonly dialogs: DialogTable;
  private readonly sources: KnownSources;
  /** Names this process in its tokens: its own are valid only while their dialog is in its table. */
  private readonly incarnation = crypto.randomBytes(6).toString('hex');
  private readonly inDialog: InDialogContext;

  constructor(
    private readonly config: SipConfig,
    private readonly admission: Admission,
    private readonly observer: CallObserver | null,
    private readonly clock: Clock,
    private readonly log: ProxyLog,
    private readonly gate: InviteGate | null = null,
  ) {
    this.tokens = new RouteTokens(Buffer.from(config.routeKey, 'hex'), config.advertisedHost);
    // §17.2.2 Timer J, §17.2.1 Timer L: 64*T1 absorbs the retransmissions of a dialog's last requests.
    this.dialogs = new DialogTable(clock, 64 * config.timers.t1);
    this.sources = new KnownSources(config.trunk.host);
    const { trunk } = config;
    this.inDialog = { dialogs: this.dialogs, tokens: this.tokens, clock, incarnation: this.incarnation, trunk: { proto: trunk.proto, host: trunk.host, port: trunk.port }, isTrunk: (host) => this.sources.isTrunk(host) };
  }

  /** The dialers' source addresses (sip_dialers.source), whenever the directory is reloaded. */
  setDialerSources(sources: string[]): void {
    this.sources.setDialers(sources);
  }

  attach(transport: Transport): void {
    this.transports.set(transport.proto, transport);
    this.ours.add(`${this.config.advertisedHost}:${transport.port}`);
    this.ours.add(`${transport.host}:${transport.port}`);
  }

  get transactionCount(): number {
    return this.servers.size + this.clients.size;
  }

  /** Entry point for every message a transport receives. Nothing thrown here may escape. */
  receive(bytes: Buffer, peer: Peer): void {
    this.stats.received++;
    try {
      let msg: SipMessage;
      try {
        msg = parseMessage(bytes, { datagram: peer.proto === 'udp' });
      } catch (error) {
        return this.refuseMalformed(error as SipParseError, peer, bytes.length);
      }
      if (msg.isRequest) this.onRequest(msg, peer, bytes.length);
      else this.onResponse(msg, peer);
    } catch (error) {
      this.stats.dropped++;
      this.internalError(error);
    }
  }

  /** A fault of ours: counted and logged, never let out, where it would end the SIP thread. */
  private internalError(error: unknown): void {
    this.stats.internalErrors++;
    this.log.error({ err: error }, 'SIP message dropped after an internal error');
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────────

  /**
   * §16.3 step 1 and RFC 4475 §3.1.2: a request that can be answered gets 400 naming its fault in
   * the reason phrase and a Warning; an ACK (never answered, §17.2.1) or anything else is dropped.
   * A stranger's 400 obeys the stranger rule: once, and no larger than the request.
   */
  private refuseMalformed(error: SipParseError, peer: Peer, size: number): void {
    if (!error.answerable || error.partial!.method === 'ACK') return void this.stats.dropped++;
    this.stats.badRequests++;
    stampVia(error.partial!, peer);
    const warning = warningHeader(this.config.advertisedHost, error.message);
    const response = buildResponse(error.partial!, 400, [warning], `Bad Request (${printable(error.message)})`);
    if (!this.trusted(error.partial!, peer)) return this.answerStranger(response, peer, size);
    this.sendUpstream(response, peer);
  }

  private onRequest(msg: SipMessage, peer: Peer, size: number): void {
    stampVia(msg, peer);
    if (!this.trusted(msg, peer)) return this.refuseStranger(msg, peer, size);
    if (msg.method === 'ACK') return this.onAck(msg, peer);
    const key = serverKey(msg);
    if (!key) return this.sendUpstream(buildResponse(msg, 400, [], 'Bad Request (Via branch must start with z9hG4bK)'), peer);
    const existing = this.servers.get(key);
    if (existing) return existing.txn.dispatch({ type: 'request' });
    if (msg.method === 'CANCEL') return this.onCancel(msg, peer);
    if (this.pendingCalls >= this.config.maxPendingCalls || this.transactionCount >= MAX_TRANSACTIONS || this.dialogs.full) {
      // §21.5.4: an overloaded element answers 503 with Retry-After, statelessly, keeping no state for it.
      this.stats.refused++;
      return this.sendUpstream(buildResponse(msg, 503, [['Retry-After', String(this.config.retryAfterSeconds)]]), peer);
    }
    if (msg.method === 'INVITE' && this.gate && tagOf(msg.get('to')) === null) {
      // An initial INVITE that must authenticate first is answered here with no state at all,
      // and to the packet's own source address (see auth/challenge.ts).
      const answer = this.gate.check(msg, peer);
      if (answer) return this.sendTo(peer, answer);
    }
    if (msg.method === 'INVITE') return this.onInvite(msg, peer, key);
    const nist = this.newNist(key, peer);
    const respond = (status: number, headers: [string, string][] = [], reason?: string) => nist.dispatch({ type: 'respond', response: buildResponse(msg, status, headers, reason) });
    // §8.2.1: a method the element does not serve is answered 405 with an Allow header.
    if (!SERVED.has(msg.method)) return respond(405, [['Allow', ALLOW]], 'Method Not Allowed (callgate routes calls only)');
    const refusal = this.validate(msg);
    if (refusal) return respond(refusal.status, refusal.headers, refusal.reason);
    const popped = popOwnRoutes(msg, this.isOurs);
    if (tagOf(msg.get('to')) !== null) return this.forwardInDialog(msg, peer, nist, popped);
    if (msg.method === 'OPTIONS') return respond(200, [['Allow', ALLOW]]);
    // §12.2.2: BYE, UPDATE, INFO, PRACK exist only inside a dialog.
    respond(481);
  }

  /**
   * Whether the source of a request is one callgate serves: a registered dialer's address, the
   * trunk, the dialer leg of a dialog in the table, an initial INVITE whose digest credentials name
   * a nonce issued to this very address (auth/challenge.ts), or any stream peer (its handshake
   * proves the address, so it cannot be a reflection). Over UDP, anything else may be a forged source.
   */
  private trusted(msg: SipMessage, peer: Peer): boolean {
    if (isStream(peer.proto) || this.sources.isKnown(peer.host) || this.dialogs.hasLeg(peer.host)) return true;
    return msg.method === 'INVITE' && tagOf(msg.get('to')) === null && msg.has('proxy-authorization') && this.gate?.check(msg, peer) === null;
  }

  /**
   * A UDP request from an address that is neither a registered dialer nor the trunk: no 100 Trying, no
   * transaction, no retransmission and no decision (the admission would refuse SOURCE_NOT_ALLOWED
   * anyway), so that a forged source address gains nothing from sending here.
   */
  private refuseStranger(msg: SipMessage, peer: Peer, size: number): void {
    this.stats.refused++;
    if (msg.method === 'ACK') return void this.stats.dropped++;
    // An initial INVITE may still authenticate (auth/challenge.ts): its 407 is sent once, never
    // retransmitted, and held to the stranger rule like any answer here. A dialer's INVITE carries
    // its SDP offer and outgrows a challenge; a bare one that the full challenge (SHA-256 and MD5)
    // would outgrow is offered the preferred algorithm alone, and gets nothing if even that is larger.
    const challenge = msg.method === 'INVITE' && tagOf(msg.get('to')) === null ? this.gate?.check(msg, peer) : null;
    if (challenge) {
      const fits = challenge.serialize(false).length <= size;
      return this.answerStranger(fits ? challenge : this.gate!.check(msg, peer, 1)!, peer, size);
    }
    const headers: [string, string][] = [['Reason', 'SIP;cause=403;text="SOURCE_NOT_ALLOWED"'], ['X-Callgate-Reasons', 'SOURCE_NOT_ALLOWED']];
    const response = buildResponse(msg, 403, headers, 'Forbidden (no registered dialer)');
    this.answerStranger(response, peer, size);
  }

  /**
   * One answer at most, sent once, and never larger than the request it answers (a reflection
   * gains nothing: bytes out <= bytes in); SIP_UNKNOWN_SOURCE=drop sends nothing at all.
   */
  private answerStranger(response: SipMessage, peer: Peer, size: number): void {
    const transport = this.transports.get(peer.proto);
    const bytes = response.serialize(isStream(peer.proto));
    if (this.config.unknownSource === 'drop' || !transport || bytes.length > size) return void this.stats.dropped++;
    transport.send(peer, bytes);
  }

  private onInvite(msg: SipMessage, peer: Peer, key: string): void {
    this.stats.invites++;
    const ist = this.newIst(key, peer);
    // §16.2 and §16.7: a stateful proxy answering INVITE sends 100 Trying at once, before any
    // look-up, so that the dialer stops retransmitting while the decision is made.
    ist.dispatch({ type: 'respond', response: buildResponse(msg, 100) });
    const initial = tagOf(msg.get('to')) === null;
    const ctx: InviteContext = { key, request: msg, source: peer, ist, forwarded: null, target: null, provisional: false, final: false, cancelled: false, pendingCancel: false, timerC: null, call: null, dialog: null, initial, fromDialer: true };
    this.contexts.set(key, ctx);
    this.pendingCalls++;
    const refusal = this.validate(msg);
    if (refusal) return this.respondInvite(ctx, refusal.status, refusal.headers, refusal.reason);
    const popped = popOwnRoutes(msg, this.isOurs);
    // A To tag means a re-INVITE: routed only inside its dialog, and never decided as a new call.
    if (!initial) return this.forwardInDialogInvite(ctx, popped);
    // An initial INVITE goes to the configured trunk and nowhere else: a Route the dialer wrote
    // beyond ours would steer the trunk (or whoever reads it) toward a host nobody configured.
    if (msg.has('route')) {
      this.stats.refused++;
      return this.respondInvite(ctx, 403, [], 'Forbidden (a Route beyond callgate; calls go to the configured trunk)');
    }
    this.admitAndForward(ctx).catch((error) => this.failInvite(ctx, error));
  }

  /** A fault while deciding or forwarding: fail closed with 500, releasing the pending call. */
  private failInvite(ctx: InviteContext, error: unknown): void {
    this.internalError(error);
    try {
      this.respondInvite(ctx, 500);
    } catch (again) {
      this.internalError(again);
    }
  }

  /** §16.3: the checks before anything is forwarded or decided. */
  private validate(msg: SipMessage): { status: number; headers: [string, string][]; reason?: string } | null {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(msg.uri)?.[1].toLowerCase();
    if (!scheme || !SCHEMES.has(scheme)) return { status: 416, headers: [] };
    const maxForwards = msg.get('max-forwards');
    // §16.3 step 3: a request with Max-Forwards 0 MUST NOT be forwarded: 483 Too Many Hops.
    if (maxForwards !== undefined && Number(maxForwards) === 0) return { status: 483, headers: [] };
    // §16.3 step 4: a Via of ours carrying the branch hash we would compute again is a loop: 482.
    const hash = loopHash(msg);
    for (const value of msg.getAll('via')) {
      const via = parseVia(value);
      if (via && this.isOurVia(via) && via.branch?.startsWith(`z9hG4bK${hash}`)) return { status: 482, headers: [] };
    }
    // §16.3 step 6: option tags in Proxy-Require that we do not support: 420 with Unsupported.
    const required = msg.getAll('proxy-require');
    if (required.length > 0) return { status: 420, headers: [['Unsupported', required.join(', ')]] };
    return null;
  }

  private async admitAndForward(ctx: InviteContext): Promise<void> {
    let verdict: Verdict;
    try {
      verdict = await this.admission.admit(ctx.request, ctx.source);
    } catch (error) {
      // Fail closed: whatever went wrong, an undecided call is refused, never forwarded.
      this.log.error({ err: error }, 'SIP admission failed; refusing the call');
      verdict = { allow: false, status: this.config.unavailableStatus, decisionId: null, headers: [['Retry-After', String(this.config.retryAfterSeconds)], ['X-Callgate-Reasons', 'GATEWAY_UNAVAILABLE']] };
    }
    if (verdict.allow) ctx.call = { decisionId: verdict.decisionId, tenantId: verdict.tenantId, callId: ctx.request.get('call-id')! };
    if (ctx.cancelled) {
      // A CANCEL during the look-up already answered 487: the call is never placed.
      if (ctx.call) this.observer?.onFinal(ctx.call, 487, true);
      return;
    }
    if (!verdict.allow) {
      this.stats.refused++;
      return this.respondInvite(ctx, verdict.status, verdict.headers, verdict.reason);
    }
    if (this.config.mode === 'redirect') {
      const call = ctx.call;
      ctx.call = null; // the dialer places the call itself; its outcome is not seen here
      return this.respondInvite(ctx, 302, [['Contact', `<${this.trunkUri(ctx.request)}>`], ['X-Callgate-Decision', call!.decisionId], ...verdict.headers]);
    }
    const out = ctx.request.clone();
    out.setRequestUri(this.trunkUri(ctx.request));
    out.remove(this.config.campaignHeader);
    out.remove(this.config.modeHeader);
    // The callee's address is the tenant's data about a person: the carrier has no use for it.
    out.remove(this.config.locationHeader);
    // §22.3: credentials for our own realm end here; the trunk has no use for them.
    out.remove('proxy-authorization');
    for (const [name, value] of verdict.headers) out.append(name, value);
    const { dialog, token } = this.openDialog(ctx);
    ctx.dialog = dialog;
    this.forwardInvite(ctx, out, this.inDialog.trunk, token);
  }

  /** The dialog an admitted INVITE opens, bound to what its decision covered (route-token.ts). */
  private openDialog(ctx: InviteContext): { dialog: Dialog; token: string } {
    const { request, source } = ctx;
    const binding = {
      callId: request.get('call-id') ?? '',
      dialerTag: tagOf(request.get('from')) ?? '',
      callee: dialledUser(request) ?? '',
      dialer: { proto: source.proto, host: source.host, port: source.port },
      expiresAt: this.clock.now() + this.config.maxDialogMs,
      incarnation: this.incarnation,
    };
    const token = this.tokens.issue(binding);
    return { dialog: this.dialogs.open(binding, token, { adopted: false, dialerContact: contactOf(request) }), token };
  }

  /** The Request-URI toward the trunk: the dialled user part at the trunk's address. */
  private trunkUri(request: SipMessage): string {
    const uri = parseUri(request.uri);
    const user = dialledUser(request);
    const { trunk } = this.config;
    const transport = trunk.proto === 'udp' ? '' : `;transport=${trunk.proto}`;
    return `sip:${user ? user + '@' : ''}${trunk.host}:${trunk.port}${transport}${uri?.scheme === 'tel' ? ';user=phone' : ''}`;
  }

  /** §16.6: Max-Forwards, Record-Route (with the dialog token, for an initial INVITE) and our Via on a copy, then a client transaction. */
  private forwardInvite(ctx: InviteContext, out: SipMessage, target: Peer, token: string | null): void {
    this.prepareForward(out, ctx.source.proto, target.proto, token);
    ctx.forwarded = out;
    ctx.target = target;
    this.stats.forwarded++;
    const branch = parseVia(out.get('via')!)!.branch!;
    const key = clientKey(branch, 'INVITE');
    const user: TransactionUser = {
      onEvent: (a) => this.onInviteClientEvent(ctx, a),
      onTerminated: () => this.forgetClient(key),
    };
    if (target === this.inDialog.trunk) this.toTrunk.add(key);
    const ict = new Transaction<IctState, IctEvent>(key, newIct(out, target.proto !== 'udp', this.config.timers), reduceIct, (m) => this.sendTo(target, m, () => ict.dispatch({ type: 'transport-error' })), this.clock, user, (t) => ({ type: 'timer', timer: t as 'A' }));
    this.clients.set(key, ict);
    this.armTimerC(ctx);
    ict.dispatch({ type: 'start' });
  }

  private prepareForward(out: SipMessage, inbound: Proto, outbound: Proto, token: string | null): void {
    const maxForwards = out.get('max-forwards');
    out.set('Max-Forwards', String(maxForwards === undefined ? 70 : Number(maxForwards) - 1));
    if (token) {
      // §16.6 step 4, RFC 5658: one Record-Route per side when the two sides use different transports;
      // the trunk-facing entry on top, so each side reaches us on its own transport. Both carry the
      // dialog token (route-token.ts), whichever of them comes back in a Route.
      out.prepend('Record-Route', `<${this.selfUri(inbound, token)}>`);
      if (outbound !== inbound) out.prepend('Record-Route', `<${this.selfUri(outbound, token)}>`);
    }
    out.prepend('Via', this.ourVia(outbound, newBranch(out)));
  }

  private onInviteClientEvent(ctx: InviteContext, action: Extract<Action, { kind: 'tu' }>): void {
    if (action.event !== 'response') {
      if (action.event === 'timeout') return this.respondInvite(ctx, 408);
      return this.respondInvite(ctx, 503, [['Retry-After', String(this.config.retryAfterSeconds)]]);
    }
    const res = action.response;
    // §16.7 step 5: a stateful proxy never forwards a 100 Trying.
    if (res.status === 100) return this.noteProvisional(ctx);
    this.learnFromResponse(ctx, res);
    const up = res.clone();
    up.removeFirst('via');
    if (res.status < 200) {
      this.noteProvisional(ctx);
      this.armTimerC(ctx); // §16.7 step 2: a provisional response resets Timer C.
      ctx.ist.dispatch({ type: 'respond', response: up });
      return;
    }
    this.clock.clear(ctx.timerC);
    if (res.status < 300) {
      // §16.7 step 5 and RFC 6026: every 2xx is forwarded at once, retransmissions included.
      const first = !ctx.final;
      this.markFinal(ctx, res.status);
      ctx.ist.dispatch({ type: 'respond', response: up });
      if (first && ctx.call) this.observer?.onFinal(ctx.call, res.status, false, signalsOf(res, this.config.signalHeaders));
      return;
    }
    if (ctx.final) return;
    this.markFinal(ctx, res.status);
    ctx.ist.dispatch({ type: 'respond', response: up });
    if (ctx.call) this.observer?.onFinal(ctx.call, res.status, ctx.cancelled, signalsOf(res, this.config.signalHeaders));
  }

  /**
   * A 1xx with a tag or a 2xx belongs to the dialog: the trunk's tag and Contact for the initial
   * INVITE or the dialer's re-INVITE (a target refresh), the dialer's Contact for the trunk's one.
   */
  private learnFromResponse(ctx: InviteContext, res: SipMessage): void {
    if (!ctx.dialog || res.status >= 300) return;
    if (ctx.fromDialer) this.dialogs.learnTrunk(ctx.dialog, ctx.initial ? tagOf(res.get('to')) : null, contactOf(res));
    else if (res.status >= 200) this.dialogs.learnDialer(ctx.dialog, contactOf(res));
  }

  private noteProvisional(ctx: InviteContext): void {
    ctx.provisional = true;
    if (ctx.pendingCancel) {
      ctx.pendingCancel = false;
      this.sendCancel(ctx);
    }
  }

  private armTimerC(ctx: InviteContext): void {
    if (ctx.timerC !== null) this.clock.clear(ctx.timerC);
    ctx.timerC = this.clock.set(() => {
      if (ctx.final) return;
      // §16.8: when Timer C fires, a proxy that saw a provisional response MUST CANCEL the branch;
      // otherwise the branch is treated as having answered 408.
      if (ctx.provisional) this.sendCancel(ctx);
      else this.respondInvite(ctx, 408);
    }, this.config.timerCMs);
  }

  /** A final response generated here for the INVITE, sent through its server transaction. */
  private respondInvite(ctx: InviteContext, status: number, headers: [string, string][] = [], reason?: string): void {
    if (ctx.final) return;
    this.markFinal(ctx, status);
    if (ctx.timerC !== null) this.clock.clear(ctx.timerC);
    ctx.ist.dispatch({ type: 'respond', response: buildResponse(ctx.request, status, headers, reason) });
    if (ctx.call && ctx.forwarded) this.observer?.onFinal(ctx.call, status, ctx.cancelled);
  }

  /** The final response of an INVITE; a failed initial INVITE ends the dialog it would have opened. */
  private markFinal(ctx: InviteContext, status = 500): void {
    if (ctx.final) return;
    ctx.final = true;
    this.pendingCalls--;
    if (ctx.initial && ctx.dialog && status >= 300) this.dialogs.end(ctx.dialog);
  }

  // ── CANCEL (§16.10) ─────────────────────────────────────────────────────────────────────────

  private onCancel(msg: SipMessage, peer: Peer): void {
    const found = this.contexts.get(serverKey(msg, 'INVITE') ?? '');
    // Only the INVITE's own sender may cancel it.
    const ctx = found && found.source.host === peer.host ? found : undefined;
    if (!ctx) {
      // No response context: nothing here to cancel. (§16.10 would forward it statelessly; with one
      // hop and no state there is nowhere it could matter, so the dialer learns at once.)
      return this.sendUpstream(buildResponse(msg, 481), peer);
    }
    // §16.10: the CANCEL is answered 200 hop by hop at once, then the pending branch is cancelled.
    this.sendUpstream(buildResponse(msg, 200), peer);
    if (ctx.final) return;
    ctx.cancelled = true;
    if (!ctx.forwarded) return this.respondInvite(ctx, 487); // still deciding: never forwarded
    // §9.1: a CANCEL MUST NOT be sent before a provisional response was received.
    if (ctx.provisional) this.sendCancel(ctx);
    else ctx.pendingCancel = true;
  }

  private sendCancel(ctx: InviteContext): void {
    const inv = ctx.forwarded!;
    const cancel = buildCancel(inv);
    const key = clientKey(parseVia(inv.get('via')!)!.branch!, 'CANCEL');
    if (this.clients.has(key)) return;
    const target = ctx.target!;
    const nict = new Transaction<NictState, NictEvent>(key, newNict(cancel, target.proto !== 'udp', this.config.timers), reduceNict, (m) => this.sendTo(target, m), this.clock, { onEvent: () => undefined, onTerminated: () => this.forgetClient(key) }, (t) => ({ type: 'timer', timer: t as 'E' }));
    this.clients.set(key, nict);
    nict.dispatch({ type: 'start' });
  }

  // ── in-dialog requests and ACK ──────────────────────────────────────────────────────────────

  /**
   * A request inside a dialog we record-routed: routed, never decided again. §16.4 has a proxy pop
   * a Route naming itself and §16.12 route on by the rest, but a Route naming us is trivial to
   * forge, and a token of one admitted call would otherwise open callgate as a relay toward any
   * host. So only a request of a dialog in our table, between its two legs, is forwarded
   * (in-dialog.ts); anything else is refused, never forwarded and never decided as a new call.
   */
  private forwardInDialog(msg: SipMessage, peer: Peer, nist: Nist, popped: SipUri[]): void {
    const route = routeInDialog(this.inDialog, msg, peer, popped);
    if (!route.ok) {
      this.stats.refused++;
      return nist.dispatch({ type: 'respond', response: buildResponse(msg, route.status, [], route.reason) });
    }
    const { dialog, target } = route;
    if (msg.method === 'UPDATE') this.learnTarget(route.dialog, route.fromDialer, msg);
    const bye = msg.method === 'BYE';
    if (bye) this.observer?.onBye(msg.get('call-id')!, signalsOf(msg, this.config.signalHeaders));
    const out = msg.clone();
    // What the dialer tells callgate about the call is for callgate: the trunk does not get it.
    if (bye && route.fromDialer) for (const name of Object.values(this.config.signalHeaders)) out.remove(name);
    this.prepareForward(out, peer.proto, target.proto, null);
    const branch = parseVia(out.get('via')!)!.branch!;
    const key = clientKey(branch, msg.method);
    const nict: Transaction<NictState, NictEvent> = new Transaction<NictState, NictEvent>(
      key,
      newNict(out, target.proto !== 'udp', this.config.timers),
      reduceNict,
      (m) => this.sendTo(target, m, () => nict.dispatch({ type: 'transport-error' })),
      this.clock,
      {
        onEvent: (a) => {
          // §15.1.2: whatever the answer to a BYE (or none), the dialog is over; its token is refused after the grace.
          if (bye && (a.event !== 'response' || a.response.status >= 200)) this.dialogs.end(dialog);
          if (a.event !== 'response') return nist.dispatch({ type: 'respond', response: buildResponse(msg, a.event === 'timeout' ? 408 : 503) });
          if (a.response.status === 100) return;
          const up = a.response.clone();
          up.removeFirst('via');
          nist.dispatch({ type: 'respond', response: up });
        },
        onTerminated: () => this.forgetClient(key),
      },
      (t) => ({ type: 'timer', timer: t as 'E' }),
    );
    this.clients.set(key, nict);
    if (route.fromDialer) this.toTrunk.add(key);
    nict.dispatch({ type: 'start' });
  }

  /** §12.2: a target refresh request (re-INVITE, UPDATE) may move its sender's Contact. */
  private learnTarget(dialog: Dialog, fromDialer: boolean, request: SipMessage): void {
    if (fromDialer) this.dialogs.learnDialer(dialog, contactOf(request));
    else this.dialogs.learnTrunk(dialog, null, contactOf(request));
  }

  /** A re-INVITE: routed like any in-dialog request, with INVITE transactions. */
  private forwardInDialogInvite(ctx: InviteContext, popped: SipUri[]): void {
    const route = routeInDialog(this.inDialog, ctx.request, ctx.source, popped);
    if (!route.ok) {
      this.stats.refused++;
      return this.respondInvite(ctx, route.status, [], route.reason);
    }
    ctx.dialog = route.dialog;
    ctx.fromDialer = route.fromDialer;
    this.learnTarget(route.dialog, route.fromDialer, ctx.request);
    this.forwardInvite(ctx, ctx.request.clone(), route.target, null);
  }

  /**
   * ACK: for a non-2xx it belongs to our server transaction and is absorbed there (hop by hop);
   * for a 2xx it is end to end and forwarded statelessly inside its dialog (§16.11).
   */
  private onAck(msg: SipMessage, peer: Peer): void {
    const server = this.servers.get(serverKey(msg) ?? '');
    if (server?.kind === 'ist' && (server.txn.state.state === 'completed' || server.txn.state.state === 'confirmed')) {
      return server.txn.dispatch({ type: 'ack' });
    }
    const maxForwards = msg.get('max-forwards');
    if (maxForwards !== undefined && Number(maxForwards) === 0) return;
    // §16.12 and RFC 5393: an ACK for a 2xx is routed like any in-dialog request, hence only inside
    // its dialog; any other is dropped (an ACK is never answered, §17.2.1).
    const route = routeInDialog(this.inDialog, msg, peer, popOwnRoutes(msg, this.isOurs));
    if (!route.ok) return void this.stats.dropped++;
    const out = msg.clone();
    const mf = out.get('max-forwards');
    out.set('Max-Forwards', String(mf === undefined ? 70 : Number(mf) - 1));
    out.prepend('Via', this.ourVia(route.target.proto, statelessBranch(msg)));
    this.sendTo(route.target, out);
  }

  // ── responses ───────────────────────────────────────────────────────────────────────────────

  private onResponse(msg: SipMessage, peer: Peer): void {
    const key = clientKeyOfResponse(msg) ?? '';
    const client = this.clients.get(key);
    if (client) {
      if (this.toTrunk.has(key)) this.sources.addTrunkAddress(peer.host);
      return client.dispatch({ type: 'response', response: msg });
    }
    // No client transaction: a late 2xx retransmission is still forwarded statelessly, to the other
    // leg of its dialog; anything else, or a response whose top Via is not ours, is dropped
    // (§16.7 step 1, §16.11).
    const via = parseVia(msg.get('via')!);
    if (!via || !this.isOurVia(via) || msg.status < 200 || msg.status >= 300) return void this.stats.dropped++;
    const target = this.otherLeg(msg, peer);
    if (!target) return void this.stats.dropped++;
    const up = msg.clone();
    up.removeFirst('via');
    if (!up.has('via')) return;
    this.sendTo(target, up);
  }

  /** The leg a response from `peer` goes on to: the dialer for its own requests, the trunk for the trunk's. */
  private otherLeg(msg: SipMessage, peer: Peer): Peer | null {
    const callId = msg.get('call-id') ?? '';
    const asDialer = this.dialogs.get(callId, tagOf(msg.get('from')) ?? '');
    if (asDialer && asDialer.state !== 'gone' && this.sources.isTrunk(peer.host)) return asDialer.binding.dialer;
    const asTrunk = this.dialogs.get(callId, tagOf(msg.get('to')) ?? '');
    if (asTrunk && asTrunk.state !== 'gone' && peer.host === asTrunk.binding.dialer.host) return this.inDialog.trunk;
    return null;
  }

  // ── transactions and sending ────────────────────────────────────────────────────────────────

  private newIst(key: string, source: Peer): Ist {
    const ist = new Transaction<IstState, IstEvent>(key, newIst(source.proto !== 'udp', this.config.timers), reduceIst, (m) => this.sendUpstream(m, source), this.clock, this.serverUser(key), (t: TimerName) => ({ type: 'timer', timer: t as 'G' }));
    this.servers.set(key, { kind: 'ist', txn: ist });
    return ist;
  }

  private newNist(key: string, source: Peer): Nist {
    const nist = new Transaction<NistState, NistEvent>(key, newNist(source.proto !== 'udp', this.config.timers), reduceNist, (m) => this.sendUpstream(m, source), this.clock, this.serverUser(key), () => ({ type: 'timer', timer: 'J' }));
    this.servers.set(key, { kind: 'nist', txn: nist });
    return nist;
  }

  private serverUser(key: string): TransactionUser {
    return {
      onEvent: () => undefined,
      onTerminated: () => {
        this.servers.delete(key);
        const ctx = this.contexts.get(key);
        if (ctx) {
          this.clock.clear(ctx.timerC);
          this.markFinal(ctx);
          this.contexts.delete(key);
        }
      },
    };
  }

  /**
   * §18.2.2 with RFC 3581: a response goes where its request came from. Over TCP back on that
   * connection; over UDP to its source address and port, by UDP, whatever a Via says: a Via is
   * written by the sender, and callgate never sends to (or connects toward) an address taken from it.
   */
  private sendUpstream(response: SipMessage, source: Peer): void {
    this.sendTo(source, response);
  }

  private forgetClient(key: string): void {
    this.clients.delete(key);
    this.toTrunk.delete(key);
  }

  private sendTo(peer: Peer, msg: SipMessage, onError?: (error: Error) => void): void {
    const transport = this.transports.get(peer.proto) ?? this.transports.values().next().value;
    if (!transport) return;
    const bytes = msg.serialize(isStream(transport.proto));
    if (transport.proto === 'udp' && msg.isRequest && bytes.length > UDP_MTU_BOUND && !this.warnedMtu) {
      // §18.1.1: a request this large should go over a congestion-controlled transport. Sending it
      // anyway (fragmented) is the operator's choice of a UDP trunk; say so once.
      this.warnedMtu = true;
      this.log.warn({ bytes: bytes.length, to: `${peer.host}:${peer.port}` }, 'SIP request over 1300 bytes sent over UDP (RFC 3261 §18.1.1); use transport=tcp for this trunk if it drops fragments');
    }
    transport.send(peer, bytes, onError);
  }

  private selfUri(proto: Proto, token: string): string {
    const port = this.transports.get(proto)?.port ?? this.transports.values().next().value!.port;
    return `sip:${this.config.advertisedHost}:${port};transport=${proto};lr;${ROUTE_TOKEN_PARAM}=${token}`;
  }

  private ourVia(proto: Proto, branch: string): string {
    const port = this.transports.get(proto)?.port ?? this.transports.values().next().value!.port;
    return `SIP/2.0/${proto.toUpperCase()} ${this.config.advertisedHost}:${port};branch=${branch}`;
  }

  private readonly isOurs = (uri: SipUri): boolean => this.ours.has(`${uri.host.replace(/^\[|\]$/g, '')}:${uri.port ?? 5060}`);

  private isOurVia(via: Via): boolean {
    return this.ours.has(sentBy(via).replace(/^\[|\]/g, ''));
  }
}

/** The dialled user part of an INVITE's Request-URI, as forwarded to the trunk: the decided callee. */
function dialledUser(request: SipMessage): string | null {
  const uri = parseUri(request.uri);
  const raw = /^sips?:([^@]+)@/i.exec(request.uri)?.[1] ?? (uri?.scheme === 'tel' ? uri.user : null);
  return raw ? raw.split(';')[0] : null;
}

function contactOf(msg: SipMessage): SipUri | null {
  const contact = msg.get('contact');
  return contact ? parseNameAddr(contact)?.uri ?? null : null;
}
