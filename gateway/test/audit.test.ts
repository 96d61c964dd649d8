import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canonicalJson } from '../src/audit/canonical';
import type { SignedManifest } from '../src/audit/export';
import { exportDir } from '../src/audit/exports';
import { loadSigner } from '../src/audit/keys';
import { purgeExpired } from '../src/audit/purge';
import { sealChains } from '../src/audit/seals';
import { verifyExportFile } from '../src/audit/verify-file';
import { ConfigError, loadConfig } from '../src/config';
import { fromRow, toRow } from '../src/decisions/record';
import { projectRoot } from '../src/paths';
import { ENGINES } from './support/db';
import { startTestGateway, type TestGateway, type World } from './support/gateway';

let calleeSeq = 0;
const nextCallee = () => `+86135${String(10000000 + ++calleeSeq).slice(-8)}`;

/** Writes a copy of an export with its lines changed by `edit`, and returns its path. */
function tampered(file: string, edit: (lines: string[]) => string[]): string {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tampered-')), path.basename(file));
  fs.writeFileSync(copy, edit(lines).join('\n') + '\n');
  return copy;
}

describe('audit configuration', () => {
  const fails = (env: Record<string, string>, message: RegExp) => assert.throws(() => loadConfig(env), (e: Error) => e instanceof ConfigError && message.test(e.message));

  it('has defaults: generated keys, three years of retention, seals every 30 s, checkpoints every 10 s', () => {
    assert.deepEqual(loadConfig({}).audit, {
      signingKeyFile: null,
      pseudonymKey: null,
      retentionDays: 1095,
      sealSchedule: '*/30 * * * * *',
      signerCommand: null,
      trustedKeys: [],
      witnessKeys: [],
      checkpointIntervalSeconds: 10,
      origin: 'callgate',
    });
  });

  it('refuses a short pseudonym key, a bad retention and a bad seal schedule with a clear message', () => {
    fails({ AUDIT_PSEUDONYM_KEY: 'short' }, /AUDIT_PSEUDONYM_KEY must be at least 32/);
    fails({ AUDIT_RETENTION_DAYS: '-1' }, /AUDIT_RETENTION_DAYS must be an integer/);
    fails({ AUDIT_SEAL_SCHEDULE: 'every minute' }, /AUDIT_SEAL_SCHEDULE is not a cron expression/);
  });

  it('refuses a signing key file that is missing or not Ed25519', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-'));
    assert.throws(() => loadSigner(path.join(dir, 'none.pem'), dir), /does not exist/);
    const rsa = path.join(dir, 'rsa.pem');
    fs.writeFileSync(rsa, crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    assert.throws(() => loadSigner(rsa, dir), /must be an Ed25519 key/);
  });
});

for (const engine of ENGINES) {
  describe(`audit trail on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    let other: World;
    let publicKey: string;
    const callee = nextCallee();

    before(async () => {
      gw = await startTestGateway(engine);
      world = await gw.seed();
      other = await gw.seed({ caller: '+862161230000', uscc: '91110108MA01ABCD1E' });
      publicKey = (await gw.call('GET', '/v1/audit/public-key', null)).json().publicKey;
      // One person's story: no consent, consent, a call and its outcome, a refusal, consent withdrawn.
      await gw.decide(world, callee);
      for (let i = 0; i < 10; i++) await gw.decide(other, nextCallee()); // others' records between this person's
      const consent = await gw.consent(world, callee);
      const allowed = (await gw.decide(world, callee)).json();
      assert.equal(allowed.allow, true);
      await gw.ok(`/v1/calls/${allowed.id}/outcome`, world.dialer, { outcome: 'answered', durationSeconds: 30 });
      await gw.ok('/v1/opt-outs', world.dialer, { callee, scope: 'tenant', source: 'keypress' });
      await gw.ok(`/v1/consents/${consent.id}/revoke`, world.dialer, { reason: 'asked by phone' }, 200);
      await gw.decide(world, callee);
      for (let i = 0; i < 10; i++) await gw.decide(other, nextCallee());
    });
    after(async () => gw?.close());

    const exportNow = async (token: string, body: Record<string, unknown>) => {
      const res = await gw.call('POST', '/v1/audit/exports', token, body);
      assert.equal(res.statusCode, 201, res.body);
      const { id, manifest } = res.json() as { id: string; manifest: SignedManifest };
      return { id, manifest, file: path.join(exportDir(gw.gate.config.dataDir), manifest.file.name) };
    };

    it("answers one person's access request in order: decisions with reasons, consent with evidence, outcome, opt-out, revocation", async () => {
      const res = await gw.call('GET', `/v1/audit/trail?callee=${encodeURIComponent(callee)}`, world.auditor);
      assert.equal(res.statusCode, 200, res.body);
      const types = res.json().events.map((e: { type: string }) => e.type);
      assert.deepEqual(
        types.filter((t: string) => t !== 'admin.action'),
        ['decision', 'consent.given', 'decision', 'call.outcome', 'opt_out.received', 'consent.revoked', 'decision'],
      );
      const events = res.json().events.filter((e: { type: string }) => e.type !== 'admin.action');
      assert.deepEqual(events[0].record.decision.reasons.map((r: { code: string }) => r.code), ['NO_CONSENT']);
      assert.equal(events[1].record.consent.evidence.pageUrl, 'https://example.com/renew');
      assert.deepEqual(events.at(-1).record.decision.reasons.map((r: { code: string }) => r.code).sort(), ['CONSENT_REVOKED', 'OPTED_OUT'].sort());
      // The other tenant's auditor sees nothing of it; the read itself is in the trail.
      const theirs = (await gw.call('GET', `/v1/audit/trail?callee=${encodeURIComponent(callee)}`, other.auditor)).json().events;
      assert.deepEqual(theirs.map((e: { type: string; tenantId: string }) => [e.type, e.tenantId]), [['admin.action', other.tenantId]], 'only its own read');
      const again = (await gw.call('GET', `/v1/audit/trail?callee=${encodeURIComponent(callee)}`, world.auditor)).json().events;
      assert.ok(again.some((e: { type: string; record: { actor: string } }) => e.type === 'admin.action' && e.record.actor === 'auditor-test'));
    });

    it('every admin and auditor action is a trail event, in the same transaction as its log row', async () => {
      const before = await gw.gate.db('audit_events').where({ type: 'admin.action' }).count({ n: '*' });
      await gw.call('GET', '/v1/campaigns', world.auditor);
      const after = await gw.gate.db('audit_events').where({ type: 'admin.action' }).count({ n: '*' });
      assert.equal(Number(after[0].n), Number(before[0].n) + 1);
      assert.equal(await gw.count('admin_actions'), Number(after[0].n));
    });

    it('the database chains and their seals verify', async () => {
      const sealed = await sealChains(gw.gate.db, gw.gate.audit.signer);
      assert.deepEqual(sealed.refused, []);
      assert.ok(sealed.sealed.length > 0);
      const res = await gw.call('POST', '/v1/audit/verify', world.auditor);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ok, true, res.body);
      assert.ok(res.json().records >= 30);
    });

    it('a full NDJSON export verifies offline with the public key, and every tampering is caught', async () => {
      const { manifest, file } = await exportNow(gw.admin, { format: 'ndjson' });
      assert.equal(manifest.integrity.ok, true);
      assert.ok(manifest.seals.length > 0, 'the export covers seals');
      const good = await verifyExportFile(file, manifest, [publicKey]);
      assert.equal(good.ok, true, JSON.stringify(good.firstBad));
      assert.ok(good.sealsChecked > 0);
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
      const decisionLine = lines.findIndex((l) => JSON.parse(l).type === 'decision' && l.includes('"allow\\":false'));
      assert.ok(decisionLine > 0);
      const cases: [string, string, number][] = [
        ['an altered payload', tampered(file, (l) => l.map((x, i) => (i === decisionLine ? x.replace('\\"allow\\":false', '\\"allow\\":true') : x))), decisionLine + 1],
        ['a deleted record', tampered(file, (l) => l.filter((_, i) => i !== 3)), 4],
        ['two records swapped', tampered(file, (l) => [...l.slice(0, 2), l[3], l[2], ...l.slice(4)]), 3],
        ['an inserted record', tampered(file, (l) => [...l.slice(0, 5), l[4], ...l.slice(5)]), 6],
      ];
      for (const [name, copy, line] of cases) {
        const report = await verifyExportFile(copy, manifest, [publicKey]);
        assert.equal(report.ok, false, name);
        assert.equal(report.firstBad?.line, line, `${name}: ${JSON.stringify(report.firstBad)}`);
      }
      const truncated = await verifyExportFile(tampered(file, (l) => l.slice(0, -3)), manifest, [publicKey]);
      assert.equal(truncated.ok, false);
      assert.match(truncated.firstBad!.problem, /missing|ends before/);
      // A forged manifest: counts changed to match a cut file, signature kept, or re-signed with another key.
      const forged = { ...manifest, counts: { ...manifest.counts, records: manifest.counts.records - 3 } };
      assert.match((await verifyExportFile(file, forged, [publicKey])).firstBad!.problem, /signature is not valid/);
      const { privateKey } = crypto.generateKeyPairSync('ed25519');
      const { signature, ...body } = forged;
      const resigned = { ...forged, signature: { ...signature, value: crypto.sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64') } };
      assert.equal((await verifyExportFile(file, resigned, [publicKey])).ok, false);
    });

    it('a CSV export of one callee verifies, with omitted runs keeping the records linked', async () => {
      const { manifest, file } = await exportNow(world.auditor, { format: 'csv', callee });
      assert.equal(manifest.filter.tenantId, world.tenantId, 'a tenant auditor exports its own tenant only');
      assert.ok(manifest.counts.omitted > 0);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.split('\n')[0].startsWith('kind,chain'));
      assert.ok(!text.includes(other.tenantId), text.split('\n').find((l) => l.includes(other.tenantId))?.slice(0, 400));
      const report = await verifyExportFile(file, manifest, [publicKey]);
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
      const edited = tampered(file, (l) => l.map((x) => (x.startsWith('record') && x.includes('consent.given') ? x.replace('example.com', 'example.org') : x)));
      assert.equal((await verifyExportFile(edited, manifest, [publicKey])).ok, false);
    });

    it('the export file and manifest are served to their tenant only, and exports are recorded', async () => {
      const { id, manifest } = await exportNow(world.auditor, { format: 'ndjson', types: ['decision'], from: new Date(Date.now() - 3_600_000).toISOString() });
      const file = await gw.call('GET', `/v1/audit/exports/${id}/file`, world.auditor);
      assert.equal(file.statusCode, 200);
      assert.equal(crypto.createHash('sha256').update(file.body).digest('hex'), manifest.file.sha256);
      const served = await gw.call('GET', `/v1/audit/exports/${id}/manifest`, world.auditor);
      assert.deepEqual(served.json(), manifest);
      assert.equal((await gw.call('GET', `/v1/audit/exports/${id}/file`, other.auditor)).statusCode, 403);
      assert.equal((await gw.call('POST', '/v1/audit/exports', world.dialer, { format: 'ndjson' })).statusCode, 403);
      assert.equal((await gw.call('POST', '/v1/audit/exports', world.auditor, { format: 'ndjson', tenantId: other.tenantId })).statusCode, 403);
      const recorded = await gw.gate.db('audit_events').where({ type: 'audit.export', subject_id: id }).first();
      assert.ok(recorded, 'the export is a trail event');
    });

    it('a pseudonymised export shows no number in clear and still proves the chain', async () => {
      const { manifest, file } = await exportNow(gw.admin, { format: 'ndjson', tenantId: world.tenantId, pseudonymise: true });
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes(callee.slice(1)), 'the callee is not in the file');
      assert.match(text, /pn_[0-9a-f]{32}/);
      const report = await verifyExportFile(file, manifest, [publicKey]);
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
      assert.equal(report.payloadsUnchecked, manifest.counts.records);
    });

    it('decisions kept in the spool while the database was down get their trail events when drained', async () => {
      const record = { ...fromRow(toRow({ id: `dec_spooled_${engine}`, decidedAt: Date.now(), instanceId: 'x', call: { tenantId: world.tenantId, campaignId: world.campaignId, callee, caller: null }, allow: false, reasons: [], nextAllowedAt: null, policyRevision: 'unknown', ruleIds: [], input: {}, timing: { queuedUs: 0, engineUs: 0, batchSize: 1 } })) };
      gw.gate.spool.append([toRow(record)]);
      assert.equal(await gw.gate.spool.drain(gw.gate.db), 1);
      gw.gate.spool.append([toRow(record)]); // drained twice (a crash before the file was removed): one event
      await gw.gate.spool.drain(gw.gate.db);
      const events = await gw.gate.db('audit_events').where({ subject_id: record.id });
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'decision');
    });

    it('content erased from a record that no recorded retention purge covers is named by verification', async () => {
      const db = gw.gate.db;
      const victim = await db('audit_events').where({ type: 'decision' }).orderBy('id', 'desc').first();
      await db('audit_events').where({ id: victim.id }).update({ payload: null, purged_at: Date.now() });
      const report = (await gw.call('POST', '/v1/audit/verify', gw.admin)).json();
      assert.equal(report.ok, false);
      assert.deepEqual([report.firstBad.chain, report.firstBad.seq], [victim.chain_id, Number(victim.seq)]);
      assert.match(report.firstBad.problem, /no recorded retention purge/);
      await db('audit_events').where({ id: victim.id }).update({ payload: victim.payload, purged_at: null });
      assert.equal((await gw.call('POST', '/v1/audit/verify', gw.admin)).json().ok, true);
    });

    it('retention purges content but keeps the chains verifiable', async () => {
      const purged = await purgeExpired(gw.gate.db, gw.gate.audit.trail, 1, Date.now() + 2 * 86_400_000);
      assert.ok(purged > 0);
      const verify = (await gw.call('POST', '/v1/audit/verify', gw.admin)).json();
      assert.equal(verify.ok, true, JSON.stringify(verify.firstBad));
      const trail = (await gw.call('GET', `/v1/audit/trail?callee=${encodeURIComponent(callee)}`, world.auditor)).json().events;
      assert.ok(trail.length >= 7 && trail.slice(0, 7).every((e: { purged: boolean; record: unknown }) => e.purged && e.record === null));
      const { manifest, file } = await exportNow(gw.admin, { format: 'ndjson' });
      assert.equal((await verifyExportFile(file, manifest, [publicKey])).ok, true);
    });

    it('an edited or deleted record in the database is named by verification, even the newest after a seal', async () => {
      const db = gw.gate.db;
      await sealChains(db, gw.gate.audit.signer);
      // A decision chain's: the jobs chain ends with the retention purge, whose removal is caught on the records it purged.
      const victim = await db('audit_events').where({ type: 'decision' }).andWhere('chain_id', 'not like', '%/jobs').orderBy('id', 'desc').first();
      await db('audit_events').where({ id: victim.id }).update({ type: 'call.outcome' });
      let report = (await gw.call('POST', '/v1/audit/verify', gw.admin)).json();
      assert.equal(report.ok, false);
      assert.deepEqual([report.firstBad.chain, report.firstBad.seq], [victim.chain_id, Number(victim.seq)], JSON.stringify(report.firstBad));
      const during = (await gw.call('POST', '/v1/audit/exports', gw.admin, { format: 'ndjson' })).json().manifest as SignedManifest;
      assert.equal(during.integrity.ok, false, 'an export made from an altered trail says so');
      assert.equal(during.integrity.firstBad?.seq, Number(victim.seq));
      const offline = await verifyExportFile(path.join(exportDir(gw.gate.config.dataDir), during.file.name), during, [publicKey]);
      assert.equal(offline.ok, false);
      assert.equal(offline.firstBad?.seq, Number(victim.seq));
      await db('audit_events').where({ id: victim.id }).update({ type: victim.type });
      // Delete the sealed newest record of a chain and rewind its head to hide it: the seal catches it.
      const head = await db('audit_chains').where({ chain_id: victim.chain_id }).first();
      const last = await db('audit_events').where({ chain_id: victim.chain_id, seq: head.seq }).first();
      const before = await db('audit_events').where({ chain_id: victim.chain_id, seq: Number(head.seq) - 1 }).first();
      await db('audit_events').where({ id: last.id }).delete();
      await db('audit_chains').where({ chain_id: victim.chain_id }).update({ seq: Number(head.seq) - 1, head_hash: before.hash });
      report = (await gw.call('POST', '/v1/audit/verify', gw.admin)).json();
      assert.equal(report.ok, false);
      assert.equal(report.firstBad.chain, victim.chain_id);
      assert.match(report.firstBad.problem, /sealed and are missing/);
      await db('audit_events').insert(last);
      await db('audit_chains').where({ chain_id: victim.chain_id }).update({ seq: head.seq, head_hash: head.head_hash });
      assert.equal((await gw.call('POST', '/v1/audit/verify', gw.admin)).json().ok, true);
    });

    if (engine === 'sqlite') {
      it('callgate audit verify checks an export offline and exits 1 on a tampered one', async () => {
        const { manifest, file } = await exportNow(gw.admin, { format: 'ndjson' });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-'));
        const manifestFile = path.join(dir, 'manifest.json');
        const keyFile = path.join(dir, 'key.pem');
        fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
        fs.writeFileSync(keyFile, publicKey);
        const cli = (f: string) => spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'gateway/src/cli.ts'), 'audit', 'verify', '--file', f, '--manifest', manifestFile, '--public-key', keyFile], { encoding: 'utf8', env: { ...process.env, DATA_DIR: dir } });
        const good = cli(file);
        assert.equal(good.status, 0, good.stdout + good.stderr);
        assert.equal(JSON.parse(good.stdout).ok, true);
        const bad = cli(tampered(file, (l) => l.slice(1)));
        assert.equal(bad.status, 1, bad.stdout + bad.stderr);
        assert.equal(JSON.parse(bad.stdout).firstBad.line, 1);
      });
    }
  });
}
