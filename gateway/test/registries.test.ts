import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { dayOfDate } from '../src/registries/days';
import { encodeChunk, encodeDays, NumberSet } from '../src/registries/number-set';
import { parseRegistryStream } from '../src/registries/parse';
import { importRegistry } from '../src/storage/registry';
import { buildApp, createGateway, createLogger } from '../src/server';
import { ENGINES, freshConfig } from './support/db';
import { allDayPolicyDir, startTestGateway, TestGateway, type World } from './support/gateway';

const lines = (text: string, chunkSize = 7) => Readable.from(Array.from({ length: Math.ceil(text.length / chunkSize) }, (_, i) => Buffer.from(text.slice(i * chunkSize, (i + 1) * chunkSize))));

describe('compact number set', () => {
  // Values straddling several 2^32 boundaries, as numbers of several countries do.
  const values = Float64Array.from(new Set(Array.from({ length: 20_000 }, (_, i) => 8613800000000 + ((i * 7919) % 9_000_000_000) + Math.floor(i / 5000) * 2 ** 32))).sort();

  it('finds every member and nothing else', () => {
    const set = NumberSet.fromSorted(values);
    assert.equal(set.size, values.length);
    for (const v of values) assert.ok(set.hasValue(v), `${v}`);
    for (const v of values) assert.equal(set.hasValue(v + 1), values.includes(v + 1), `${v + 1}`);
    assert.equal(set.has('+8613800000000'), true);
    assert.equal(set.has('+8613800000001'), values.includes(8613800000001));
    assert.equal(set.has('not a number'), false);
  });

  it('keeps about four bytes a number (plus one word per 32 for the bucket index)', () => {
    assert.ok(NumberSet.fromSorted(values).bytes < values.length * 4.25 + 1024);
  });

  it('an empty set and a one-number set answer at their edges', () => {
    assert.equal(NumberSet.empty().has('+8613800138000'), false);
    const one = NumberSet.fromSorted(Float64Array.of(15125550123));
    assert.deepEqual(['+15125550122', '+15125550123', '+15125550124', '+999999999999999'].map((n) => one.has(n)), [false, true, false, false]);
  });

  it('a list with registration dates keeps each number\'s day in two more bytes a number', () => {
    const days = Uint16Array.from(values, (_, i) => 20_000 + (i % 400));
    const set = NumberSet.fromSorted(values, days);
    assert.ok(set.dated && !NumberSet.fromSorted(values).dated);
    for (let i = 0; i < values.length; i += 97) assert.equal(set.dayOfValue(values[i]), days[i]);
    assert.equal(set.dayOfValue(values[0] - 1), -1, 'not listed');
    assert.equal(NumberSet.fromSorted(values).dayOfValue(values[0]), 0, 'listed, day unknown');
    assert.ok(set.bytes < values.length * 6.25 + 1024 && set.bytes >= values.length * 6, `${set.bytes / values.length}`);
  });

  it('stored chunks with dates decode to the same days; a chunk whose dates do not match its numbers is refused', () => {
    const days = Uint16Array.from(values, (_, i) => 1 + (i % 60_000));
    const ends = [5000, 5001, values.length];
    const parts = ends.map((end, i) => [i === 0 ? 0 : ends[i - 1], end]);
    const unaligned = (b: Buffer) => Buffer.concat([Buffer.from([1]), b]).subarray(1);
    const set = NumberSet.fromChunks(parts.map(([a, b]) => unaligned(encodeChunk(values.subarray(a, b)))), parts.map(([a, b]) => unaligned(encodeDays(days.subarray(a, b)))));
    for (let i = 0; i < values.length; i += 31) assert.equal(set.dayOfValue(values[i]), days[i]);
    assert.throws(() => NumberSet.fromChunks(parts.map(([a, b]) => encodeChunk(values.subarray(a, b))), [encodeDays(days.subarray(0, 5000)), null, null]), /dates/);
  });

  it('stored chunks decode to the same set, whatever the chunk boundaries', () => {
    const chunks = [0, 3001, 3002, 12_345, values.length].slice(1).map((end, i, ends) => encodeChunk(values.subarray(i === 0 ? 0 : ends[i - 1], end)));
    // A driver's Buffer may start at an odd offset of a larger allocation.
    const unaligned = chunks.map((c) => Buffer.concat([Buffer.from([1]), c]).subarray(1));
    const set = NumberSet.fromChunks(unaligned);
    assert.equal(set.size, values.length);
    for (const v of values) assert.ok(set.hasValue(v));
    assert.equal(set.hasValue(values[0] - 1), false);
  });
});

describe('registry file parsing', () => {
  it('reads E.164 and national lines, skips comments and blanks, counts and shows rejected lines, removes duplicates', async () => {
    const text = '# header\r\n+8613800138000\r\n138 0013 8001\n(0)139-0000-0000\n\n+8613800138000\nnot-a-number\n+0123\n12\n+861380013800';
    const parsed = await parseRegistryStream(lines(text), { defaultCallingCode: '86' });
    assert.deepEqual([...parsed.values], [8613800138000, 8613800138001, 8613900000000, 861380013800].sort((a, b) => a - b));
    assert.equal(parsed.rejectedLines, 3);
    assert.deepEqual(parsed.firstRejected, ['not-a-number', '+0123', '12']);
  });

  it('csv: each number keeps its registration day, ISO or YYYYMMDD; a header is skipped; a repeated number keeps its earliest day', async () => {
    const text = 'number;registered\n+447700900001;2026-11-03\n"07700 900002";20261104\n+447700900003,2026-11-05T23:59:00Z\n+447700900001;2026-11-20\n+447700900004\t2026-10-01\n';
    const parsed = await parseRegistryStream(lines(text), { defaultCallingCode: '44', format: 'csv' });
    assert.equal(parsed.format, 'csv');
    assert.deepEqual([...parsed.values], [447700900001, 447700900002, 447700900003, 447700900004]);
    const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    assert.deepEqual([...parsed.days!].map(iso), ['2026-11-03', '2026-11-04', '2026-11-05', '2026-10-01']);
    assert.deepEqual([parsed.lines, parsed.rejectedLines, parsed.undatedLines], [5, 0, 0]);
  });

  it('csv: a good number with a missing, impossible or future date is kept without a date (it binds at once); a bad number is rejected', async () => {
    const text = '+447700900001,2026-02-30\n+447700900002\n+447700900003,2026-12-31\n+447700900004,yesterday\nnot-a-number,2026-01-01\n+447700900005,2026-01-01\n+447700900005,\n';
    const parsed = await parseRegistryStream(lines(text), { defaultCallingCode: null, format: 'csv', latestDay: dayOfDate([...Buffer.from('2026-12-02')]) });
    assert.deepEqual([...parsed.values], [447700900001, 447700900002, 447700900003, 447700900004, 447700900005]);
    assert.deepEqual([...parsed.days!], [0, 0, 0, 0, 0], 'an undated repeat wins over a dated one');
    assert.deepEqual([parsed.rejectedLines, parsed.undatedLines], [1, 5]);
    assert.deepEqual(parsed.firstRejected, ['not-a-number,2026-01-01']);
    assert.equal(parsed.firstUndated[0], '+447700900001,2026-02-30');
  });

  it('auto: a header or a YYYY-MM-DD second field makes a file csv; area-code,number lines stay plain', async () => {
    const auto = (text: string) => parseRegistryStream(lines(text, 3), { defaultCallingCode: '1' });
    const dated = await auto('# US change list\n\n2055550123,2026-11-03\n5125550123,2026-11-04\n');
    assert.deepEqual([dated.format, dated.values.length, dated.days?.length], ['csv', 2, 2]);
    const header = await auto('phone,date_added\n2055550123,20261103\n');
    assert.deepEqual([header.format, header.lines, header.days && [...header.days]], ['csv', 1, [dayOfDate([...Buffer.from('20261103')])]]);
    const plain = await auto('205,5550123\n512 555 0123\n');
    assert.deepEqual([plain.format, [...plain.values], plain.days], ['plain', [12055550123, 15125550123], null]);
    const forced = await parseRegistryStream(lines('2055550123,2026-11-03\n'), { defaultCallingCode: '1', format: 'plain' });
    assert.deepEqual([forced.format, forced.rejectedLines], ['plain', 1], 'a date read as digits of the number is a rejected line, not a number');
  });

  it('without a calling code, national lines are rejected rather than guessed', async () => {
    const parsed = await parseRegistryStream(lines('13800138000\n+15125550123\n'), { defaultCallingCode: null });
    assert.deepEqual([...parsed.values], [15125550123]);
    assert.equal(parsed.rejectedLines, 1);
  });
});

for (const engine of ENGINES) {
  describe(`registry import and reload on ${engine}`, () => {
    let a: TestGateway;
    let b: TestGateway;
    let world: World;
    let seq = 0;
    const nextCallee = () => `+86137${String(10000000 + ++seq).slice(-8)}`;

    before(async () => {
      const config = await freshConfig(engine, { POLICY_DIR: graceDayPolicyDir(28) });
      const log = createLogger('silent');
      const gateA = await createGateway(config, log);
      a = new TestGateway(await buildApp(gateA, log), gateA);
      // A second instance on the same database, started before any list exists.
      const gateB = await createGateway({ ...config, instanceId: 'second' }, log);
      b = new TestGateway(await buildApp(gateB, log), gateB);
      world = await a.seed();
    });
    after(async () => {
      await b?.app.close();
      await b?.gate.db.destroy();
      await a?.close();
    });

    const upload = (gw: TestGateway, body: string, query = 'name=Industry%20DNC&listDate=' + new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) + '&country=CN&callingCode=86') =>
      gw.app.inject({ method: 'POST', url: `/v1/registries/cn-donotcall/versions?${query}`, headers: { authorization: `Bearer ${gw.admin}`, 'content-type': 'text/plain' }, payload: body });
    const codes = async (gw: TestGateway, callee: string) => (await gw.decide(world, callee)).json().reasons.map((r: { code: string }) => r.code);

    it('an import through the API is used by every instance for its next decision, without a restart', async () => {
      const [listed, other] = [nextCallee(), nextCallee()];
      await a.consent(world, listed);
      await a.consent(world, other);
      const res = await upload(a, `${listed}\n${listed.slice(3)}\nbad line\n`);
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().version, res.json().entries, res.json().rejectedLines], [1, 1, 1]);
      assert.deepEqual(await codes(b, listed), ['REGISTRY_LISTED'], 'the other instance');
      assert.deepEqual(await codes(a, listed), ['REGISTRY_LISTED']);
      assert.deepEqual(await codes(b, other), []);

      const replaced = await upload(a, `${other}\n`);
      assert.equal(replaced.json().version, 2);
      assert.deepEqual(await codes(b, listed), [], 'the old version is gone on the other instance too');
      assert.deepEqual(await codes(b, other), ['REGISTRY_LISTED']);
      const listedCopies = (await b.call('GET', '/v1/registries', world.dialer)).json().registries;
      assert.deepEqual(listedCopies.map((r: { id: string; version: number; entries: number }) => [r.id, r.version, r.entries]), [['cn-donotcall', 2, 1]]);
      assert.equal(await a.count('registry_chunks'), 1, 'earlier versions are deleted');
    });

    it('an import acknowledged after an instance synced its lists, before its batch decided, is used by that batch', async () => {
      const callee = nextCallee();
      await a.consent(world, callee);
      const registries = b.gate.registries;
      const sync = registries.sync.bind(registries);
      let acknowledged = false;
      // The import lands between the sync a batch runs before taking its locks and its decisions.
      registries.sync = async (q) => {
        await sync(q);
        if (q !== undefined || acknowledged) return;
        acknowledged = true;
        const res = await upload(a, `${callee}\n`);
        assert.equal(res.statusCode, 201, res.body);
      };
      try {
        assert.deepEqual(await codes(b, callee), ['REGISTRY_LISTED']);
      } finally {
        registries.sync = sync;
      }
      assert.ok(acknowledged);
    });

    it('a file without a single number is refused and the current list is kept', async () => {
      const before = (await a.call('GET', '/v1/registries', world.dialer)).json().registries[0];
      const res = await upload(a, 'junk\n# comment\n');
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'REGISTRY_FILE_EMPTY');
      assert.deepEqual((await a.call('GET', '/v1/registries', world.dialer)).json().registries[0], before);
    });

    it('only the gateway operator may import, and a bad list date is a clear 400', async () => {
      const dialer = await a.app.inject({ method: 'POST', url: '/v1/registries/cn-donotcall/versions?name=x&listDate=2026-01-01', headers: { authorization: `Bearer ${world.dialer}`, 'content-type': 'text/plain' }, payload: '+8613800138000\n' });
      assert.equal(dialer.statusCode, 403);
      assert.equal((await upload(a, '+8613800138000\n', 'name=x&listDate=2026-13-45')).statusCode, 400);
      assert.equal((await upload(a, '+8613800138000\n', 'name=x')).statusCode, 400);
    });

    const DAY = 86_400_000;
    const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const csv = (gw: TestGateway, body: string, format = '') =>
      upload(gw, body, `name=Industry%20DNC&listDate=${isoDay(Date.now())}&callingCode=86${format}`);

    it('a csv import keeps each number\'s registration date: inside the grace period it does not bind yet, after it does, on every instance', async () => {
      const [recent, old, undated] = [nextCallee(), nextCallee(), nextCallee()];
      for (const c of [recent, old, undated]) await a.consent(world, c);
      const res = await csv(a, `number,registered\n${recent},${isoDay(Date.now() - 2 * DAY)}\n${old},${isoDay(Date.now() - 40 * DAY).replace(/-/g, '')}\n${undated},\n`);
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().format, res.json().dated, res.json().entries, res.json().undatedLines], ['csv', true, 3, 1]);
      assert.deepEqual(await codes(b, recent), [], 'registered 2 days ago: inside the 28-day grace');
      assert.deepEqual(await codes(b, old), ['REGISTRY_LISTED'], 'registered 40 days ago');
      assert.deepEqual(await codes(a, undated), ['REGISTRY_LISTED'], 'no date: binds at once');
      assert.equal((await a.call('GET', '/v1/registries', world.dialer)).json().registries[0].dated, true);
    });

    it('the decision records the registration date the gateway knew', async () => {
      const callee = nextCallee();
      await a.consent(world, callee);
      const registeredOn = isoDay(Date.now() - 40 * DAY);
      assert.equal((await csv(a, `${callee},${registeredOn}\n`, '&format=csv')).statusCode, 201);
      const answer = (await b.decide(world, callee)).json();
      const record = (await b.call('GET', `/v1/decisions/${answer.id}`, world.auditor)).json();
      assert.deepEqual(record.input.facts.registries, [{ listId: 'cn-donotcall', listDate: Date.parse(isoDay(Date.now())), listed: true, registeredOn }]);
    });

    it('a plain list has no dates: every number on it binds at once, whatever the grace period', async () => {
      const callee = nextCallee();
      await a.consent(world, callee);
      const res = await upload(a, `${callee}\n`);
      assert.deepEqual([res.json().format, res.json().dated], ['plain', false]);
      assert.deepEqual(await codes(b, callee), ['REGISTRY_LISTED']);
    });

    it('a list whose copy is older than the pack allows fails closed', async () => {
      const callee = nextCallee();
      await a.consent(world, callee);
      assert.equal((await upload(a, `${callee}\n`, 'name=x&listDate=2020-01-01&callingCode=86')).statusCode, 201);
      const reasons = await codes(b, nextCallee());
      assert.ok(reasons.includes('REGISTRY_STALE'), JSON.stringify(reasons));
    });
  });
}

/** The all-day CN pack with a grace period on its do-not-call list, as UK TPS has by law. */
function graceDayPolicyDir(graceDays: number): string {
  const dir = allDayPolicyDir();
  const file = path.join(dir, 'cn', 'pack.json');
  const pack = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const rule of pack.rules) if (rule.kind === 'registry') for (const list of rule.params.lists) list.graceDays = graceDays;
  fs.writeFileSync(file, JSON.stringify(pack, null, 2));
  return dir;
}

describe('scheduled registry refresh', () => {
  it('imports a source when it changed since the copy was loaded, and only then', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readRegistrySources, refreshRegistry } = await import('../src/jobs/registry-refresh');
    const config = await freshConfig('sqlite', { POLICY_DIR: allDayPolicyDir() });
    const log = createLogger('silent');
    const gate = await createGateway(config, log);
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnc-source-'));
      const file = path.join(dir, 'us.txt');
      fs.writeFileSync(file, '205,5550123\n512 555 0123\n');
      fs.utimesSync(file, new Date('2026-03-01T10:00:00Z'), new Date('2026-03-01T10:00:00Z'));
      const sourcesFile = path.join(dir, 'sources.json');
      fs.writeFileSync(sourcesFile, JSON.stringify([{ listId: 'us-national-dnc', name: 'US National DNC', country: 'US', callingCode: '1', source: `file://${file}`, schedule: '0 3 * * *' }]));
      const [source] = readRegistrySources(sourcesFile);

      const first = await refreshRegistry(gate.db, gate.registries, source, log);
      assert.deepEqual([first?.version, first?.entries], [1, 2]);
      assert.deepEqual(gate.registries.factsFor('+12055550123'), [{ listId: 'us-national-dnc', listDate: Date.parse('2026-03-01'), listed: true }]);
      assert.equal(await refreshRegistry(gate.db, gate.registries, source, log), null, 'unchanged since loaded');

      fs.writeFileSync(file, '2055550199\n');
      const later = new Date(Date.now() + 60_000);
      fs.utimesSync(file, later, later);
      const second = await refreshRegistry(gate.db, gate.registries, source, log);
      assert.deepEqual([second?.version, second?.entries], [2, 1]);
      assert.equal(gate.registries.factsFor('+12055550123')[0].listed, false);
    } finally {
      await gate.db.destroy();
    }
  });

  it('a bad sources file stops the start with a clear message', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readRegistrySources } = await import('../src/jobs/registry-refresh');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dnc-bad-')), 'sources.json');
    fs.writeFileSync(file, JSON.stringify([{ listId: 'us-national-dnc', name: 'x', source: '/tmp/x', schedule: 'every night' }]));
    assert.throws(() => readRegistrySources(file), /schedule must be a cron expression/);
    fs.writeFileSync(file, JSON.stringify([{ listId: 'uk-tps', name: 'x', source: '/tmp/x', schedule: '0 3 * * *', format: 'xlsx' }]));
    assert.throws(() => readRegistrySources(file), /format must be one of auto, plain, csv/);
    fs.writeFileSync(file, '{');
    assert.throws(() => readRegistrySources(file), /cannot be read as JSON/);
  });
});

describe('registry copies that cannot be trusted', () => {
  it('a stored version altered after its import is never used, even with the right count: decisions fail closed', async () => {
    const gw = await startTestGateway('sqlite');
    const { gate } = gw;
    try {
      const world = await gw.seed();
      const callee = '+8613700000001';
      await gw.consent(world, callee);
      await importRegistry(gate.db, { listId: 'cn-donotcall', name: 'x', country: 'CN', listDate: Date.now() }, Readable.from([Buffer.from('+8613700000001\n+8613700000002\n')]), { defaultCallingCode: null });
      assert.deepEqual((await gw.decide(world, callee)).json().reasons.map((r: { code: string }) => r.code), ['REGISTRY_LISTED']);
      // The listed callee swapped for another number: the same count, a different list.
      await gate.db('registry_chunks').where({ list_id: 'cn-donotcall' }).update({ data: encodeChunk(Float64Array.of(8613700000002, 8613700000003)) });
      await gate.db('registry_lists').where({ id: 'cn-donotcall' }).increment('version', 1);
      await gate.db('registry_chunks').where({ list_id: 'cn-donotcall' }).increment('version', 1);
      assert.deepEqual((await gw.decide(world, callee)).json().reasons.map((r: { code: string }) => r.code), ['GATEWAY_UNAVAILABLE']);
    } finally {
      await gw.close();
    }
  });
  it('a dated version whose registration dates were altered after its import is never used: decisions fail closed', async () => {
    const gw = await startTestGateway('sqlite');
    const { gate } = gw;
    try {
      const world = await gw.seed();
      const callee = '+8613700000001';
      await gw.consent(world, callee);
      await importRegistry(gate.db, { listId: 'cn-donotcall', name: 'x', country: 'CN', listDate: Date.now() }, Readable.from([Buffer.from('+8613700000001,2020-01-01\n')]), { defaultCallingCode: null });
      assert.deepEqual((await gw.decide(world, callee)).json().reasons.map((r: { code: string }) => r.code), ['REGISTRY_LISTED']);
      // A later date would put the number inside a grace period; dropping the dates would hide them.
      await gate.db('registry_chunks').where({ list_id: 'cn-donotcall' }).update({ dates: encodeDays(Uint16Array.of(dayOfDate([...Buffer.from('2026-12-01')]))) });
      await gate.db('registry_lists').where({ id: 'cn-donotcall' }).increment('version', 1);
      await gate.db('registry_chunks').where({ list_id: 'cn-donotcall' }).increment('version', 1);
      assert.deepEqual((await gw.decide(world, callee)).json().reasons.map((r: { code: string }) => r.code), ['GATEWAY_UNAVAILABLE']);
    } finally {
      await gw.close();
    }
  });
  it('a stored version missing chunks is never used: decisions fail closed until it is whole', async () => {
    const gw = await startTestGateway('sqlite');
    const { gate } = gw;
    try {
      const world = await gw.seed();
      const callee = '+8613700000001';
      await gw.consent(world, callee);
      await gate.db('registry_lists').insert({ id: 'cn-donotcall', name: 'x', country: 'CN', list_date: Date.now(), version: 1, entry_count: 5, loaded_at: Date.now() });
      await gate.db('registry_chunks').insert({ list_id: 'cn-donotcall', version: 1, seq: 0, entry_count: 1, data: encodeChunk(Float64Array.of(8613700000001)) });
      const answer = (await gw.decide(world, callee)).json();
      assert.deepEqual(answer.reasons.map((r: { code: string }) => r.code), ['GATEWAY_UNAVAILABLE']);
    } finally {
      await gw.close();
    }
  });
});
