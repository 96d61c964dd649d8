import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/paths';
import { connect, type Db } from '../../src/storage/db';
import { allDayPolicyDir } from '../support/gateway';
import { sharedSecret } from '../support/process';

const run = promisify(execFile);
const CLI = path.join(projectRoot(), 'gateway/src/cli.ts');
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

describe('`callgate sip-account` creates, rotates and revokes dialer accounts', () => {
  let env: Record<string, string>;
  let db: Db;
  const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, ['--import', 'tsx', CLI, ...args, '--by', 'ops@example.com'], { env: { ...process.env, ...env } })).stdout);

  before(async () => {
    env = { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-sip-cli-')), POLICY_DIR: allDayPolicyDir(), JWT_SECRET: sharedSecret(), LOG_LEVEL: 'warn', SIP_AUTH_REALM: 'dialers.example' };
    await run(process.execPath, ['--import', 'tsx', CLI, 'migrate'], { env: { ...process.env, ...env } });
    db = connect({ databaseUrl: null, dataDir: env.DATA_DIR });
  });
  after(async () => {
    await db?.destroy();
    fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
  });

  it('prints the password once, stores only its digests under SIP_AUTH_REALM, replaces them on rotation and wipes them on revocation; every step is on the admin log', async () => {
    const tenant = await cli('tenant', 'create', '--name', 'Example Calls Ltd', '--country', 'GB');
    const created = await cli('sip-account', 'create', '--tenant', tenant.id, '--username', 'cli-dialer', '--source', '10.1.2.0/24,192.0.2.7');
    assert.equal(created.account.realm, 'dialers.example');
    assert.deepEqual(created.account.sources, ['10.1.2.0/24', '192.0.2.7']);
    let row = await db('sip_accounts').where({ id: created.account.id }).first();
    assert.equal(row.ha1_sha256, sha256(`cli-dialer:dialers.example:${created.password}`));
    const listed = await cli('sip-account', 'list', '--tenant', tenant.id);
    assert.ok(!JSON.stringify(listed).includes(created.password) && !JSON.stringify(listed).includes(row.ha1_sha256));

    const rotated = await cli('sip-account', 'rotate', '--id', created.account.id);
    row = await db('sip_accounts').where({ id: created.account.id }).first();
    assert.equal(row.ha1_sha256, sha256(`cli-dialer:dialers.example:${rotated.password}`));

    const revoked = await cli('sip-account', 'revoke', '--id', created.account.id);
    assert.ok(revoked.revokedAt);
    row = await db('sip_accounts').where({ id: created.account.id }).first();
    assert.equal(row.ha1_md5 + row.ha1_sha256, '');
    await assert.rejects(cli('sip-account', 'rotate', '--id', created.account.id), /No SIP account .* or it was revoked/);
    const actions = (await db('admin_actions').where({ target: created.account.id }).select('action')).map((r) => r.action).sort();
    assert.deepEqual(actions, ['cli sip-account create', 'cli sip-account revoke', 'cli sip-account rotate']);
  });
});
