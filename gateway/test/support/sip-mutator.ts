/**
 * Seeded mutations of valid SIP messages, for the fuzz test and the fuzz bench: the same seed gives
 * the same messages, so a failure found once can be replayed.
 */

/** A small, fast PRNG (mulberry32): uniform floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Addresses {
  /** The proxy, as host:port. */
  proxy: string;
  /** Where the mutated traffic comes from, as host:port. */
  source: string;
  callee: string;
  caller: string;
  /** The campaign the INVITEs name; a made-up one when absent. */
  campaign?: string;
}

const SDP = ['v=0', 'o=dialer 1 1 IN IP4 127.0.0.2', 's=-', 'c=IN IP4 127.0.0.2', 't=0 0', 'm=audio 40000 RTP/AVP 0', ''].join('\r\n');

function join(lines: string[], body = ''): string {
  return `${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

type Template = (a: Addresses, n: number) => string;

function request(method: string, cseqMethod: string, toTag: boolean, body = ''): Template {
  return (a, n) =>
    join(
      [
        `${method} sip:${a.callee}@${a.proxy} SIP/2.0`,
        `Via: SIP/2.0/UDP ${a.source};branch=z9hG4bKfz${n};rport`,
        'Max-Forwards: 70',
        `From: "Fuzz" <sip:${a.caller}@${a.source}>;tag=f${n}`,
        `To: <sip:${a.callee}@${a.proxy}>${toTag ? `;tag=t${n}` : ''}`,
        `Call-ID: fuzz-${n}@${a.source}`,
        `CSeq: ${1 + (n % 1000)} ${cseqMethod}`,
        `Contact: <sip:fuzz@${a.source}>`,
        ...(method === 'BYE' || method === 'ACK' ? [`Route: <sip:${a.proxy};lr>`] : []),
        `X-Campaign: ${a.campaign ?? 'cmp_fuzz'}`,
        ...(body ? ['Content-Type: application/sdp'] : []),
      ],
      body,
    );
}

function response(status: string, method: string): Template {
  return (a, n) =>
    join([
      `SIP/2.0 ${status}`,
      `Via: SIP/2.0/UDP ${a.proxy};branch=z9hG4bKproxy${n}`,
      `Via: SIP/2.0/UDP ${a.source};branch=z9hG4bKfz${n};received=${a.source.split(':')[0]}`,
      `From: <sip:${a.caller}@${a.source}>;tag=f${n}`,
      `To: <sip:${a.callee}@${a.proxy}>;tag=t${n}`,
      `Call-ID: fuzz-${n}@${a.source}`,
      `CSeq: 1 ${method}`,
    ]);
}

export const TEMPLATES: Template[] = [
  request('INVITE', 'INVITE', false, SDP),
  request('OPTIONS', 'OPTIONS', false),
  request('BYE', 'BYE', true),
  request('ACK', 'ACK', true),
  request('CANCEL', 'CANCEL', false),
  request('INVITE', 'INVITE', true, SDP),
  response('200 OK', 'INVITE'),
  response('180 Ringing', 'INVITE'),
  response('486 Busy Here', 'INVITE'),
  response('200 OK', 'BYE'),
];

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

const SPECIAL = [0x0d, 0x0a, 0x3a, 0x3b, 0x2c, 0x3c, 0x3e, 0x22, 0x20, 0x09, 0x00, 0x5b, 0x5d, 0x40, 0x3d, 0xff, 0x80];
const CONTENT_LENGTHS = ['-1', '-0', '99999999999', '4294967296', '1000000', '65536', '0', '1', '+5', '5 5', '0x10', 'abc', '', ' ', '١٢'];
const IPV6_GARBAGE = ['[::1', '[zz::1]', '[::1]]', '[]', '[:::::::::::]:5060', '[fe80::1%eth0]', '[::ffff:127.0.0.1]:99999', '[' + ':'.repeat(300) + ']'];
const UNICODE = ['é', '\u202e', '\ufeff', '😀', '\u0000', '\u2028', '中文'];
const METHODS = ['INVITE', 'BYE', 'OPTIONS', 'ACK', 'CANCEL', 'REGISTER', 'FOO', 'invite', ''];

type Mutation = (text: string, random: () => number) => string;

const lineEdit = (edit: (lines: string[], at: number, random: () => number) => void): Mutation => (text, random) => {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const tail = end < 0 ? '' : text.slice(end);
  const lines = head.split('\r\n');
  edit(lines, Math.floor(random() * lines.length), random);
  return lines.join('\r\n') + tail;
};

const replaceHeader = (name: RegExp, values: (random: () => number) => string): Mutation =>
  lineEdit((lines, _at, random) => {
    const i = lines.findIndex((l) => name.test(l));
    if (i >= 0) lines[i] = lines[i].slice(0, lines[i].indexOf(':') + 1) + ' ' + values(random);
  });

const insertAt = (text: string, random: () => number, piece: string) => {
  const at = Math.floor(random() * (text.length + 1));
  return text.slice(0, at) + piece + text.slice(at);
};

const MUTATIONS: Mutation[] = [
  // byte flips, to special or random characters
  (t, r) => {
    const at = Math.floor(r() * t.length);
    const ch = r() < 0.6 ? pick(r, SPECIAL) : Math.floor(r() * 256);
    return t.slice(0, at) + String.fromCharCode(ch) + t.slice(at + 1);
  },
  // truncation
  (t, r) => t.slice(0, Math.floor(r() * t.length)),
  // a header line duplicated (two Call-IDs, two Content-Lengths…)
  lineEdit((lines, at) => {
    if (at > 0) lines.splice(at, 0, lines[at]);
  }),
  // a header line removed
  lineEdit((lines, at) => {
    if (at > 0) lines.splice(at, 1);
  }),
  // a huge value
  lineEdit((lines, at, r) => {
    lines[at] += pick(r, ['A', ';', ',', ' ', '%']).repeat(Math.floor(r() * 20_000));
  }),
  // many headers
  lineEdit((lines, _at, r) => {
    lines.push(...Array.from({ length: Math.floor(r() * 400) }, (_, i) => `X-H${i}: v`));
  }),
  // CRLF injection, bare CR or LF, folding
  (t, r) => insertAt(t, r, pick(r, ['\r\n', '\n', '\r', '\r\n\r\n', '\r\n ', '\r\n\t', '\n\n', '\r\r\n'])),
  // NUL bytes and unicode
  (t, r) => insertAt(t, r, Buffer.from(pick(r, UNICODE), 'utf8').toString('latin1')),
  // Content-Length anything
  replaceHeader(/^Content-Length/i, (r) => (r() < 0.5 ? pick(r, CONTENT_LENGTHS) : String(Math.floor(r() * 200_000) - 100))),
  replaceHeader(/^Max-Forwards/i, (r) => pick(r, ['-1', '256', '0', 'abc', '1e2', '99999999999', '', '69 70'])),
  replaceHeader(/^CSeq/i, (r) => pick(r, ['1', 'x INVITE', '-1 INVITE', '4294967296 INVITE', `1 ${pick(r, METHODS)}`, '1  BYE', ''])),
  replaceHeader(/^Via/i, (r) => pick(r, ['', ',', ' , ', 'SIP/2.0/UDP', 'SIP/2.0/UDP h;branch=z9hG4bKa, ,'])),
  replaceHeader(/^Via/i, (r) => `SIP/2.0/${pick(r, ['UDP', 'TCP', 'XYZ', '', 'UDP/UDP'])} ${pick(r, IPV6_GARBAGE)};branch=${pick(r, ['z9hG4bKx', '', 'x', '"q"'])}${pick(r, ['', ';rport', ';rport=', ';received=::1', ';maddr=[::'])}`),
  replaceHeader(/^(From|To)/i, (r) => pick(r, ['<sip:', '"unterminated <sip:a@b>', '<sip:a@b', 'sip:a@b c', '<>', '<tel:>', '"\\"', '<sip:[::1>'])),
  replaceHeader(/^Call-ID/i, (r) => pick(r, ['', ' ', '@', 'a'.repeat(5000), '\u0000'])),
  // the start line
  lineEdit((lines, _at, r) => {
    lines[0] = pick(r, ['', 'SIP/2.0', 'SIP/2.0 999 X', 'SIP/2.0 099 X', 'INVITE', 'INVITE sip:x SIP/3.0', `${pick(r, METHODS)} ${pick(r, ['sip:', 'tel:', 'http://x', 'sip:[::1', 'sip:a@b?c=d', '*', 'sip:%zz@h'])} SIP/2.0`]);
  }),
];

/** One to four mutations of one template. */
export function mutated(random: () => number, addresses: Addresses, n: number): Buffer {
  let text = pick(random, TEMPLATES)(addresses, n);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) text = pick(random, MUTATIONS)(text, random);
  return Buffer.from(text, 'latin1');
}
