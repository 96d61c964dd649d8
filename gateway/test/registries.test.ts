import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { encodeChunk, NumberSet } from '../src/registries/number-set';
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
      const config = await freshConfig(engine, { POLICY_DIR: allDayPolicyDir() });
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

    it('a list whose copy is older than the pack allows fails closed', async () => {
      const callee = nextCallee();
      await a.consent(world, callee);
      assert.equal((await upload(a, `${callee}\n`, 'name=x&listDate=2020-01-01&callingCode=86')).statusCode, 201);
      const reasons = await codes(b, nextCallee());
      assert.ok(reasons.includes('REGISTRY_STALE'), JSON.stringify(reasons));
    });
  });
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
