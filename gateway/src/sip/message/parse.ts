import { headerKey, isToken, RESPONSE_ESSENTIALS } from './headers';
import { LIMITS } from './limits';
import { SipMessage, type HeaderField } from './message';
import { parseNameAddr } from './name-addr';
import { parseUri } from './uri';
import { splitList } from './split';
import { parseVia } from './via';

/**
 * Why a message was refused. `message` is set when the request got far enough to be answered
 * (Via, Call-ID, CSeq, From and To readable): the proxy answers 400 with the reason; otherwise
 * the bytes are dropped (§16.3, RFC 4475 §3.1.2).
 */
export class SipParseError extends Error {
  readonly partial: SipMessage | null;

  constructor(message: string, partial: SipMessage | null = null) {
    // Refusing bad input is an outcome, not a fault: a stack trace would be useless, and capturing
    // one for every hostile datagram is most of the cost of refusing it.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.partial = partial;
  }

  /**
   * Enough to build a response (§8.2.6): a request whose top Via parses, so that the answer finds
   * its way back, and From, To, Call-ID and CSeq to copy. A Via without branch (RFC 2543) is still
   * answered: RFC 4475 §3.1.2.1 expects its 400.
   */
  get answerable(): boolean {
    const msg = this.partial;
    if (msg === null || !msg.isRequest) return false;
    if (!RESPONSE_ESSENTIALS.every((h) => (msg.get(h) ?? '').length > 0)) return false;
    return parseVia(msg.get('via')) !== null;
  }
}

export interface ParseOptions {
  /** Datagram: a body longer than Content-Length is cut (§18.3); a missing one means "the rest". */
  datagram: boolean;
}

/** §20: headers a message carries at most once. */
const SINGLETONS = ['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type'];

const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3}) (.*)$/;
const METHOD_OF_CSEQ = /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/;

/** Where the header section ends: the index of the empty line and the length of its terminator. */
export function headerEnd(bytes: Buffer, from = 0): { end: number; gap: number } | null {
  const crlf = bytes.indexOf('\r\n\r\n', from, 'latin1');
  const lf = bytes.indexOf('\n\n', from, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, gap: 4 };
  if (lf >= 0) return { end: lf, gap: 2 };
  return null;
}

/** Leading CRLFs are keep-alives (RFC 5626 §3.5.1), not part of a message. */
export function skipKeepAlive(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  return i;
}

/** Parses one whole SIP message; throws SipParseError and never anything else. */
export function parseMessage(input: Buffer, options: ParseOptions = { datagram: true }): SipMessage {
  try {
    return parseUnsafe(input, options);
  } catch (error) {
    if (error instanceof SipParseError) throw error;
    throw new SipParseError(`unparseable message: ${(error as Error).message}`);
  }
}

function parseUnsafe(input: Buffer, options: ParseOptions): SipMessage {
  if (input.length > LIMITS.maxDatagramBytes) throw new SipParseError('message too large');
  const bytes = input.subarray(skipKeepAlive(input));
  if (bytes.length === 0) throw new SipParseError('empty message');
  const found = headerEnd(bytes);
  const end = found ? found.end : bytes.length;
  if (end > LIMITS.maxHeaderBytes) throw new SipParseError('header section too large');
  const lines = bytes.subarray(0, end).toString('latin1').split(/\r?\n/);
  const rest = found ? bytes.subarray(end + found.gap) : Buffer.alloc(0);
  const start = lines[0];
  const headers = parseHeaders(lines.slice(1));
  const request = REQUEST_LINE.exec(start);
  const status = request ? null : STATUS_LINE.exec(start);
  const partial = request
    ? new SipMessage('request', start, request[1], request[2], 0, '', headers, Buffer.alloc(0))
    : status
      ? new SipMessage('response', start, '', '', Number(status[1]), status[2], headers, Buffer.alloc(0))
      : new SipMessage(start.startsWith('SIP/') ? 'response' : 'request', start, '', '', 0, '', headers, Buffer.alloc(0));
  if (!request && !status) throw new SipParseError(`malformed start line: ${start.slice(0, 80)}`, partial);
  partial.body = body(rest, headers, options, partial);
  validate(partial);
  return partial;
}

/** Header lines, with folded continuation lines (leading SP/HT) joined to the line before. */
function parseHeaders(lines: string[]): HeaderField[] {
  const headers: HeaderField[] = [];
  for (const line of lines) {
    if (line.length === 0) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      const last = headers[headers.length - 1];
      if (!last) throw new SipParseError('continuation line before any header');
      last.raw += '\r\n' + line;
      last.value = (last.value + ' ' + line.trim()).trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`header line without a name: ${line.slice(0, 60)}`);
    const name = line.slice(0, colon).trim();
    if (!isToken(name)) throw new SipParseError(`invalid header name: ${name.slice(0, 60)}`);
    headers.push({ name, key: headerKey(name), value: line.slice(colon + 1).trim(), raw: line });
    if (headers.length > LIMITS.maxHeaders) throw new SipParseError('too many headers');
  }
  return headers;
}

function body(rest: Buffer, headers: HeaderField[], options: ParseOptions, partial: SipMessage): Buffer {
  const lengths = headers.filter((h) => h.key === 'content-length').map((h) => h.value);
  if (lengths.length === 0) {
    // A stream message without Content-Length has no body we could frame (§18.3).
    return options.datagram ? rest : Buffer.alloc(0);
  }
  if (new Set(lengths).size > 1) throw new SipParseError('conflicting Content-Length headers', partial);
  if (!/^\d{1,10}$/.test(lengths[0])) throw new SipParseError(`invalid Content-Length: ${lengths[0].slice(0, 20)}`, partial);
  const length = Number(lengths[0]);
  if (length > LIMITS.maxBodyBytes) throw new SipParseError('body too large', partial);
  if (length > rest.length) throw new SipParseError(`Content-Length ${length} exceeds the ${rest.length} body bytes received`, partial);
  return rest.subarray(0, length);
}

/** The checks that make a message safe for the proxy to act on. */
function validate(msg: SipMessage): void {
  for (const name of RESPONSE_ESSENTIALS) {
    if (!msg.has(name)) throw new SipParseError(`missing ${name} header`, msg);
  }
  for (const name of SINGLETONS) {
    if (msg.headers.filter((h) => h.key === name).length > 1) throw new SipParseError(`more than one ${name} header`, msg);
  }
  for (const h of msg.headers) {
    // §7.3.1: a Via line holds one or more values; an empty one is no Via at all.
    if (h.key === 'via' && splitList(h.value).length === 0) throw new SipParseError('empty Via header', msg);
  }
  for (const via of msg.getAll('via')) {
    if (!parseVia(via)) throw new SipParseError(`malformed Via: ${via.slice(0, 80)}`, msg);
  }
  // §25.1: callid = word ["@" word], printable characters without whitespace.
  if (!/^[\x21-\x7e]+$/.test(msg.get('call-id')!)) throw new SipParseError(`malformed Call-ID: ${msg.get('call-id')!.slice(0, 40)}`, msg);
  const cseq = METHOD_OF_CSEQ.exec(msg.get('cseq')!.replace(/\s+/g, ' '));
  if (!cseq || Number(cseq[1]) > 2 ** 31 - 1) throw new SipParseError(`malformed CSeq: ${msg.get('cseq')!.slice(0, 40)}`, msg);
  for (const name of ['from', 'to']) {
    const value = parseNameAddr(msg.get(name)!);
    if (!value) throw new SipParseError(`malformed ${name}: ${msg.get(name)!.slice(0, 80)}`, msg);
  }
  const maxForwards = msg.get('max-forwards');
  if (maxForwards !== undefined && (!/^\d{1,10}$/.test(maxForwards) || Number(maxForwards) > 255)) throw new SipParseError(`malformed Max-Forwards: ${maxForwards.slice(0, 20)}`, msg);
  if (!msg.isRequest) {
    if (msg.status < 100 || msg.status > 699) throw new SipParseError(`status code out of range: ${msg.status}`, msg);
    return;
  }
  if (cseq[2] !== msg.method) throw new SipParseError(`CSeq method ${cseq[2]} does not match ${msg.method}`, msg);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(msg.uri)) throw new SipParseError(`malformed Request-URI: ${msg.uri.slice(0, 80)}`, msg);
  if (/^sips?:/i.test(msg.uri) && (!parseUri(msg.uri) || msg.uri.slice(msg.uri.indexOf('@') + 1).includes('?'))) throw new SipParseError(`malformed Request-URI: ${msg.uri.slice(0, 80)}`, msg);
}

export function cseqOf(msg: SipMessage): { seq: number; method: string } {
  const m = METHOD_OF_CSEQ.exec(msg.get('cseq')!.replace(/\s+/g, ' '))!;
  return { seq: Number(m[1]), method: m[2] };
}
