import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import jwt from 'jsonwebtoken';
import { projectRoot } from '../src/paths';
import { issueToken } from '../src/auth/tokens';
import { ConfigError, loadConfig } from '../src/config';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

const DAY = 86_400;
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the gateway's secret but with claims chosen by the test. */
function forged(gw: TestGateway, claims: Record<string, unknown>): string {
  // jsonwebtoken takes iat from the claims when given, and adds none with noTimestamp.
  return jwt.sign({ role: 'admin', sub: 'forger', iss: 'callgate', jti: 'jti-of-a-test-token', ...claims }, gw.signingSecret, { algorithm: 'HS256', noTimestamp: !('iat' in claims) });
}

const whoAmI = (gw: TestGateway, token: string) => gw.call('GET', '/admin/api/session', token);

for (const engine of ENGINES) {
  describe(`tokens on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;

    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('accepts a token issued now with a lifetime its role allows', async () => {
      assert.equal((await whoAmI(gw, forged(gw, { iat: now(), exp: now() + 3600 }))).statusCode, 200);
    });

    it('refuses a token issued a year from now with 401 TOKEN_ISSUED_IN_FUTURE', async () => {
      const res = await whoAmI(gw, forged(gw, { iat: now() + 365 * DAY, exp: now() + 365 * DAY + 3600 }));
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'TOKEN_ISSUED_IN_FUTURE');
    });

    it('refuses a token expiring in the year 5138 with 401 TOKEN_LIFETIME_TOO_LONG', async () => {
      const res = await whoAmI(gw, forged(gw, { iat: now(), exp: Math.floor(Date.UTC(5138, 0, 1) / 1000) }));
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'TOKEN_LIFETIME_TOO_LONG');
    });

    it('refuses a dialer token of 31 days and accepts one of 29 (TOKEN_MAX_SECONDS_DIALER is 30 days)', async () => {
      const dialer = (days: number) => forged(gw, { role: 'dialer', tenant: world.tenantId, iat: now(), exp: now() + days * DAY });
      const decide = (token: string) => gw.call('POST', '/v1/decisions', token, { campaignId: world.campaignId, callee: '+8613800138000', caller: world.caller });
      const long = await decide(dialer(31));
      assert.equal(long.statusCode, 401);
      assert.equal(long.json().error.code, 'TOKEN_LIFETIME_TOO_LONG');
      assert.equal((await decide(dialer(29))).statusCode, 200);
    });

    it('refuses a token without expiry, without issue time or without id (jti)', async () => {
      for (const claims of [{ iat: now() }, { exp: now() + 3600 }, { iat: now(), exp: now() + 3600, jti: undefined }]) {
        const res = await whoAmI(gw, forged(gw, claims));
        assert.equal(res.statusCode, 401, JSON.stringify(claims));
        assert.equal(res.json().error.code, 'TOKEN_INVALID');
      }
    });

    it('refuses a revoked token with 401 TOKEN_REVOKED; only the gateway operator revokes', async () => {
      const issued = issueToken(gw.signingSecret, { role: 'dialer', tenantId: world.tenantId, subject: 'dialer-to-revoke' }, 3600);
      assert.equal((await gw.call('GET', '/v1/decisions/none', issued.token)).statusCode, 404);
      const byTenantAdmin = await gw.call('POST', '/v1/token-revocations', gw.token('admin', world.tenantId), { jti: issued.jti });
      assert.equal(byTenantAdmin.statusCode, 403);
      const revoked = await gw.call('POST', '/v1/token-revocations', gw.admin, { jti: issued.jti });
      assert.equal(revoked.statusCode, 201);
      assert.equal(revoked.json().newlyRevoked, true);
      const res = await gw.call('GET', '/v1/decisions/none', issued.token);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'TOKEN_REVOKED');
      assert.equal((await gw.call('POST', '/v1/token-revocations', gw.admin, { jti: issued.jti })).statusCode, 200);
    });
  });

  describe(`request bodies on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;

    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
    });
    after(async () => gw?.close());

    it('refuses a callee sent as an array with 400 VALIDATION_FAILED and records no decision', async () => {
      const decisions = await gw.count('decisions');
      const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId: world.campaignId, callee: ['+8613800138000'], caller: world.caller });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(await gw.count('decisions'), decisions);
    });

    it('refuses a number sent for a text field and a string sent for a boolean', async () => {
      const consent = await gw.call('POST', `/v1/consents`, world.dialer, { callee: '+8613800138001', brandId: world.brandId, purpose: 'insurance', channel: 'web', obtainedAt: new Date().toISOString(), captureMethod: 'web_form_checkbox', evidence: { textShown: 12345, preTicked: 'false', bundledWithOtherTerms: false } });
      assert.equal(consent.statusCode, 400);
      assert.equal(consent.json().error.code, 'VALIDATION_FAILED');
    });

    it('refuses a property the schema does not know rather than dropping it', async () => {
      const res = await gw.call('POST', '/v1/decisions', world.dialer, { campaignId: world.campaignId, callee: '+8613800138000', caller: world.caller, calle: '+8613800138001' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    });

    it('refuses 3.9 MB of verification evidence with 413 EVIDENCE_TOO_LARGE and stores nothing of it', async () => {
      const tenant = await gw.ok('/v1/tenants', gw.admin, { legalName: '证据过大有限公司', uscc: '91110108MA01ABCD1E', country: 'CN' });
      const actions = await gw.count('admin_actions');
      const res = await gw.call('POST', `/v1/tenants/${tenant.id}/verification`, gw.admin, { status: 'verified', evidence: { scan: 'A'.repeat(3_900_000) } });
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().error.code, 'EVIDENCE_TOO_LARGE');
      const row = await gw.gate.db('tenants').where({ id: tenant.id }).first();
      assert.notEqual(row.verification_status, 'verified');
      // The request itself is logged (who tried), but no payload of megabytes reached the trail.
      const logged = await gw.gate.db('admin_actions').where('id', '>', 0).orderBy('id', 'desc').limit(Math.max(1, (await gw.count('admin_actions')) - actions));
      assert.ok(logged.every((a: { details: string | null }) => (a.details ?? '').length < 10_000));
    });

    it('refuses a proof of right over EVIDENCE_MAX_BYTES and accepts one under it', async () => {
      const big = await gw.call('POST', '/v1/caller-numbers', world.compliance, { e164: '+862161234599', proofOfRight: { letter: 'x'.repeat(70 * 1024) } });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, 'EVIDENCE_TOO_LARGE');
      assert.equal((await gw.call('POST', '/v1/caller-numbers', world.compliance, { e164: '+862161234599', proofOfRight: { letter: 'x'.repeat(1024) } })).statusCode, 201);
    });
  });
}

describe('token revocation across instances on one MariaDB', () => {
  // Two instances of one cluster: one database, one JWT_SECRET.
  const JWT_SECRET = 'a secret the whole cluster shares, 40+ chars';
  let a: TestGateway;
  let b: TestGateway;
  let world: World;

  before(async () => {
    a = await startTestGateway('mariadb', { JWT_SECRET });
    b = await startTestGateway('mariadb', { DATABASE_URL: a.gate.config.databaseUrl!, JWT_SECRET });
    world = await a.seed();
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('refuses on the second instance a token revoked on the first, within TOKEN_REVOCATION_REFRESH_MS', async () => {
    const issued = issueToken(JWT_SECRET, { role: 'dialer', tenantId: world.tenantId, subject: 'dialer-on-two-instances' }, 3600);
    assert.equal((await b.call('GET', '/v1/decisions/none', issued.token)).statusCode, 404);
    assert.equal((await a.call('POST', '/v1/token-revocations', a.admin, { jti: issued.jti })).statusCode, 201);
    // Polled, not timed: the bound is the refresh interval (2 s by default), the deadline only ends a broken run.
    const deadline = Date.now() + 30_000;
    let res = await b.call('GET', '/v1/decisions/none', issued.token);
    while (res.statusCode !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await b.call('GET', '/v1/decisions/none', issued.token);
    }
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'TOKEN_REVOKED');
  });
});

describe('callgate token mint and token revoke', () => {
  const JWT_SECRET = 'a secret the whole cluster shares, 40+ chars';
  let gw: TestGateway;
  let world: World;

  before(async () => {
    gw = await startTestGateway('mariadb', { JWT_SECRET });
    world = await gw.seed();
  });
  after(async () => gw?.close());

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'gateway/src/cli.ts'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: gw.gate.config.databaseUrl!, JWT_SECRET, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-cli-')), LOG_LEVEL: 'silent' },
    });

  it('mints a token with an id, refuses a ttl beyond the role maximum, and revokes the token for a running gateway', async () => {
    assert.equal(cli('token', 'mint', '--role', 'dialer', '--tenant', world.tenantId, '--subject', 'd1', '--ttl', String(31 * DAY)).status, 2);
    const minted = cli('token', 'mint', '--role', 'dialer', '--tenant', world.tenantId, '--subject', 'd1', '--ttl', '3600');
    assert.equal(minted.status, 0, minted.stderr);
    const { token, jti } = JSON.parse(minted.stdout);
    assert.equal((await gw.call('GET', '/v1/decisions/none', token)).statusCode, 404);
    const revoked = cli('token', 'revoke', '--jti', jti, '--by', 'ops');
    assert.equal(revoked.status, 0, revoked.stderr);
    const deadline = Date.now() + 30_000;
    let res = await gw.call('GET', '/v1/decisions/none', token);
    while (res.statusCode !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await gw.call('GET', '/v1/decisions/none', token);
    }
    assert.equal(res.json().error.code, 'TOKEN_REVOKED');
    assert.ok(await gw.gate.db('admin_actions').where({ action: 'cli token revoke', target: jti }).first(), 'the revocation is on the trail');
  });
});

describe('request rates', () => {
  let gw: TestGateway;
  let world: World;

  before(async () => {
    gw = await startTestGateway('sqlite', { API_REQUESTS_PER_MINUTE: '20' });
    world = await gw.seed();
  });
  after(async () => gw?.close());

  it('answers 429 TOO_MANY_REQUESTS with Retry-After past API_REQUESTS_PER_MINUTE for one token; another token goes on', async () => {
    const token = gw.token('dialer', world.tenantId, 'busy-dialer');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 21; i++) {
      last = await gw.call('GET', '/v1/decisions/none', token);
      statuses.push(last.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(404));
    assert.equal(last!.statusCode, 429);
    assert.equal(last!.json().error.code, 'TOO_MANY_REQUESTS');
    assert.ok(Number(last!.headers['retry-after']) > 0);
    assert.equal((await gw.call('GET', '/v1/decisions/none', gw.token('dialer', world.tenantId, 'quiet-dialer'))).statusCode, 404);
  });

  it('slows one address sending refused tokens: past 120 a minute it gets 429', async () => {
    const bad = (i: number) => gw.app.inject({ method: 'GET', url: '/v1/decisions/none', headers: { authorization: `Bearer not.a.token${i}` }, remoteAddress: '192.0.2.99' });
    for (let i = 0; i < 120; i++) assert.equal((await bad(i)).statusCode, 401);
    assert.equal((await bad(120)).statusCode, 429);
    const elsewhere = await gw.app.inject({ method: 'GET', url: '/v1/decisions/none', headers: { authorization: 'Bearer not.a.token' }, remoteAddress: '192.0.2.100' });
    assert.equal(elsewhere.statusCode, 401);
  });
});

describe('request body schemas', () => {
  it('bound the length of every text field a request body may carry', async () => {
    const gw = await startTestGateway('sqlite');
    try {
      await gw.app.ready();
      const doc = gw.app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>> };
      const unbounded: string[] = [];
      const walk = (s: any, where: string): void => {
        if (!s || typeof s !== 'object') return;
        const types = Array.isArray(s.type) ? s.type : [s.type];
        if (types.includes('string') && s.maxLength === undefined && !s.enum && !s.pattern && !s.format) unbounded.push(where);
        for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${where}.${k}`);
        if (s.items) walk(s.items, `${where}[]`);
      };
      for (const [p, ops] of Object.entries(doc.paths)) {
        for (const [m, op] of Object.entries(ops)) walk(op.requestBody?.content?.['application/json']?.schema, `${m.toUpperCase()} ${p}`);
      }
      assert.deepEqual(unbounded, []);
    } finally {
      await gw.close();
    }
  });
});

describe('token settings', () => {
  it('reads lifetimes, clock skew and revocation refresh from the environment and refuses nonsense', () => {
    const doors = loadConfig({ TOKEN_MAX_SECONDS_DIALER: '3600', TOKEN_CLOCK_SKEW_SECONDS: '5' }).doors;
    assert.equal(doors.maxTokenSeconds.dialer, 3600);
    assert.equal(doors.clockSkewSeconds, 5);
    assert.throws(() => loadConfig({ TOKEN_MAX_SECONDS_ADMIN: 'forever' }), ConfigError);
  });
});

describe('file modes of the embedded database and the data directory', () => {
  let gw: TestGateway;
  let dataDir: string;
  let umask: number;

  before(async () => {
    // The usual umask (022) would leave new files readable by everyone; the gateway must not rely on it.
    umask = process.umask(0o022);
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-modes-')), 'data');
    gw = await startTestGateway('sqlite', { DATA_DIR: dataDir });
  });
  after(async () => {
    await gw?.close();
    process.umask(umask);
  });

  const mode = (file: string) => fs.statSync(path.join(dataDir, file)).mode & 0o777;

  it('creates DATA_DIR 0700 and the SQLite file with its -wal and -shm 0600', async () => {
    await gw.seed();
    assert.equal(mode('.').toString(8), '700');
    for (const file of ['callgate.sqlite', 'callgate.sqlite-wal', 'callgate.sqlite-shm']) assert.equal(mode(file).toString(8), '600', file);
  });

  it('keeps the JWT secret, the signing key and the spool private', () => {
    assert.equal(mode('jwt-secret').toString(8), '600');
    assert.equal(mode('audit-signing-key.pem').toString(8), '600');
    assert.equal(mode('spool').toString(8), '700');
  });

  it('writes audit exports 0600 in a 0700 folder', async () => {
    const auditor = gw.token('auditor', null);
    const res = await gw.call('POST', '/v1/audit/exports', auditor, { format: 'ndjson' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(mode('exports').toString(8), '700');
    const files = fs.readdirSync(path.join(dataDir, 'exports'));
    assert.ok(files.length > 0);
    for (const file of files) assert.equal(mode(path.join('exports', file)).toString(8), '600', file);
  });

  it('narrows an existing world-readable DATA_DIR and database file when it opens them', async () => {
    await gw.close();
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, 'callgate.sqlite'), 0o644);
    gw = await startTestGateway('sqlite', { DATA_DIR: dataDir });
    assert.equal(mode('.').toString(8), '700');
    assert.equal(mode('callgate.sqlite').toString(8), '600');
  });
});
