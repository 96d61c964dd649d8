import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipMessage } from '../../src/sip/message/message';
import { parseNameAddr } from '../../src/sip/message/name-addr';
import { parseMessage, SipParseError } from '../../src/sip/message/parse';
import { buildResponse } from '../../src/sip/message/response';
import { parseUri } from '../../src/sip/message/uri';
import { parseVia } from '../../src/sip/message/via';
import { TORTURE } from './fixtures/rfc4475';

const INVITE = [
  'INVITE sip:+8613800138000@gw.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: <sip:+8613800138000@gw.example.com>',
  'From: "Agent 7" <sip:+862161234567@dialer.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:agent7@10.0.0.1:5060>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

function parseOrError(bytes: Buffer): SipMessage | SipParseError {
  try {
    return parseMessage(bytes);
  } catch (error) {
    assert.ok(error instanceof SipParseError, `only SipParseError may escape the parser, got ${error}`);
    return error;
  }
}

describe('SIP message parser on the RFC 4475 torture messages', () => {
  for (const t of TORTURE) {
    it(`${t.name} (RFC 4475 §${t.section}) must ${t.expect === 'parse' ? 'parse' : t.expect === 'drop' ? 'be dropped' : 'be answered 400'}`, () => {
      const result = parseOrError(t.bytes);
      if (t.expect === 'parse') {
        assert.ok(result instanceof SipMessage, `${(result as Error).message}`);
        const again = parseMessage(result.serialize());
        assert.deepEqual(again.serialize(), result.serialize(), 'parse → serialize → parse is stable');
        return;
      }
      assert.ok(result instanceof SipParseError, 'must be refused');
      assert.equal(result.answerable, t.expect === 'answer-400', result.message);
    });
  }

  it('wsinv: folded and spaced headers are read as their values', () => {
    const msg = parseMessage(TORTURE[0].bytes);
    assert.equal(msg.get('max-forwards'), '0068');
    assert.equal(msg.getAll('via').length, 3);
    const top = parseVia(msg.get('via')!)!;
    assert.equal(top.transport, 'UDP');
    assert.equal(top.host, '192.0.2.2');
    const second = parseVia(msg.getAll('via')[1])!;
    assert.equal(second.branch, 'z9hG4bK9ikj8');
    assert.equal(parseNameAddr(msg.get('to')!)!.params.get('tag'), '1918181833n');
    assert.equal(parseNameAddr(msg.get('from')!)!.params.get('tag'), '98asjd8');
    assert.equal(msg.get('cseq'), '0009 INVITE');
    assert.match(msg.body.toString('latin1'), /^v=0\r\n[^]*a=rtpmap:31 LPC\r\n$/);
  });

  it('dblreq: extra bytes after Content-Length in a datagram are discarded (RFC 3261 §18.3)', () => {
    const msg = parseMessage(TORTURE.find((t) => t.name.startsWith('dblreq'))!.bytes);
    assert.equal(msg.method, 'REGISTER');
    assert.equal(msg.body.length, 0);
  });

  it('esc01: escaped characters in URIs are decoded for comparison', () => {
    const msg = parseMessage(TORTURE.find((t) => t.name.startsWith('esc01'))!.bytes);
    assert.equal(parseUri(msg.uri)!.user, 'sips:user@example.com');
    assert.equal(parseNameAddr(msg.get('to')!)!.uri!.user, 'user');
  });
});

describe('SIP message model keeps the bytes it did not change', () => {
  it('serializes an untouched message byte for byte', () => {
    const bytes = Buffer.from(INVITE, 'latin1');
    assert.deepEqual(parseMessage(bytes).serialize(), bytes);
  });

  it('keeps header order and folding of untouched lines when a Via is prepended and Max-Forwards replaced', () => {
    const msg = parseMessage(Buffer.from(INVITE, 'latin1'));
    msg.prepend('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc');
    msg.set('Max-Forwards', '69');
    const out = msg.serialize().toString('latin1').split('\r\n');
    assert.equal(out[1], 'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc');
    assert.equal(out[2], 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport');
    assert.equal(out[3], 'Max-Forwards: 69');
    assert.equal(out[5], 'From: "Agent 7" <sip:+862161234567@dialer.example.com>;tag=1928301774');
  });

  it('removes the top value of a comma-joined Via line and keeps the rest', () => {
    const msg = parseMessage(Buffer.from(INVITE.replace('Via: SIP/2.0/UDP 10.0.0.1', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKtop, SIP/2.0/UDP 10.0.0.1'), 'latin1'));
    assert.equal(msg.removeFirst('via'), 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKtop');
    assert.deepEqual(msg.getAll('via'), ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport']);
  });

  it('keeps two Identity headers as two lines rather than merging them', () => {
    const msg = parseMessage(Buffer.from(INVITE.replace('Max-Forwards: 70', 'Identity: a.b.c;info=<https://x/a>\r\nIdentity: d.e.f;info=<https://x/b>\r\nMax-Forwards: 70'), 'latin1'));
    msg.set('Max-Forwards', '69');
    const text = msg.serialize().toString('latin1');
    assert.match(text, /Identity: a\.b\.c;info=<https:\/\/x\/a>\r\nIdentity: d\.e\.f;info=<https:\/\/x\/b>\r\n/);
  });

  it('compact header names are the same header as their long forms', () => {
    const msg = parseMessage(Buffer.from(INVITE.replace('Call-ID:', 'i:').replace('Content-Length:', 'l:'), 'latin1'));
    assert.equal(msg.get('Call-ID'), 'a84b4c76e66710@pc33.example.com');
    assert.equal(msg.body.toString(), 'v=0\n');
  });

  it('a body shorter than Content-Length is refused with a 400-able error', () => {
    const error = parseOrError(Buffer.from(INVITE.replace('Content-Length: 4', 'Content-Length: 40'), 'latin1'));
    assert.ok(error instanceof SipParseError && error.answerable);
  });

  it('on a stream, a missing Content-Length is written when serializing', () => {
    const msg = parseMessage(Buffer.from(INVITE.replace('Content-Length: 4\r\n', '').replace('v=0\n', ''), 'latin1'));
    assert.match(msg.serialize(true).toString('latin1'), /Content-Length: 0\r\n\r\n$/);
    assert.doesNotMatch(msg.serialize(false).toString('latin1'), /Content-Length/);
  });

  it('leading CRLF keep-alives before a message are skipped (RFC 5626 §3.5.1)', () => {
    assert.equal(parseMessage(Buffer.from('\r\n\r\n' + INVITE, 'latin1')).method, 'INVITE');
  });

  it('a generated response copies Via, From, Call-ID and CSeq and adds a To tag (RFC 3261 §8.2.6)', () => {
    const req = parseMessage(Buffer.from(INVITE, 'latin1'));
    const res = parseMessage(buildResponse(req, 403, [['Reason', 'Q.850;cause=21']]).serialize());
    assert.equal(res.status, 403);
    assert.equal(res.get('via'), req.get('via'));
    assert.equal(res.get('call-id'), req.get('call-id'));
    assert.equal(res.get('cseq'), '314159 INVITE');
    assert.ok(parseNameAddr(res.get('to')!)!.params.get('tag'));
    assert.equal(res.get('reason'), 'Q.850;cause=21');
    assert.equal(parseNameAddr(buildResponse(req, 100).get('to')!)!.params.get('tag'), undefined);
  });
});

describe('malformed input never crashes the parser', () => {
  it('random mutations of valid messages yield a message or a SipParseError, nothing else', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const sources = [Buffer.from(INVITE, 'latin1'), ...TORTURE.map((t) => t.bytes)];
    for (let n = 0; n < 4000; n++) {
      const bytes = Buffer.from(sources[n % sources.length]);
      const edits = 1 + Math.floor(random() * 6);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * bytes.length);
        bytes[at] = [0x0d, 0x0a, 0x3a, 0x3b, 0x2c, 0x3c, 0x3e, 0x22, 0x20, 0x00, Math.floor(random() * 256)][Math.floor(random() * 11)];
      }
      const cut = random() < 0.2 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      parseOrError(cut);
    }
  });

  it('arbitrary bytes are refused as unanswerable', () => {
    for (const garbage of [Buffer.alloc(0), Buffer.from('\r\n\r\n'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.alloc(70_000, 0x41), Buffer.from('INVITE')]) {
      const result = parseOrError(garbage);
      assert.ok(result instanceof SipParseError);
      assert.equal(result.answerable, false);
    }
  });
});

describe('hostile headers are refused by the parser, answerably when the request can still be answered', () => {
  const refusal = (edit: (text: string) => string) => parseOrError(Buffer.from(edit(INVITE), 'latin1')) as SipParseError;

  it('an empty Via line above the real one is malformed and answerable; a message whose only Via is empty is not answerable; neither throws', () => {
    const above = refusal((t) => t.replace('Via:', 'Via:\r\nVia:'));
    assert.ok(above instanceof SipParseError);
    assert.deepEqual([above.message, above.answerable], ['empty Via header', true]);
    const only = refusal((t) => t.replace(/^Via: .*$/m, 'Via: , '));
    assert.ok(only instanceof SipParseError);
    assert.equal(only.answerable, false);
  });

  it('a Via with rport out of range, a received that is no IP address, or a bracketed host that is no IPv6 address is malformed', () => {
    for (const via of ['SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;rport=99999', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;rport=0', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;received=evil.example', 'SIP/2.0/UDP [zz::1];branch=z9hG4bKa', 'SIP/2.0/UDP [:::::]:5060;branch=z9hG4bKa']) {
      assert.equal(parseVia(via), null, via);
    }
    assert.equal(parseVia('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa;rport=5070;received=2001:db8::2')?.port, 5060);
    assert.equal(parseVia(undefined), null);
  });

  it('two Content-Types, a Call-ID with a space or a NUL byte are refused 400-able', () => {
    for (const [edit, reason] of [
      [(t: string) => t.replace('Content-Type: application/sdp', 'Content-Type: application/sdp\r\nc: text/plain'), /more than one content-type header/],
      [(t: string) => t.replace('Call-ID: a84b4c76e66710@pc33.example.com', 'Call-ID: a84b4c76e66710 @pc33'), /malformed Call-ID/],
      [(t: string) => t.replace('Call-ID: a84b4c76e66710', 'Call-ID: a84b4c76e66710\u0000'), /malformed Call-ID/],
    ] as const) {
      const error = refusal(edit);
      assert.ok(error instanceof SipParseError);
      assert.match(error.message, reason);
      assert.equal(error.answerable, true);
    }
  });
});
