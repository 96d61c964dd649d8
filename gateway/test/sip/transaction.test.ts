import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../src/sip/message/parse';
import { buildResponse } from '../../src/sip/message/response';
import { FakeClock } from '../../src/sip/transaction/clock';
import { newIct, reduceIct, type IctEvent, type IctState } from '../../src/sip/transaction/ict';
import { newIst, reduceIst } from '../../src/sip/transaction/ist';
import { newNict, reduceNict } from '../../src/sip/transaction/nict';
import { newNist, reduceNist } from '../../src/sip/transaction/nist';
import { Transaction } from '../../src/sip/transaction/transaction';
import type { Action, TimerName, Timers } from '../../src/sip/transaction/types';

const TIMERS: Timers = { t1: 50, t2: 400, t4: 500 };

const invite = () =>
  parseMessage(
    Buffer.from(
      [
        'INVITE sip:+8613800138000@127.0.0.1:5070 SIP/2.0',
        'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKproxy1',
        'Route: <sip:trunk.example.com;lr>',
        'Max-Forwards: 69',
        'To: <sip:+8613800138000@example.com>',
        'From: <sip:+862161234567@example.com>;tag=abc',
        'Call-ID: txn-test@example.com',
        'CSeq: 7 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );



const response = (status: number) => {
  const res = buildResponse(invite(), status);
  return parseMessage(res.serialize());
};

const kinds = (actions: Action[]) => actions.map((a) => (a.kind === 'start' || a.kind === 'cancel' ? `${a.kind}:${a.timer}` : a.kind === 'tu' ? `tu:${a.event}` : a.kind));
const started = (actions: Action[], timer: TimerName) => actions.find((a): a is Extract<Action, { kind: 'start' }> => a.kind === 'start' && a.timer === timer)?.ms;

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('MUST send the INVITE and start Timer A at T1 and Timer B at 64*T1 over UDP', () => {
    const step = reduceIct(newIct(invite(), false, TIMERS), { type: 'start' });
    assert.deepEqual(kinds(step.actions), ['send', 'start:A', 'start:B']);
    assert.equal(started(step.actions, 'A'), 50);
    assert.equal(started(step.actions, 'B'), 3200);
  });

  it('MUST NOT start Timer A over a reliable transport', () => {
    assert.deepEqual(kinds(reduceIct(newIct(invite(), true, TIMERS), { type: 'start' }).actions), ['send', 'start:B']);
  });

  it('MUST retransmit on Timer A and double its interval', () => {
    let s: IctState = reduceIct(newIct(invite(), false, TIMERS), { type: 'start' }).state;
    const step = reduceIct(s, { type: 'timer', timer: 'A' });
    assert.deepEqual(kinds(step.actions), ['send', 'start:A']);
    assert.equal(started(step.actions, 'A'), 100);
    s = step.state;
    assert.equal(started(reduceIct(s, { type: 'timer', timer: 'A' }).actions, 'A'), 200);
  });

  it('MUST inform the TU of a timeout when Timer B fires in Calling, without an ACK', () => {
    const step = reduceIct(newIct(invite(), false, TIMERS), { type: 'timer', timer: 'B' });
    assert.deepEqual(kinds(step.actions), ['tu:timeout', 'terminate']);
    assert.equal(step.state.state, 'terminated');
  });

  it('a provisional response moves Calling to Proceeding, stops retransmission and MUST reach the TU', () => {
    const step = reduceIct(newIct(invite(), false, TIMERS), { type: 'response', response: response(180) });
    assert.equal(step.state.state, 'proceeding');
    assert.deepEqual(kinds(step.actions), ['cancel:A', 'cancel:B', 'tu:response']);
  });

  it('MUST generate an ACK for a 3xx-6xx with the INVITE\'s Via, Route, Call-ID and CSeq number and the response\'s To', () => {
    const step = reduceIct(newIct(invite(), false, TIMERS), { type: 'response', response: response(486) });
    assert.equal(step.state.state, 'completed');
    const send = step.actions.find((a) => a.kind === 'send') as Extract<Action, { kind: 'send' }>;
    const ack = parseMessage(send.message.serialize());
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.uri, invite().uri);
    assert.equal(ack.get('via'), invite().get('via'));
    assert.equal(ack.get('route'), '<sip:trunk.example.com;lr>');
    assert.equal(ack.get('cseq'), '7 ACK');
    assert.equal(ack.get('to'), response(486).get('to'));
    assert.ok(kinds(step.actions).includes('tu:response'));
    assert.ok(started(step.actions, 'D')! >= 32_000, 'Timer D is at least 32 s over UDP');
  });

  it('MUST re-send the ACK for a retransmitted final response in Completed and MUST NOT pass it to the TU', () => {
    const completed = reduceIct(newIct(invite(), false, TIMERS), { type: 'response', response: response(486) }).state;
    assert.deepEqual(kinds(reduceIct(completed, { type: 'response', response: response(486) }).actions), ['send']);
  });

  it('MUST enter Accepted on a 2xx and pass 2xx retransmissions to the TU until Timer M (RFC 6026 §7.2)', () => {
    const step = reduceIct(newIct(invite(), false, TIMERS), { type: 'response', response: response(200) });
    assert.equal(step.state.state, 'accepted');
    assert.equal(started(step.actions, 'M'), 3200);
    assert.deepEqual(kinds(reduceIct(step.state, { type: 'response', response: response(200) }).actions), ['tu:response']);
    assert.equal(reduceIct(step.state, { type: 'timer', timer: 'M' }).state.state, 'terminated');
  });

  it('over TCP, Completed lasts zero time: the transaction terminates after sending the ACK', () => {
    const step = reduceIct(newIct(invite(), true, TIMERS), { type: 'response', response: response(486) });
    assert.equal(step.state.state, 'terminated');
    assert.deepEqual(kinds(step.actions), ['cancel:A', 'cancel:B', 'send', 'tu:response', 'terminate']);
  });
});

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('MUST re-send the most recent provisional response on an INVITE retransmission in Proceeding', () => {
    const s = reduceIst(newIst(false, TIMERS), { type: 'respond', response: response(100) }).state;
    assert.deepEqual(kinds(reduceIst(s, { type: 'request' }).actions), ['send']);
  });

  it('MUST retransmit a 3xx-6xx on Timer G, doubling up to T2, until the ACK comes', () => {
    let step = reduceIst(newIst(false, TIMERS), { type: 'respond', response: response(403) });
    assert.equal(step.state.state, 'completed');
    assert.equal(started(step.actions, 'G'), 50);
    assert.equal(started(step.actions, 'H'), 3200);
    const intervals: number[] = [];
    for (let i = 0; i < 5; i++) {
      step = reduceIst(step.state, { type: 'timer', timer: 'G' });
      intervals.push(started(step.actions, 'G')!);
    }
    assert.deepEqual(intervals, [100, 200, 400, 400, 400]);
  });

  it('MUST absorb the ACK for a non-2xx (hop by hop) and move to Confirmed with Timer I = T4', () => {
    const completed = reduceIst(newIst(false, TIMERS), { type: 'respond', response: response(403) }).state;
    const step = reduceIst(completed, { type: 'ack' });
    assert.equal(step.state.state, 'confirmed');
    assert.deepEqual(kinds(step.actions), ['cancel:G', 'cancel:H', 'start:I']);
    assert.ok(!kinds(step.actions).includes('tu:response'));
    assert.deepEqual(reduceIst(step.state, { type: 'ack' }).actions, [], 'further ACKs are absorbed');
  });

  it('MUST tell the TU when Timer H fires without an ACK', () => {
    const completed = reduceIst(newIst(false, TIMERS), { type: 'respond', response: response(403) }).state;
    assert.deepEqual(kinds(reduceIst(completed, { type: 'timer', timer: 'H' }).actions), ['cancel:G', 'tu:timeout', 'terminate']);
  });

  it('MUST enter Accepted on a 2xx, send 2xx retransmissions from the TU, and absorb INVITE retransmissions (RFC 6026 §7.1)', () => {
    const step = reduceIst(newIst(false, TIMERS), { type: 'respond', response: response(200) });
    assert.equal(step.state.state, 'accepted');
    assert.equal(started(step.actions, 'L'), 3200);
    assert.deepEqual(kinds(reduceIst(step.state, { type: 'respond', response: response(200) }).actions), ['send']);
    assert.deepEqual(reduceIst(step.state, { type: 'request' }).actions, []);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('MUST retransmit on Timer E at MIN(2E, T2) in Trying and at T2 in Proceeding', () => {
    let step = reduceNict(newNict(invite(), false, TIMERS), { type: 'start' });
    assert.deepEqual(kinds(step.actions), ['send', 'start:E', 'start:F']);
    const intervals: number[] = [];
    for (let i = 0; i < 4; i++) {
      step = reduceNict(step.state, { type: 'timer', timer: 'E' });
      intervals.push(started(step.actions, 'E')!);
    }
    assert.deepEqual(intervals, [100, 200, 400, 400]);
    const proceeding = reduceNict(newNict(invite(), false, TIMERS), { type: 'response', response: response(100) }).state;
    assert.equal(started(reduceNict(proceeding, { type: 'timer', timer: 'E' }).actions, 'E'), 400);
  });

  it('MUST report a timeout to the TU when Timer F fires', () => {
    assert.deepEqual(kinds(reduceNict(newNict(invite(), false, TIMERS), { type: 'timer', timer: 'F' }).actions), ['cancel:E', 'tu:timeout', 'terminate']);
  });

  it('MUST pass a final response to the TU once and absorb its retransmissions in Completed', () => {
    const step = reduceNict(newNict(invite(), false, TIMERS), { type: 'response', response: response(200) });
    assert.equal(step.state.state, 'completed');
    assert.equal(started(step.actions, 'K'), 500);
    assert.deepEqual(reduceNict(step.state, { type: 'response', response: response(200) }).actions, []);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('MUST discard request retransmissions in Trying', () => {
    assert.deepEqual(reduceNist(newNist(false, TIMERS), { type: 'request' }).actions, []);
  });

  it('MUST re-send the final response on a retransmission in Completed, until Timer J', () => {
    const step = reduceNist(newNist(false, TIMERS), { type: 'respond', response: response(200) });
    assert.equal(started(step.actions, 'J'), 3200);
    assert.deepEqual(kinds(reduceNist(step.state, { type: 'request' }).actions), ['send']);
    assert.equal(reduceNist(step.state, { type: 'timer', timer: 'J' }).state.state, 'terminated');
  });
});

describe('transaction driver on a fake clock', () => {
  it('an unanswered INVITE over UDP is sent 7 times and times out after 64*T1', () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const events: string[] = [];
    const txn = new Transaction<IctState, IctEvent>(
      'k',
      newIct(invite(), false, TIMERS),
      reduceIct,
      () => sent.push(clock.now()),
      clock,
      { onEvent: (a) => events.push(`${a.event}@${clock.now()}`), onTerminated: () => events.push(`terminated@${clock.now()}`) },
      (timer) => ({ type: 'timer', timer: timer as 'A' }),
    );
    txn.dispatch({ type: 'start' });
    clock.advance(10_000);
    assert.deepEqual(sent, [0, 50, 150, 350, 750, 1550, 3150]);
    assert.deepEqual(events, ['timeout@3200', 'terminated@3200']);
  });
});
