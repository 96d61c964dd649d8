import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../api/users';
import { ENGINES } from '../../gateway/test/support/db';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/gateway';
import { PASSWORD } from './support';

/** A sign-in attempt from a given source address, as a browser would send it. */
function attempt(gw: TestGateway, username: string, password: string, address = '203.0.113.10') {
  return gw.app.inject({ method: 'POST', url: '/admin/api/session', payload: { username, password }, remoteAddress: address });
}

let userSeq = 0;
async function newUser(gw: TestGateway, base: string): Promise<string> {
  const username = `${base}${++userSeq}`;
  await createUser(gw.gate.db, { username, role: 'compliance', tenantId: null, password: PASSWORD }, 'test');
  return username;
}

async function refusedSignIns(gw: TestGateway): Promise<number> {
  const [row] = await gw.gate.db('admin_actions').where({ action: 'sign in refused' }).count({ n: '*' });
  return Number(row.n);
}

for (const engine of ENGINES) {
  describe(`admin sign-in throttling on ${engine}`, () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway(engine, { SIGN_IN_MAX_FAILURES_PER_ADDRESS: '10000' });
    });
    after(async () => gw?.close());

    it('counts OPS, "ops " and Ops as the one user name ops: five guesses in all, then 429 with Retry-After even for the right password', async () => {
      const name = await newUser(gw, 'ops');
      const variants = [name.toUpperCase(), `${name} `, name[0].toUpperCase() + name.slice(1), `${name.toUpperCase()}  `, name];
      for (const variant of variants) assert.equal((await attempt(gw, variant, 'wrong password!')).statusCode, 401, variant);
      const locked = await attempt(gw, name, PASSWORD);
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.json().error.code, 'TOO_MANY_SIGN_INS');
      const wait = Number(locked.headers['retry-after']);
      assert.ok(Number.isInteger(wait) && wait > 0 && wait <= 900, `Retry-After ${locked.headers['retry-after']}`);
      assert.equal((await attempt(gw, `${name.toUpperCase()} `, PASSWORD)).statusCode, 429);
    });

    it('lets 40 parallel wrong passwords check at most 5 of them; the rest get 429', async () => {
      const name = await newUser(gw, 'race');
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(gw, i % 2 ? name : name.toUpperCase(), `wrong password ${i}`)));
      const statuses = answers.map((a) => a.statusCode);
      assert.ok(statuses.filter((s) => s === 401).length <= 5, `401s: ${statuses.join(' ')}`);
      assert.equal(statuses.filter((s) => s === 429).length + statuses.filter((s) => s === 401).length, 40);
    });

    it('keeps every attempt on the trail, the refused ones included', async () => {
      const name = await newUser(gw, 'trail');
      const before = await refusedSignIns(gw);
      for (let i = 0; i < 7; i++) await attempt(gw, name, 'wrong password!');
      assert.equal(await refusedSignIns(gw), before + 7);
    });

    it('starts a user afresh after a successful sign-in', async () => {
      const name = await newUser(gw, 'fresh');
      for (let i = 0; i < 4; i++) assert.equal((await attempt(gw, name, 'wrong password!')).statusCode, 401);
      assert.equal((await attempt(gw, name, PASSWORD)).statusCode, 201);
      for (let i = 0; i < 5; i++) assert.equal((await attempt(gw, name, 'wrong password!')).statusCode, 401);
      assert.equal((await attempt(gw, name, PASSWORD)).statusCode, 429);
    });
  });

  describe(`sign-in throttling per source address on ${engine}`, () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway(engine, { SIGN_IN_MAX_FAILURES_PER_ADDRESS: '6' });
    });
    after(async () => gw?.close());

    it('stops one address guessing across many user names, while another address still signs in', async () => {
      const name = await newUser(gw, 'spray');
      for (let i = 0; i < 6; i++) assert.equal((await attempt(gw, `nobody${i}`, 'wrong password!', '198.51.100.7')).statusCode, 401);
      const refused = await attempt(gw, name, PASSWORD, '198.51.100.7');
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.equal((await attempt(gw, name, PASSWORD, '198.51.100.8')).statusCode, 201);
    });
  });
}

describe('sign-in throttling across instances on one MariaDB', () => {
  let a: TestGateway;
  let b: TestGateway;

  before(async () => {
    a = await startTestGateway('mariadb');
    b = await startTestGateway('mariadb', { DATABASE_URL: a.gate.config.databaseUrl! });
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('shares one counter: three guesses on one instance and two on another lock the user on both', async () => {
    const name = await newUser(a, 'shared');
    for (let i = 0; i < 3; i++) assert.equal((await attempt(a, name, 'wrong password!')).statusCode, 401);
    for (let i = 0; i < 2; i++) assert.equal((await attempt(b, name.toUpperCase(), 'wrong password!')).statusCode, 401);
    assert.equal((await attempt(a, name, PASSWORD)).statusCode, 429);
    assert.equal((await attempt(b, name, PASSWORD)).statusCode, 429);
  });
});
