import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { REASONS } from '../engine/reasons';
import type { SignalHeaders } from './call-signals';
import type { Attestation } from './identity/passport';
import { ALGORITHMS, type DigestAlgorithm } from './auth/digest';
import { loadTrustedKeys } from './identity/verify';
import { parseUri } from './message/uri';
import { DEFAULT_TIMERS, type Timers } from './transaction/types';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './transport/stream';
import type { TlsSettings } from './transport/tls';
import type { Proto } from './transport/types';

export interface ListenAddress {
  proto: Proto;
  host: string;
  port: number;
}

export interface SipConfig {
  listen: ListenAddress[];
  /** The address written into Via and Record-Route; the first listen address by default. */
  advertisedHost: string;
  trunk: { uri: string; proto: Proto; host: string; port: number };
  mode: 'proxy' | 'redirect';
  denyStatus: 403 | 603;
  /** Reason codes answered 608 Rejected (RFC 8688) rather than denyStatus. */
  rejectedReasons: Set<string>;
  unavailableStatus: 503 | 403 | 603;
  retryAfterSeconds: number;
  campaignHeader: string;
  /** The header naming a call's own dialing mode, for campaigns that mix modes. */
  modeHeader: string;
  /** The header carrying the callee's known location (`subdivision=US-CA;tz=…;source=…`). */
  locationHeader: string;
  /** Headers on a BYE or a final response saying whether answer-machine detection fired and the information message played. */
  signalHeaders: SignalHeaders;
  /** Region for dialled numbers without a leading + (ISO 3166 alpha-2), or null for E.164 only. */
  defaultRegion: string | null;
  timers: Timers;
  timerCMs: number;
  /** INVITEs still waiting for their final response; beyond it new requests are answered 503. */
  maxPendingCalls: number;
  recvBufferBytes: number;
  dialerRefreshMs: number;
  stir: { privateKeyPem: string; x5u: string } | null;
  /**
   * Check Identity headers that arrive from dialers, refusing forged or stale ones; with a minimum
   * attestation, a call must carry a verified PASSporT attesting at least that (A > B > C).
   */
  verifyIdentity: { trustFile: string; minimumAttestation: Attestation | null } | null;
  /** Hex key of the dialog tokens in our Record-Route (see proxy/route-token.ts). */
  routeKey: string;
  /** What a request from a source that is neither a registered dialer nor the trunk gets. */
  unknownSource: 'answer-once' | 'drop';
  /** The longest a dialog (and its Record-Route token) lives: in-dialog requests after it are refused. */
  maxDialogMs: number;
  /** Bounds of the TCP and TLS listeners. */
  stream: StreamLimits;
  /** Certificates of SIP over TLS; null without a tls: listener. */
  tls: TlsSettings | null;
  /** Digest authentication of dialer accounts (sip/auth): realm, nonce key (hex) and nonce lifetime. */
  auth: { realm: string; nonceKey: string; nonceTtlMs: number; algorithms: DigestAlgorithm[] };
}

type Env = Record<string, string | undefined>;
type Fail = (message: string) => never;

function integer(env: Env, name: string, fallback: number, min: number, max: number, fail: Fail): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function oneOf<T extends string | number>(env: Env, name: string, values: readonly T[], fallback: T, fail: Fail): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const found = values.find((v) => String(v) === raw);
  if (found === undefined) fail(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return found as T;
}

/** RFC 3261 §25.1: a header name is a token. */
function headerName(env: Env, name: string, fallback: string, fail: Fail): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(raw)) fail(`${name} must be a SIP header name (a token), got "${raw}"`);
  return raw;
}

/** `udp:127.0.0.1:5060,tcp:127.0.0.1:5060` */
function listenAddresses(raw: string, fail: Fail): ListenAddress[] {
  return raw.split(',').map((part) => {
    const m = /^(udp|tcp|tls):(\[[^\]]+\]|[^:]+):(\d{1,5})$/i.exec(part.trim());
    if (!m || Number(m[3]) > 65535) fail(`SIP_LISTEN entries look like udp:127.0.0.1:5060, tcp:0.0.0.0:5060 or tls:0.0.0.0:5061, got "${part}"`);
    const host = m![2].replace(/^\[|\]$/g, '');
    if (!net.isIP(host)) fail(`SIP_LISTEN needs an IP address, got "${host}"`);
    return { proto: m![1].toLowerCase() as Proto, host, port: Number(m![3]) };
  });
}

function trunk(raw: string | undefined, fail: Fail): SipConfig['trunk'] {
  if (!raw) return fail('SIP_TRUNK is required when SIP_LISTEN is set, e.g. sip:203.0.113.10:5060;transport=udp');
  const uri = parseUri(raw);
  if (!uri || (uri.scheme !== 'sip' && uri.scheme !== 'sips') || uri.user !== null) fail(`SIP_TRUNK must be a sip: or sips: URI without a user part, e.g. sip:203.0.113.10:5060;transport=tcp, got "${raw}"`);
  // §26.2.2: a sips: URI means TLS on every hop; transport=tls is the older spelling of the same.
  const transport = uri!.scheme === 'sips' ? 'tls' : (uri!.params.get('transport') ?? 'udp').toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') fail(`SIP_TRUNK transport must be udp, tcp or tls, got "${transport}"`);
  return { uri: raw, proto: transport as Proto, host: uri!.host.replace(/^\[|\]$/g, ''), port: uri!.port ?? (transport === 'tls' ? 5061 : 5060) };
}

function stir(env: Env, fail: Fail): SipConfig['stir'] {
  const keyFile = env.SIP_STIR_KEY_FILE;
  const x5u = env.SIP_STIR_X5U;
  if (!keyFile && !x5u) return null;
  if (!keyFile || !x5u) fail('SIP_STIR_KEY_FILE and SIP_STIR_X5U go together: the signing key and the HTTPS URL of its certificate');
  if (!/^https:\/\//.test(x5u!)) fail(`SIP_STIR_X5U must be an https:// URL, got "${x5u}"`);
  let pem: string;
  try {
    pem = fs.readFileSync(keyFile!, 'utf8');
  } catch (error) {
    return fail(`SIP_STIR_KEY_FILE cannot be read: ${(error as Error).message}`);
  }
  try {
    const key = crypto.createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') fail('SIP_STIR_KEY_FILE must hold an EC P-256 private key (ES256)');
  } catch (error) {
    if ((error as Error).message.startsWith('SIP_STIR')) throw error;
    fail(`SIP_STIR_KEY_FILE holds no usable private key: ${(error as Error).message}`);
  }
  return { privateKeyPem: pem, x5u: x5u! };
}

function verifyIdentity(env: Env, fail: Fail): SipConfig['verifyIdentity'] {
  const mode = oneOf(env, 'SIP_STIR_VERIFY', ['off', 'reject'] as const, 'off', fail);
  const minimum = env.SIP_STIR_MIN_ATTEST ? oneOf(env, 'SIP_STIR_MIN_ATTEST', ['A', 'B', 'C'] as const, 'C', fail) : null;
  if (mode === 'off' && minimum !== null) fail('SIP_STIR_MIN_ATTEST needs SIP_STIR_VERIFY=reject: an attestation counts only once it is verified');
  if (mode === 'off') return null;
  const trustFile = env.SIP_STIR_TRUST_FILE;
  if (!trustFile) fail('SIP_STIR_VERIFY=reject needs SIP_STIR_TRUST_FILE: a JSON object from x5u URL to certificate PEM');
  try {
    loadTrustedKeys(trustFile!);
  } catch (error) {
    fail(`SIP_STIR_TRUST_FILE cannot be used: ${(error as Error).message}`);
  }
  return { trustFile: trustFile!, minimumAttestation: minimum };
}

/**
 * The key of the Record-Route dialog tokens: from SIP_ROUTE_SECRET, else derived from JWT_SECRET,
 * so that dialogs survive a restart; otherwise random for this process, which is enough because
 * only the instance named in a Record-Route sees that dialog's later requests.
 */
function routeKey(env: Env, fail: Fail): string {
  const configured = env.SIP_ROUTE_SECRET || env.JWT_SECRET;
  if (env.SIP_ROUTE_SECRET && env.SIP_ROUTE_SECRET.length < 32) fail('SIP_ROUTE_SECRET must be at least 32 characters long');
  if (!configured) return crypto.randomBytes(32).toString('hex');
  return crypto.createHmac('sha256', configured).update('callgate sip record-route token').digest('hex');
}

function pemFile(env: Env, name: string, fail: Fail): string | null {
  const file = env[name];
  if (!file) return null;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`${name} cannot be read: ${(error as Error).message}`);
  }
}

/** SIP over TLS: the listener's certificate and key, and the CAs of dialer certificates and of the trunk. */
function tlsSettings(env: Env, needed: boolean, fail: Fail): TlsSettings | null {
  const certPem = pemFile(env, 'SIP_TLS_CERT_FILE', fail);
  const keyPem = pemFile(env, 'SIP_TLS_KEY_FILE', fail);
  if (!needed) return null;
  if (!certPem || !keyPem) return fail('a tls: address in SIP_LISTEN needs SIP_TLS_CERT_FILE and SIP_TLS_KEY_FILE (PEM)');
  try {
    crypto.createPrivateKey(keyPem);
    new crypto.X509Certificate(certPem);
  } catch (error) {
    fail(`SIP_TLS_CERT_FILE or SIP_TLS_KEY_FILE holds no usable PEM: ${(error as Error).message}`);
  }
  return { certPem, keyPem, clientCaPem: pemFile(env, 'SIP_TLS_CLIENT_CA_FILE', fail), trunkCaPem: pemFile(env, 'SIP_TLS_TRUNK_CA_FILE', fail) };
}

function streamLimits(env: Env, fail: Fail): StreamLimits {
  const d = DEFAULT_STREAM_LIMITS;
  return {
    headerTimeoutMs: integer(env, 'SIP_TCP_HEADER_TIMEOUT_SECONDS', d.headerTimeoutMs / 1000, 1, 300, fail) * 1000,
    idleMs: integer(env, 'SIP_TCP_IDLE_SECONDS', d.idleMs / 1000, 10, 86_400, fail) * 1000,
    maxPerSource: integer(env, 'SIP_TCP_MAX_PER_SOURCE', d.maxPerSource, 1, 1_000_000, fail),
    maxConnections: integer(env, 'SIP_TCP_MAX_CONNECTIONS', d.maxConnections, 1, 1_000_000, fail),
    maxMessageBytes: integer(env, 'SIP_MAX_MESSAGE_BYTES', d.maxMessageBytes, 1024, d.maxMessageBytes, fail),
  };
}

/** The digest nonce key: like the route key, stable across restarts and instances when a secret is set. */
function authSettings(env: Env, fail: Fail): SipConfig['auth'] {
  const realm = env.SIP_AUTH_REALM || 'callgate';
  if (!/^[\x21\x23-\x5b\x5d-\x7e ]{1,100}$/.test(realm)) fail(`SIP_AUTH_REALM must be printable text without quotes or backslashes, got "${realm}"`);
  const configured = env.SIP_ROUTE_SECRET || env.JWT_SECRET;
  const nonceKey = configured ? crypto.createHmac('sha256', configured).update('callgate sip digest nonce').digest('hex') : crypto.randomBytes(32).toString('hex');
  // RFC 8760 §2.4: the challenges go in order of preference, SHA-256 first. Some MD5-only dialers
  // answer the first challenge whatever its algorithm; for them MD5 can be put first, or alone.
  const algorithms = (env.SIP_AUTH_ALGORITHMS || ALGORITHMS.join(',')).split(',').map((a) => a.trim());
  for (const a of algorithms) if (!(ALGORITHMS as readonly string[]).includes(a)) fail(`SIP_AUTH_ALGORITHMS lists ${ALGORITHMS.join(' and ')}, got "${a}"`);
  return { realm, nonceKey, nonceTtlMs: integer(env, 'SIP_AUTH_NONCE_SECONDS', 300, 10, 86_400, fail) * 1000, algorithms: [...new Set(algorithms)] as DigestAlgorithm[] };
}

/** The SIP side's settings, or null when SIP_LISTEN is unset (the gateway then speaks only HTTP). */
export function loadSipConfig(env: Env, fail: Fail): SipConfig | null {
  if (!env.SIP_LISTEN) return null;
  const listen = listenAddresses(env.SIP_LISTEN, fail);
  const rejected = (env.SIP_608_REASONS ?? 'CALLER_ID_NOT_OWNED,CALLER_ID_ROTATION,CALLER_ID_LOCAL_PRESENCE').split(',').map((s) => s.trim()).filter(Boolean);
  for (const code of rejected) if (!(code in REASONS)) fail(`SIP_608_REASONS names an unknown reason code "${code}"`);
  const region = env.SIP_DEFAULT_REGION || null;
  if (region !== null && !/^[A-Z]{2}$/.test(region)) fail(`SIP_DEFAULT_REGION must be an ISO 3166 country code like CN, got "${region}"`);
  const trunkTarget = trunk(env.SIP_TRUNK, fail);
  if (!listen.some((l) => l.proto === trunkTarget.proto)) fail(`SIP_LISTEN has no ${trunkTarget.proto} address, which SIP_TRUNK's transport needs`);
  const t1 = integer(env, 'SIP_T1_MS', DEFAULT_TIMERS.t1, 10, 5000, fail);
  return {
    listen,
    advertisedHost: env.SIP_ADVERTISED_HOST || listen[0].host,
    trunk: trunkTarget,
    mode: oneOf(env, 'SIP_MODE', ['proxy', 'redirect'] as const, 'proxy', fail),
    denyStatus: Number(oneOf(env, 'SIP_DENY_STATUS', ['403', '603'] as const, '403', fail)) as 403 | 603,
    rejectedReasons: new Set(rejected),
    unavailableStatus: Number(oneOf(env, 'SIP_UNAVAILABLE_STATUS', ['503', '403', '603'] as const, '503', fail)) as 503 | 403 | 603,
    retryAfterSeconds: integer(env, 'SIP_RETRY_AFTER', 5, 1, 3600, fail),
    campaignHeader: env.SIP_CAMPAIGN_HEADER || 'X-Campaign',
    modeHeader: env.SIP_MODE_HEADER || 'X-Dialing-Mode',
    locationHeader: headerName(env, 'SIP_CALLEE_LOCATION_HEADER', 'X-Callgate-Callee-Location', fail),
    signalHeaders: { answerMachine: headerName(env, 'SIP_AMD_HEADER', 'X-Callgate-AMD', fail), infoMessage: headerName(env, 'SIP_INFO_MESSAGE_HEADER', 'X-Callgate-Info-Message', fail) },
    defaultRegion: region,
    timers: { t1, t2: Math.max(DEFAULT_TIMERS.t2, t1), t4: DEFAULT_TIMERS.t4 },
    timerCMs: integer(env, 'SIP_TIMER_C_MS', 180_000, 1000, 3_600_000, fail),
    maxPendingCalls: integer(env, 'SIP_MAX_PENDING_CALLS', 5000, 10, 1_000_000, fail),
    recvBufferBytes: integer(env, 'SIP_RECV_BUFFER', 4 * 1024 * 1024, 65_536, 256 * 1024 * 1024, fail),
    dialerRefreshMs: integer(env, 'SIP_DIALER_REFRESH_MS', 5000, 100, 3_600_000, fail),
    stir: stir(env, fail),
    verifyIdentity: verifyIdentity(env, fail),
    routeKey: routeKey(env, fail),
    unknownSource: oneOf(env, 'SIP_UNKNOWN_SOURCE', ['answer-once', 'drop'] as const, 'answer-once', fail),
    maxDialogMs: integer(env, 'SIP_MAX_DIALOG_SECONDS', 4 * 3600, 60, 7 * 24 * 3600, fail) * 1000,
    stream: streamLimits(env, fail),
    tls: tlsSettings(env, listen.some((l) => l.proto === 'tls'), fail),
    auth: authSettings(env, fail),
  };
}
