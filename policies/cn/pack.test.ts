import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decide } from '../../gateway/src/engine/engine';
import { loadPackFile } from '../../gateway/src/policy/loader';
import { call, goodFacts } from '../../gateway/test/support/facts';

const CN = loadPackFile(path.join(__dirname, 'pack.json'));
const beijing = (local: string) => Date.parse(`${local}+08:00`);
const MIN = 60_000;
const codes = (at: number, facts = goodFacts(), c = call()) => decide(c, facts, CN, at).reasons.map((r) => r.code);
const rule = (id: string) => CN.pack.rules.find((r) => r.id === id)!;

describe('CN pack', () => {
  it('validates against the pack schema and has a content-derived revision id', () => {
    assert.match(CN.revisionId, /^cn@\d{4}\.\d+\.\d+\+[0-9a-f]{12}$/);
    assert.deepEqual(CN.pack.appliesTo.countries, ['CN']);
  });

  it('every rule carries a citation with its source, a status and an effective date', () => {
    for (const r of CN.pack.rules) {
      assert.ok(r.citation.instrument && r.citation.source, `${r.id} citation`);
      assert.match(r.effectiveFrom, /^\d{4}-\d{2}-\d{2}$/, `${r.id} effectiveFrom`);
      assert.ok(r.status, `${r.id} status`);
    }
  });

  it('marks calling hours and caps as carrier practice or our choice, never as statute (no statute found)', () => {
    for (const r of CN.pack.rules.filter((x) => x.kind === 'callingHours' || x.kind === 'frequencyCap' || x.kind === 'rotation')) {
      assert.ok(['carrier_practice', 'policy_choice'].includes(r.status), `${r.id} is ${r.status}`);
    }
  });

  it('requires consent (消保条例 art. 24, in force 2024-07-01), and only from that date', () => {
    assert.equal(rule('CN-CONSENT-OPT-IN').effectiveFrom, '2024-07-01');
    assert.deepEqual(codes(beijing('2026-03-10T10:00:00'), goodFacts({ consents: [] })), ['NO_CONSENT']);
    assert.deepEqual(codes(beijing('2024-06-30T20:59:59'), goodFacts({ consents: [] })), [], 'before entry into force');
    // In force from midnight in Beijing: at 07:30 Beijing on 1 July it is still 30 June in UTC.
    assert.deepEqual(codes(Date.parse('2024-06-30T23:30:00Z'), goodFacts({ consents: [] })), ['NO_CONSENT', 'OUTSIDE_CALLING_HOURS']);
  });

  it('prerecorded and AI-voice calls need consent that names them', () => {
    for (const mode of ['prerecorded', 'ai_voice'] as const) {
      const facts = goodFacts();
      facts.campaign.dialingMode = mode;
      assert.deepEqual(codes(beijing('2026-03-10T10:00:00'), facts), ['CONSENT_MODE_NOT_COVERED']);
    }
  });

  it('a refusal of one campaign stops every call from the whole enterprise at once', () => {
    const optOuts = [{ id: 'o', scope: 'campaign' as const, tenantId: 't1', brandId: 'b-other', campaignId: 'c-other', effectiveAt: beijing('2026-03-10T09:59:59') }];
    assert.deepEqual(codes(beijing('2026-03-10T10:00:00'), goodFacts({ optOuts })), ['OPTED_OUT']);
  });

  it('calls only 08:00–21:00 Beijing time, end-exclusive', () => {
    assert.deepEqual(codes(beijing('2026-03-10T07:59:59')), ['OUTSIDE_CALLING_HOURS']);
    assert.deepEqual(codes(beijing('2026-03-10T08:00:00')), []);
    assert.deepEqual(codes(beijing('2026-03-14T20:59:59')), [], 'weekends too');
    assert.deepEqual(codes(beijing('2026-03-10T21:00:00')), ['OUTSIDE_CALLING_HOURS']);
  });

  it('at most 3 calls in 5 minutes and 5 in 24 hours per callee, counted across display numbers', () => {
    const at = beijing('2026-03-10T15:00:00');
    const attempts = (...minutesAgo: number[]) => minutesAgo.map((m, i) => ({ at: at - m * MIN, tenantId: 't1', caller: `+86216123450${i}` }));
    assert.deepEqual(codes(at, goodFacts({ calleeAttempts: attempts(1, 4) })).includes('FREQUENCY_CAP_EXCEEDED'), false);
    assert.deepEqual(codes(at, goodFacts({ calleeAttempts: attempts(1, 2, 4) })).includes('FREQUENCY_CAP_EXCEEDED'), true);
    assert.deepEqual(codes(at, goodFacts({ calleeAttempts: attempts(10, 60, 120, 600) })).includes('FREQUENCY_CAP_EXCEEDED'), false);
    assert.deepEqual(codes(at, goodFacts({ calleeAttempts: attempts(10, 60, 120, 600, 1439) })).includes('FREQUENCY_CAP_EXCEEDED'), true);
    assert.deepEqual(codes(at, goodFacts({ calleeAttempts: attempts(10, 60, 120, 600, 1440) })).includes('FREQUENCY_CAP_EXCEEDED'), false, 'exactly 24 h ago is outside');
  });

  it('requires real-name proof for 170/171 virtual-operator numbers and lists unconfirmed ranges as such', () => {
    const ranges = rule('CN-CLI-VIRTUAL-OPERATOR').params as { ranges: { prefix: string; confirmed: boolean }[] };
    assert.deepEqual(ranges.ranges.filter((r) => r.confirmed).map((r) => r.prefix), ['+86170', '+86171']);
    assert.ok(ranges.ranges.some((r) => !r.confirmed), 'unconfirmed ranges are data, marked');
    const vno = '+8617112345678';
    const facts = goodFacts();
    facts.callerNumber = { ...facts.callerNumber!, e164: vno, realNameProof: false, region: null };
    assert.ok(codes(beijing('2026-03-10T10:00:00'), facts, call({ caller: vno })).includes('CALLER_ID_VIRTUAL_OPERATOR'));
  });

  it('forbids 改号: a number the enterprise does not hold, an unverified one, or none at all', () => {
    const at = beijing('2026-03-10T10:00:00');
    const notOurs = goodFacts();
    notOurs.callerNumber = null;
    assert.deepEqual(codes(at, notOurs), ['CALLER_ID_NOT_OWNED']);
    assert.deepEqual(codes(at, goodFacts(), call({ caller: null })), ['CALLER_ID_MISSING']);
    const pending = goodFacts();
    pending.callerNumber = { ...pending.callerNumber!, verificationStatus: 'pending' };
    assert.deepEqual(codes(at, pending), ['CALLER_ID_UNVERIFIED']);
  });

  it('requires the calling enterprise to be real-name verified', () => {
    const facts = goodFacts({ tenant: { id: 't1', verificationStatus: 'unverified' } });
    assert.deepEqual(codes(beijing('2026-03-10T10:00:00'), facts), ['TENANT_NOT_VERIFIED']);
  });
  it("a bank's 95 number may show on a consented service call, never on a marketing call (2020 call-centre notice)", () => {
    const at = beijing('2026-03-10T10:00:00');
    const bank = '+8695588';
    const serviceCall = (purpose: string) => {
      const facts = goodFacts({ consents: [{ ...goodFacts().consents[0], purpose }] });
      facts.campaign = { ...facts.campaign, purpose };
      facts.callerNumber = { ...facts.callerNumber!, e164: bank, lineType: 'cn_service', region: null };
      return decide(call({ caller: bank }), facts, CN, at).reasons;
    };
    assert.deepEqual(serviceCall('service'), [], 'a consented call-back');
    const refused = serviceCall('finance');
    assert.deepEqual(refused.map((r) => [r.code, r.rule]), [['CALLER_ID_SERVICE_NUMBER_MARKETING', 'CN-CLI-SERVICE-NUMBER-NO-MARKETING']]);
    assert.match(refused[0].citation, /关于加强呼叫中心业务管理的通知/);
    assert.equal(rule('CN-CLI-SERVICE-NUMBER-NO-MARKETING').status, 'regulator_guidance');
  });

  it('a 400 number registered under another line type is still a call-centre number: the numbering plan decides', () => {
    const hotline = '+864008208820';
    const facts = goodFacts();
    facts.callerNumber = { ...facts.callerNumber!, e164: hotline, lineType: 'fixed_line', region: null };
    assert.deepEqual(codes(beijing('2026-03-10T10:00:00'), facts, call({ caller: hotline })), ['CALLER_ID_SERVICE_NUMBER_MARKETING']);
  });
});
