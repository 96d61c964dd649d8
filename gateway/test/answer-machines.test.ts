import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '../src/engine/engine';
import { callerId } from '../src/engine/rules/identity';
import { recordingRetention } from '../src/engine/rules/recording-retention';
import type { CallerIdRule, RecordingRetentionRule } from '../src/policy/types';
import { POLICIES_DIR } from '../src/policy/loader';
import { recordCallOutcomes } from '../src/storage/outcomes';
import { CN, call, goodFacts } from './support/facts';
import { ENGINES } from './support/db';
import { at, judge } from './support/packs';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const HOUR = 3_600_000;
const LONDON = '+442079460000';
const NEW_YORK = '+12125550100';
const NOON = at('2026-03-10T12:00:00Z');
const US_NOON = at('2026-03-10T12:00:00-04:00');
const predictive = (policyPack: string) => ({ id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'predictive' as const, policyPack, status: 'active' as const });
const number = (change: object) => ({ ...goodFacts().callerNumber!, ...change });

describe('UK: answer-machine detection (Ofcom, from 2011-02-01)', () => {
  const machineAt = (ago: number) => [{ at: NOON - ago, tenantId: 't1', caller: null }];

  it('a predictive call to a number whose line answer-machine detection judged a machine 23 hours ago is held until the 24 hours are over', () => {
    const held = judge(LONDON, NOON, { facts: { campaign: predictive('uk'), machineCalls: machineAt(23 * HOUR) } }).decision;
    assert.deepEqual(held.reasons.map((r) => [r.code, r.rule]), [['ANSWER_MACHINE_REDIAL', 'UK-ABANDONMENT']]);
    assert.equal(held.nextAllowedAt, NOON + HOUR);
  });

  it('25 hours after the detection the call goes; an agent-mode call (a guaranteed live agent) goes at once; another tenant\'s detection does not hold it', () => {
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive('uk'), machineCalls: machineAt(25 * HOUR) } }).codes, []);
    assert.deepEqual(judge(LONDON, NOON, { facts: { machineCalls: machineAt(HOUR) } }).codes, []);
    const other = [{ at: NOON - HOUR, tenantId: 't2', caller: null }];
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive('uk'), machineCalls: other } }).codes, []);
  });
});

describe('UK and US: abandoned calls must play the information message', () => {
  const ukStats = (withoutMessage: number, unreported = 0) => [{ windowSeconds: 86400, live: 100, abandoned: 1, abandonedWithoutMessage: withoutMessage, abandonedUnreported: unreported }];

  it('a UK predictive campaign with an abandoned call reported without the message in the last 24 hours stops dialling predictively', () => {
    const stopped = judge(LONDON, NOON, { facts: { campaign: predictive('uk'), campaignOutcomes: ukStats(1) } }).decision;
    assert.deepEqual(stopped.reasons.map((r) => [r.code, r.rule]), [['ABANDONED_WITHOUT_MESSAGE', 'UK-ABANDONMENT']]);
    assert.equal(stopped.nextAllowedAt, null, 'it is no wait: someone must fix the dialer');
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive('uk'), campaignOutcomes: ukStats(0) } }).codes, []);
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaign: predictive('uk'), campaignOutcomes: ukStats(0, 1) } }).codes, [], 'a call whose dialer did not say is not counted by the UK pack');
    assert.deepEqual(judge(LONDON, NOON, { facts: { campaignOutcomes: ukStats(1) } }).codes, [], 'agent mode abandons nothing');
  });

  it('a US predictive campaign is held to the message over 24 hours while its 3% rate is over 30 days', () => {
    const stats = [
      { windowSeconds: 2592000, live: 100, abandoned: 1 },
      { windowSeconds: 86400, live: 10, abandoned: 1, abandonedWithoutMessage: 1, abandonedUnreported: 0 },
    ];
    assert.deepEqual(judge(NEW_YORK, US_NOON, { facts: { campaign: predictive('us'), campaignOutcomes: stats } }).rules, ['US-ABANDONMENT']);
    assert.deepEqual(judge(NEW_YORK, US_NOON, { facts: { campaign: predictive('us'), campaignOutcomes: stats } }).codes, ['ABANDONED_WITHOUT_MESSAGE']);
  });
});

describe('display numbers a callee can call back', () => {
  it('UK: a CLI recorded as not taking return calls is denied; one that states nothing binds only where the pack says unstated fails', () => {
    const denied = judge(LONDON, NOON, { facts: { callerNumber: number({ acceptsReturnCalls: false }) } }).decision;
    assert.deepEqual(denied.reasons.map((r) => [r.code, r.rule]), [['CALLER_ID_NOT_RETURNABLE', 'UK-CLI-VALID']]);
    assert.match(denied.reasons[0].message, /return calls/);
    assert.deepEqual(judge(LONDON, NOON, { facts: { callerNumber: number({ acceptsReturnCalls: null }) } }).codes, [], 'a number registered before the attribute existed is not stopped');
    const strict = { id: 'X-CLI', kind: 'callerId', params: { requireVerified: false, requireReturnCalls: true, unstatedFails: true } } as unknown as CallerIdRule;
    const ctx = (acceptsReturnCalls: boolean | null) => ({ call: call(), facts: { callerNumber: number({ acceptsReturnCalls }) }, caller: { e164: call().caller, valid: true } }) as never;
    assert.deepEqual((callerId(strict, ctx(null)) as { code: string }[]).map((f) => f.code), ['CALLER_ID_NOT_RETURNABLE']);
    assert.deepEqual(callerId(strict, ctx(true)), []);
    assert.deepEqual(judge(LONDON, NOON, { facts: { callerNumber: number({ acceptsReturnCalls: true, acceptsOptOutRequests: false }) } }).codes, [], 'the UK pack asks only for return calls');
  });

  it('US: the caller ID must take do-not-call requests (47 CFR 64.1601(e)); CN asks neither', () => {
    const denied = judge(NEW_YORK, US_NOON, { facts: { callerNumber: number({ acceptsReturnCalls: true, acceptsOptOutRequests: false }) } }).decision;
    assert.deepEqual(denied.reasons.map((r) => [r.code, r.rule]), [['CALLER_ID_NOT_RETURNABLE', 'US-CLI-TRANSMIT']]);
    assert.match(denied.reasons[0].message, /do-not-call requests/);
    const facts = goodFacts({ callerNumber: number({ acceptsReturnCalls: null, acceptsOptOutRequests: null }) });
    assert.deepEqual(decide(call(), facts, CN, at('2026-03-10T02:00:00Z')).reasons, []);
  });
});

describe('CN: call-centre recordings kept at least 30 days (2020 call-centre notice)', () => {
  const bank = '+8695588';
  const serviceCall = (days: number | null, lineType = 'cn_service', caller = bank) => {
    const facts = goodFacts({ consents: [{ ...goodFacts().consents[0], purpose: 'service' }] });
    facts.campaign = { ...facts.campaign, purpose: 'service', recordingRetentionDays: days };
    facts.callerNumber = { ...facts.callerNumber!, e164: caller, lineType, region: lineType === 'cn_service' ? null : facts.callerNumber!.region };
    return decide(call({ caller }), facts, CN, at('2026-03-10T02:00:00Z')).reasons.map((r) => [r.code, r.rule]);
  };

  it('a call from a call-centre number for a campaign keeping recordings 29 days is denied, 30 days allowed; unstated binds only where the pack says so', () => {
    assert.deepEqual(serviceCall(29), [['RECORDING_RETENTION_TOO_SHORT', 'CN-RECORDING-RETENTION']]);
    assert.deepEqual(serviceCall(30), []);
    assert.deepEqual(serviceCall(null), [], 'a campaign created before the fact existed is not stopped');
    const strict = { id: 'X-RET', kind: 'recordingRetention', params: { minDays: 30, unstatedFails: true } } as unknown as RecordingRetentionRule;
    const ctx = { facts: { campaign: { recordingRetentionDays: null } }, caller: { e164: '+8695588', lineType: 'cn_service' } } as never;
    assert.deepEqual((recordingRetention(strict, ctx) as { code: string }[]).map((f) => f.code), ['RECORDING_RETENTION_TOO_SHORT']);
  });

  it('an ordinary fixed line is not a call centre: its campaign is not held to the figure', () => {
    assert.deepEqual(serviceCall(29, 'fixed_line', '+862161234567'), []);
  });
});

for (const engine of ENGINES) {
  describe(`answer machines, information messages and return calls end to end on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    let campaignId: string;
    let numberId: string;
    const CLI = '+442079460500';
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const decideUk = async (callee: string) => {
      const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId, callee, caller: CLI });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const codes = (answer: { reasons: { code: string }[] }) => answer.reasons.map((r) => r.code);
    const report = (decisionId: string, body: object) => gw.ok(`/v1/calls/${decisionId}/outcome`, world.dialer, body);

    before(async () => {
      gw = await startTestGateway(engine, { POLICY_DIR: POLICIES_DIR });
      world = await gw.seed();
      for (const list of ['uk-tps', 'uk-ctps']) {
        const res = await gw.app.inject({ method: 'POST', url: `/v1/registries/${list}/versions?name=${list}&listDate=${yesterday}&country=GB&callingCode=44`, headers: { authorization: `Bearer ${gw.admin}`, 'content-type': 'text/plain' }, payload: '+442079469999\n' });
        assert.equal(res.statusCode, 201, res.body);
      }
      const created = await gw.ok('/v1/caller-numbers', world.compliance, { e164: CLI, proofOfRight: { carrierAllocation: 'BT-0042' } });
      assert.equal(created.acceptsReturnCalls, null, 'not stated unless told');
      numberId = created.id;
      await gw.ok(`/v1/caller-numbers/${numberId}/verification`, gw.admin, { status: 'verified' }, 200);
      campaignId = (await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: 'uk predictive', purpose: 'insurance', policyPack: 'uk', dialingMode: 'predictive', callerNumberIds: [numberId] })).id;
    });
    after(async () => gw?.close());

    it('a UK call from a CLI recorded as taking no return calls is denied; once the number is stated to take them, the call goes, and each change is on the trail', async () => {
      await gw.ok(`/v1/caller-numbers/${numberId}/callbacks`, world.compliance, { acceptsReturnCalls: false, acceptsOptOutRequests: false }, 200);
      const denied = await decideUk('+442079460601');
      assert.deepEqual(codes(denied), ['CALLER_ID_NOT_RETURNABLE']);
      const changed = await gw.ok(`/v1/caller-numbers/${numberId}/callbacks`, world.compliance, { acceptsReturnCalls: true, acceptsOptOutRequests: false }, 200);
      assert.deepEqual([changed.acceptsReturnCalls, changed.acceptsOptOutRequests], [true, false]);
      const allowed = await decideUk('+442079460601');
      assert.equal(allowed.allow, true, JSON.stringify(allowed.reasons));
      const events = await gw.gate.db('audit_events').where({ type: 'number.callbacks', subject_id: numberId }).select('type');
      assert.equal(events.length, 2);
    });

    it('a call the dialer reports as answered by a machine holds the next predictive call to that number for 24 hours', async () => {
      const callee = '+442079460602';
      const first = await decideUk(callee);
      assert.equal(first.allow, true, JSON.stringify(first.reasons));
      await report(first.id, { outcome: 'voicemail', answerMachineDetected: true, infoMessagePlayed: false });
      const row = await gw.gate.db('call_outcomes').where({ decision_id: first.id }).first();
      assert.deepEqual([Boolean(row.answer_machine), Boolean(row.info_message)], [true, false]);
      const held = await decideUk(callee);
      assert.deepEqual(codes(held), ['ANSWER_MACHINE_REDIAL']);
      assert.ok(Date.parse(held.nextAllowedAt) > Date.now() + 23 * HOUR, held.nextAllowedAt);
      assert.equal((await decideUk('+442079460603')).allow, true, 'another number is not held');
    });

    it('the dialer completing a call signalling recorded as answered says a machine answered: the row is a voicemail with the detection, and the number waits', async () => {
      const callee = '+442079460606';
      const first = await decideUk(callee);
      assert.equal(first.allow, true, JSON.stringify(first.reasons));
      await recordCallOutcomes(gw.gate.db, [{ decisionId: first.id, tenantId: world.tenantId, outcome: 'answered', endedAt: Date.now(), durationSeconds: 8, refused: false, optOutId: null, recordedBy: 'sip' }], { ignoreDuplicates: true });
      await report(first.id, { outcome: 'voicemail', answerMachineDetected: true });
      const row = await gw.gate.db('call_outcomes').where({ decision_id: first.id }).first();
      assert.deepEqual([row.outcome, Boolean(row.answer_machine), row.info_message], ['voicemail', true, null]);
      assert.deepEqual(codes(await decideUk(callee)), ['ANSWER_MACHINE_REDIAL']);
    });

    it('an abandoned call reported without the information message stops the campaign\'s predictive calls', async () => {
      const callee = '+442079460604';
      const first = await decideUk(callee);
      assert.equal(first.allow, true, JSON.stringify(first.reasons));
      await report(first.id, { outcome: 'abandoned', infoMessagePlayed: false });
      const stopped = await decideUk('+442079460605');
      assert.ok(codes(stopped).includes('ABANDONED_WITHOUT_MESSAGE'), JSON.stringify(stopped.reasons));
    });
  });
}

for (const engine of ENGINES) {
  describe(`answer machines in imported call history on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    before(async () => {
      gw = await startTestGateway(engine, { POLICY_DIR: POLICIES_DIR });
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('a call placed before callgate on which answer-machine detection fired 23 hours ago holds a UK predictive call; one 25 hours ago does not', async () => {
      const campaignId = (await gw.ok('/v1/campaigns', world.compliance, { brandId: world.brandId, name: 'uk history', purpose: 'insurance', policyPack: 'uk', dialingMode: 'predictive', callerNumberIds: [world.numberId] })).id;
      const [recent, older] = ['+442079460701', '+442079460702'];
      const ago = (h: number) => new Date(Date.now() - h * HOUR).toISOString();
      await gw.ok('/v1/call-history', world.dialer, {
        attempts: [
          { callee: recent, campaignId, attemptedAt: ago(23), outcome: 'voicemail', answerMachineDetected: true },
          { callee: older, campaignId, attemptedAt: ago(25), outcome: 'voicemail', answerMachineDetected: true },
        ],
      });
      const codesFor = async (callee: string) => (await gw.call('POST', '/v1/decisions', world.dialer, { campaignId, callee, caller: world.caller })).json().reasons.map((r: { code: string }) => r.code);
      assert.ok((await codesFor(recent)).includes('ANSWER_MACHINE_REDIAL'));
      assert.ok(!(await codesFor(older)).includes('ANSWER_MACHINE_REDIAL'));
    });
  });
}

describe('SIP headers naming answer-machine detection and the information message', () => {
  it('are X-Callgate-AMD and X-Callgate-Info-Message unless configured; a name that is no token is refused at start', async () => {
    const { loadSipConfig } = await import('../src/sip/config');
    const base = { SIP_LISTEN: 'udp:127.0.0.1:5060', SIP_TRUNK: 'sip:192.0.2.50:5070' };
    const fail = (m: string): never => {
      throw new Error(m);
    };
    assert.deepEqual(loadSipConfig(base, fail)!.signalHeaders, { answerMachine: 'X-Callgate-AMD', infoMessage: 'X-Callgate-Info-Message' });
    assert.equal(loadSipConfig({ ...base, SIP_AMD_HEADER: 'X-AMD-Result' }, fail)!.signalHeaders.answerMachine, 'X-AMD-Result');
    assert.throws(() => loadSipConfig({ ...base, SIP_INFO_MESSAGE_HEADER: 'X Info: x' }, fail), /SIP_INFO_MESSAGE_HEADER must be a SIP header name/);
  });
});
