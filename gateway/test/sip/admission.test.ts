import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionService } from '../../src/decisions/service';
import { DecisionAdmission } from '../../src/sip/admission';
import { loadSipConfig } from '../../src/sip/config';
import type { DialerDirectory } from '../../src/sip/dialers';
import { parseMessage } from '../../src/sip/message/parse';

const DIALER = { proto: 'udp' as const, host: '10.0.0.7', port: 5080 };
const VERIFIED = '+862161234567';
const SPOOFED = '+8675512345678';

/** A decision service that allows everything and remembers what it was asked: the identity check must come first. */
function setup() {
  const asked: { caller: string | null }[] = [];
  const decisions = { decide: async (input: { caller: string | null }) => (asked.push(input), { id: 'dec_1', allow: true, reasons: [], nextAllowedAt: null }) } as unknown as DecisionService;
  const dialers = { match: () => ({ tenantId: 't1', defaultCampaignId: 'cmp_1' }) } as unknown as DialerDirectory;
  const config = loadSipConfig({ SIP_LISTEN: 'udp:127.0.0.1:5060', SIP_TRUNK: 'sip:192.0.2.50:5070', SIP_DEFAULT_REGION: 'CN' }, (m) => {
    throw new Error(m);
  })!;
  return { admission: new DecisionAdmission(decisions, dialers, config), asked };
}

function invite(identity: string[]) {
  return parseMessage(
    Buffer.from(
      [
        'INVITE sip:+8613800138000@127.0.0.1:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 10.0.0.7:5080;branch=z9hG4bKadmit1',
        'Max-Forwards: 70',
        ...identity,
        'To: <sip:+8613800138000@127.0.0.1>',
        'Call-ID: admission-1@10.0.0.7',
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
}

describe('SIP admission: the number checked is the number the trunk shows', () => {
  it('a verified P-Asserted-Identity beside a spoofed From is refused 403 CALLER_ID_NOT_OWNED before any decision', async () => {
    const { admission, asked } = setup();
    const verdict = await admission.admit(invite([`P-Asserted-Identity: <sip:${VERIFIED}@10.0.0.7>`, `From: <sip:${SPOOFED}@10.0.0.7>;tag=d1`]), DIALER);
    assert.equal(verdict.allow, false);
    assert.equal(verdict.allow === false && verdict.status, 403);
    assert.deepEqual(verdict.headers.find(([n]) => n === 'X-Callgate-Reasons'), ['X-Callgate-Reasons', 'CALLER_ID_NOT_OWNED']);
    assert.match(verdict.headers.find(([n]) => n === 'Reason')![1], /CALLER_ID_NOT_OWNED/);
    assert.equal(asked.length, 0);
  });

  it('a spoofed Remote-Party-ID beside matching P-Asserted-Identity and From is refused as well', async () => {
    const { admission, asked } = setup();
    const verdict = await admission.admit(
      invite([`P-Asserted-Identity: <sip:${VERIFIED}@10.0.0.7>`, `From: <sip:${VERIFIED}@10.0.0.7>;tag=d1`, `Remote-Party-ID: "Bank" <sip:${SPOOFED}@10.0.0.7>;party=calling;screen=yes`]),
      DIALER,
    );
    assert.equal(verdict.allow, false);
    assert.equal(asked.length, 0);
  });

  it('the same number written differently (tel: URI, national form read in SIP_DEFAULT_REGION) is no mismatch, and an anonymous From is none either', async () => {
    const { admission, asked } = setup();
    const same = await admission.admit(invite([`P-Asserted-Identity: <tel:${VERIFIED}>`, 'From: <sip:021-6123-4567@10.0.0.7>;tag=d1']), DIALER);
    assert.equal(same.allow, true);
    const anonymous = await admission.admit(invite([`P-Asserted-Identity: <sip:${VERIFIED}@10.0.0.7>`, 'From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=d1']), DIALER);
    assert.equal(anonymous.allow, true);
    assert.deepEqual(asked.map((a) => a.caller), [VERIFIED, VERIFIED]);
  });
});
