import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GENESIS, sha256 } from '../src/audit/canonical';
import { cosignedBytes, type Checkpoint } from '../src/audit/checkpoint-format';
import { checkpointTrail, findCheckpoint } from '../src/audit/checkpoints';
import type { SignedManifest } from '../src/audit/export';
import { exportDir } from '../src/audit/exports';
import { CommandSigner, keyIdOf, loadSigner } from '../src/audit/keys';
import { consistencyProof, inclusionProof, leafHash, recordLeaf, subtreeRoot, verifyConsistency, verifyInclusion } from '../src/audit/merkle';
import { trustOf } from '../src/audit/open';
import { sealChains } from '../src/audit/seals';
import { legacyLinkOfRow, linkOfRow } from '../src/audit/trail';
import { spawn } from 'node:child_process';
import { projectRoot } from '../src/paths';
import { TrustedKeys } from '../src/audit/trust';
import { verifyDatabase } from '../src/audit/verify-db';
import { verifyDbAgainstCheckpoints } from '../src/audit/verify-checkpoint';
import { verifyExportAgainstCheckpoints } from '../src/audit/verify-export-checkpoint';
import { verifyExportFile } from '../src/audit/verify-file';
import { buildApp, createGateway, createLogger } from '../src/server';
import type { Db } from '../src/storage/db';
import { ENGINES } from './support/db';
import { startTestGateway, TestGateway, type World } from './support/gateway';

/** An independent, literal reading of RFC 9162 §2.1, to check the module's proofs against. */
const H = (...parts: Buffer[]) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const mth = (d: Buffer[]): Buffer => (d.length === 0 ? H() : d.length === 1 ? H(Buffer.from([0]), d[0]) : H(Buffer.from([1]), mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length)))));
const pathOf = (m: number, d: Buffer[]): Buffer[] => {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...pathOf(m, d.slice(0, s)), mth(d.slice(s))] : [...pathOf(m - s, d.slice(s)), mth(d.slice(0, s))];
};
const subproof = (m: number, d: Buffer[], b: boolean): Buffer[] => {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
};

describe('Merkle tree (RFC 9162 §2.1)', () => {
  // The leaves and roots of the test vectors of the certificate-transparency implementations.
  const data = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const leaves = data.map(leafHash);

  it('computes the roots of the test vectors', () => {
    for (let n = 1; n <= 8; n++) assert.equal(subtreeRoot(leaves, 0, n).toString('hex'), roots[n - 1], `size ${n}`);
    assert.deepEqual(consistencyProof(leaves, 6, 8).map((h) => h.toString('hex')), [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('makes the proofs the RFC defines, which verify, and refuses altered ones', () => {
    const many = Array.from({ length: 21 }, (_, i) => Buffer.from([i, i * 7]));
    const ls = many.map(leafHash);
    for (let n = 1; n <= many.length; n++) {
      const root = mth(many.slice(0, n));
      assert.ok(subtreeRoot(ls, 0, n).equals(root));
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(ls, m, n);
        assert.deepEqual(proof, pathOf(m, many.slice(0, n).map((d) => d)).map((x) => x), `PATH(${m}, ${n})`);
        assert.ok(verifyInclusion(m, n, ls[m], proof, root));
        assert.ok(!verifyInclusion(m, n, ls[(m + 1) % n === m ? 0 : (m + 1) % n], proof, root) || n === 1);
      }
      for (let m = 1; m < n; m++) {
        const proof = consistencyProof(ls, m, n);
        assert.deepEqual(proof, subproof(m, many.slice(0, n), true), `PROOF(${m}, ${n})`);
        assert.ok(verifyConsistency(m, n, mth(many.slice(0, m)), root, proof), `consistency ${m}→${n}`);
        assert.ok(!verifyConsistency(m, n, mth(many.slice(1, m + 1)), root, proof), `a changed old tree ${m}→${n}`);
        if (proof.length > 0) assert.ok(!verifyConsistency(m, n, mth(many.slice(0, m)), root, [H(proof[0]), ...proof.slice(1)]));
      }
    }
  });
});

const TABLES = ['audit_events', 'audit_leaves', 'audit_chains', 'audit_seals', 'audit_keys', 'audit_checkpoints', 'audit_cosignatures', 'audit_settings'];

async function snapshot(db: Db): Promise<() => Promise<void>> {
  const saved = new Map<string, Record<string, unknown>[]>();
  for (const t of TABLES) saved.set(t, await db(t).select());
  // Rows the engine reads that were written after the snapshot lose their events on restore: they go too.
  const decisions = new Set<string>(await db('decisions').pluck('id'));
  return async () => {
    const later = (await db('decisions').pluck('id')).filter((id: string) => !decisions.has(id));
    for (let i = 0; i < later.length; i += 200) {
      await db('call_outcomes').whereIn('decision_id', later.slice(i, i + 200)).delete();
      await db('decisions').whereIn('id', later.slice(i, i + 200)).delete();
    }
    for (const t of TABLES) {
      await db(t).delete();
      const rows = saved.get(t)!;
      for (let i = 0; i < rows.length; i += 200) await db(t).insert(rows.slice(i, i + 200));
    }
  };
}

/** Recomputes a chain's hashes from one record on, as someone with write access to the database can. */
async function rehashChain(db: Db, chain: string, fromSeq: number): Promise<void> {
  const rows = await db('audit_events').where({ chain_id: chain }).andWhere('seq', '>=', fromSeq).orderBy('seq');
  let prev = fromSeq > 1 ? (await db('audit_events').where({ chain_id: chain, seq: fromSeq - 1 }).first()).hash : GENESIS;
  for (const r of rows) {
    const payloadHash = r.payload === null ? r.payload_hash : sha256(r.payload);
    const hash = sha256(linkOfRow({ ...r, payload_hash: payloadHash }, prev));
    await db('audit_events').where({ id: r.id }).update({ payload_hash: payloadHash, hash });
    prev = hash;
  }
  const last = rows.length > 0 ? Number(rows[rows.length - 1].seq) : fromSeq - 1;
  await db('audit_chains').where({ chain_id: chain }).update({ seq: last, head_hash: prev });
}

/** The CLI in its own process, without blocking this one (the gateway it talks to runs here). */
function cli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'gateway/src/cli.ts'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

for (const engine of ENGINES) {
  describe(`trail checkpoints on ${engine}`, () => {
    let gw: TestGateway;
    let world: World;
    let db: Db;
    const witnessKey = crypto.generateKeyPairSync('ed25519');
    const witnessPem = witnessKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const witnessId = keyIdOf(witnessKey.publicKey);
    let calleeSeq = 0;
    const callee = () => `+86137${String(10000000 + ++calleeSeq).slice(-8)}`;

    before(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-'));
      fs.writeFileSync(path.join(dir, 'witness.pem'), witnessPem);
      gw = await startTestGateway(engine, { AUDIT_WITNESS_KEYS: path.join(dir, 'witness.pem'), AUDIT_CHECKPOINT_INTERVAL: '0' });
      world = await gw.seed();
      db = gw.gate.db;
      for (let i = 0; i < 12; i++) await gw.decide(world, callee());
    });
    after(async () => gw?.close());

    const checkpoint = async (): Promise<Checkpoint> => {
      const result = await checkpointTrail(db, gw.gate.audit.signer, gw.gate.audit.origin);
      assert.equal(result.refused, null, JSON.stringify(result.refused));
      const res = await gw.call('GET', '/v1/audit/checkpoints', gw.admin);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };

    /** What an independent witness does: cosign, keep the checkpoint, post the cosignature. */
    const witness = async (cp: Checkpoint): Promise<Checkpoint> => {
      const time = Math.floor(Date.now() / 1000);
      const cosignature = { keyId: witnessId, publicKey: witnessPem, time, signature: crypto.sign(null, Buffer.from(cosignedBytes(cp.body, time)), witnessKey.privateKey).toString('base64') };
      const res = await gw.call('POST', `/v1/audit/checkpoints/${cp.size}/cosignatures`, gw.token('auditor', null), cosignature);
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };

    const pinned = () => ({ gateway: TrustedKeys.parse([gw.gate.audit.signer.keyId]), witnesses: TrustedKeys.parse([witnessId]) });
    const checkKept = async (kept: Checkpoint[]) => {
      const trust = pinned();
      trust.gateway.offer([gw.gate.audit.signer.publicKeyPem]);
      return verifyDbAgainstCheckpoints(db, kept, trust.gateway, trust.witnesses);
    };

    /** The operator holding the signing key too: throws the tree away and signs a new one over the rewritten records. */
    const resignAsKeyHolder = async () => {
      await db('audit_cosignatures').delete();
      await db('audit_checkpoints').delete();
      await db('audit_leaves').delete();
      await db('audit_settings').where({ k: 'tree' }).update({ v: JSON.stringify({ size: 0, hashes: [], inventory: {}, highWater: 0, gaps: [] }) });
      await checkpoint();
    };

    /** Checkpoint A, one denied decision, checkpoint B, more records, checkpoint C; all witnessed. */
    const scenario = async () => {
      await gw.decide(world, callee());
      const a = await witness(await checkpoint());
      const denied = (await gw.decide(world, callee())).json();
      assert.equal(denied.allow, false);
      const b = await witness(await checkpoint());
      for (let i = 0; i < 6; i++) await gw.decide(world, callee());
      await sealChains(db, gw.gate.audit.signer);
      const c = await witness(await checkpoint());
      const victim = await db('audit_events').where({ type: 'decision', subject_id: denied.id }).first();
      return { a, b, c, victim, kept: [a, b, c], restore: await snapshot(db) };
    };

    it('serves checkpoints and proofs that verify against the gateway key; a decision is proven included by its id', async () => {
      const cp = await checkpoint();
      const trust = trustOf(gw.gate.audit);
      assert.ok(cp.size > 12 && /^callgate\n\d+\n[A-Za-z0-9+/=]+\ninventory [0-9a-f]{64}\n$/.test(cp.body), cp.body);
      assert.equal(cp.inventory.reduce((n, h) => n + h.seq, 0), cp.size, 'every record of every chain is a leaf');
      assert.match(cp.note!, /\n\n— callgate [A-Za-z0-9+/=]+\n$/);
      const decision = (await gw.decide(world, callee())).json();
      const later = await checkpoint();
      const proof = (await gw.call('GET', `/v1/audit/proofs/inclusion?decision=${decision.id}`, world.auditor)).json();
      assert.equal(proof.size, later.size);
      assert.equal(proof.record.subjectId, decision.id);
      assert.ok(verifyInclusion(proof.leafIndex, proof.size, recordLeaf(proof.record.hash), proof.proof.map((h: string) => Buffer.from(h, 'base64')), Buffer.from(later.root, 'hex')));
      const consistency = (await gw.call('GET', `/v1/audit/proofs/consistency?from=${cp.size}&to=${later.size}`, world.auditor)).json();
      assert.ok(verifyConsistency(cp.size, later.size, Buffer.from(cp.root, 'hex'), Buffer.from(later.root, 'hex'), consistency.proof.map((h: string) => Buffer.from(h, 'base64'))));
      const old = (await gw.call('GET', `/v1/audit/checkpoints?size=${cp.size}`, world.auditor)).json();
      assert.equal(old.root, cp.root);
      // A tenant's auditor proves its own records only.
      const other = await gw.seed({ caller: '+862161230001', uscc: '91110108MA01ABCD1E' });
      const theirs = (await gw.decide(other, callee())).json();
      await checkpoint();
      assert.equal((await gw.call('GET', `/v1/audit/proofs/inclusion?decision=${theirs.id}`, world.auditor)).statusCode, 403);
      assert.equal((await gw.call('GET', `/v1/audit/proofs/inclusion?decision=${theirs.id}`, other.auditor)).statusCode, 200);
      assert.equal((await gw.call('GET', '/v1/audit/checkpoints', world.dialer)).statusCode, 403);
      const report = await verifyDatabase(db, trust);
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    });

    it('takes cosignatures from configured witnesses only, and reports how far the log is witnessed', async () => {
      const cp = await checkpoint();
      const stranger = crypto.generateKeyPairSync('ed25519');
      const time = Math.floor(Date.now() / 1000);
      const forged = { keyId: keyIdOf(stranger.publicKey), publicKey: stranger.publicKey.export({ type: 'spki', format: 'pem' }).toString(), time, signature: crypto.sign(null, Buffer.from(cosignedBytes(cp.body, time)), stranger.privateKey).toString('base64') };
      const refused = await gw.call('POST', `/v1/audit/checkpoints/${cp.size}/cosignatures`, gw.admin, forged);
      assert.equal(refused.statusCode, 422, refused.body);
      assert.equal(refused.json().error.code, 'COSIGNATURE_INVALID');
      const wrongBody = { ...forged, keyId: witnessId, publicKey: witnessPem, signature: crypto.sign(null, Buffer.from(cosignedBytes(cp.body, time + 1)), witnessKey.privateKey).toString('base64') };
      assert.equal((await gw.call('POST', `/v1/audit/checkpoints/${cp.size}/cosignatures`, gw.admin, wrongBody)).statusCode, 422);
      const witnessed = await witness(cp);
      assert.equal(witnessed.cosignatures.length, 1);
      const verify = (await gw.call('POST', '/v1/audit/verify', gw.admin)).json();
      assert.equal(verify.ok, true, JSON.stringify(verify.firstBad));
      assert.match(verify.witnessed, new RegExp(`^records 1–${cp.size} witnessed by ${witnessId} at `));
    });

    it('a decision changed from deny to allow, its chain rehashed and its seals deleted, is named against the witnessed checkpoints, even when the operator re-signs', async () => {
      const { c, victim, kept, restore } = await scenario();
      const chain = victim.chain_id;
      await db('audit_events').where({ id: victim.id }).update({ payload: victim.payload.replace('"allow":false', '"allow":true') });
      await rehashChain(db, chain, Number(victim.seq));
      await db('audit_seals').where({ chain_id: chain }).delete();
      // The row the engine reads is edited to agree, so that the tables reconcile with the rewrite.
      await db('decisions').where({ id: victim.subject_id }).update({ allow: true });
      // Without the signing key, the checkpoints the database keeps catch it.
      const unsigned = await verifyDatabase(db, trustOf(gw.gate.audit));
      assert.equal(unsigned.ok, false);
      // With the key, everything inside the database agrees again, and a fresh export verifies by itself…
      await resignAsKeyHolder();
      assert.equal((await verifyDatabase(db, trustOf(gw.gate.audit))).ok, true);
      assert.equal((await gw.call('POST', '/v1/audit/verify', gw.admin)).json().ok, true);
      const res = await gw.call('POST', '/v1/audit/exports', gw.admin, { format: 'ndjson' });
      const manifest = res.json().manifest as SignedManifest;
      const file = path.join(exportDir(gw.gate.config.dataDir), manifest.file.name);
      assert.equal((await verifyExportFile(file, manifest, [gw.gate.audit.signer.publicKeyPem])).ok, true);
      // …but not against what the witness kept.
      const report = await checkKept(kept);
      assert.equal(report.ok, false);
      assert.deepEqual([report.firstBad?.chain, report.firstBad?.seq], [chain, Number(victim.seq)], JSON.stringify(report.firstBad));
      assert.match(report.firstBad!.problem, new RegExp(`record ${victim.seq} of chain .* differs`));
      const trust = pinned();
      const offline = await verifyExportAgainstCheckpoints(file, manifest, kept, trust.gateway, trust.witnesses);
      assert.equal(offline.ok, false);
      assert.deepEqual([offline.firstBad?.chain, offline.firstBad?.seq], [chain, Number(victim.seq)], JSON.stringify(offline.firstBad));
      assert.ok(report.checkpoints.every((x) => x.witnessedBy.length === 1));
      assert.ok(c.size > 0);
      await db('decisions').where({ id: victim.subject_id }).update({ allow: false });
      await restore();
      assert.equal((await checkKept(kept)).ok, true);
    });

    it('a whole chain deleted (records, head and seals) is named against the witnessed checkpoint', async () => {
      const { victim, c, restore } = await scenario();
      const chain = victim.chain_id;
      const count = Number((await db('audit_chains').where({ chain_id: chain }).first()).seq);
      await db('audit_events').where({ chain_id: chain }).delete();
      await db('audit_chains').where({ chain_id: chain }).delete();
      await db('audit_seals').where({ chain_id: chain }).delete();
      assert.equal((await verifyDatabase(db, trustOf(gw.gate.audit))).ok, false, 'without the key, the stored checkpoints tell');
      await resignAsKeyHolder();
      // The chains alone: the chain's decision rows would name it, unless the operator deletes them too.
      assert.equal((await verifyDatabase(db, trustOf(gw.gate.audit), { tables: false })).ok, true, 'with it, the database alone cannot tell');
      const report = await checkKept([c]);
      assert.equal(report.ok, false);
      assert.equal(report.firstBad?.chain, chain);
      assert.equal(report.firstBad?.fromSeq, 1);
      assert.equal(report.firstBad?.toSeq, c.inventory.find((h) => h.chain === chain)!.seq);
      assert.match(report.firstBad!.problem, /the whole chain .* is missing/);
      assert.ok(count >= report.firstBad!.toSeq!);
      await restore();
    });

    it('the newest records deleted and the head rewound are named as the missing range', async () => {
      const { victim, c, restore } = await scenario();
      const chain = victim.chain_id;
      const head = c.inventory.find((h) => h.chain === chain)!.seq;
      await db('audit_events').where({ chain_id: chain }).andWhere('seq', '>', head - 2).delete();
      const before = await db('audit_events').where({ chain_id: chain, seq: head - 2 }).first();
      await db('audit_chains').where({ chain_id: chain }).update({ seq: head - 2, head_hash: before.hash });
      await db('audit_seals').where({ chain_id: chain }).andWhere('seq', '>', head - 2).delete();
      const unsigned = await verifyDatabase(db, trustOf(gw.gate.audit));
      assert.equal(unsigned.ok, false, 'without the key, the stored checkpoints tell');
      assert.match(unsigned.firstBad!.problem, /missing/);
      await resignAsKeyHolder();
      const report = await checkKept([c]);
      assert.equal(report.ok, false);
      assert.deepEqual([report.firstBad?.chain, report.firstBad?.fromSeq, report.firstBad?.toSeq], [chain, head - 1, head], JSON.stringify(report.firstBad));
      assert.match(report.firstBad!.problem, /are missing/);
      await restore();
    });

    it('seals forged with a key inserted into audit_keys are refused, and the edit they cover is named', async () => {
      const { victim, kept, restore } = await scenario();
      const chain = victim.chain_id;
      await db('audit_events').where({ id: victim.id }).update({ payload: victim.payload.replace('"allow":false', '"allow":true') });
      await rehashChain(db, chain, Number(victim.seq));
      const forger = crypto.generateKeyPairSync('ed25519');
      const forgedId = keyIdOf(forger.publicKey);
      await db('audit_keys').insert({ key_id: forgedId, public_key: forger.publicKey.export({ type: 'spki', format: 'pem' }).toString(), created_at: Date.now() });
      await db('audit_seals').where({ chain_id: chain }).delete();
      const head = await db('audit_chains').where({ chain_id: chain }).first();
      const seal = { chain, seq: Number(head.seq), hash: head.head_hash, sealedAt: Date.now() };
      const signature = crypto.sign(null, Buffer.from(`cg1-seal|${chain}|${seal.seq}|${seal.hash}|${seal.sealedAt}`), forger.privateKey).toString('base64');
      await db('audit_seals').insert({ chain_id: chain, seq: seal.seq, hash: seal.hash, sealed_at: seal.sealedAt, key_id: forgedId, signature });
      const report = await verifyDatabase(db, trustOf(gw.gate.audit));
      assert.equal(report.ok, false);
      assert.equal(report.firstBad?.chain, chain);
      assert.match(report.firstBad!.problem, /no valid signature by a pinned key/);
      const against = await checkKept(kept);
      assert.deepEqual([against.firstBad?.chain, against.firstBad?.seq], [chain, Number(victim.seq)], JSON.stringify(against.firstBad));
      await restore();
    });

    it('a record inserted into a chain before the witnessed checkpoint is named', async () => {
      const { victim, kept, restore } = await scenario();
      const chain = victim.chain_id;
      const at = Number(victim.seq);
      const later = await db('audit_events').where({ chain_id: chain }).andWhere('seq', '>=', at).orderBy('seq', 'desc');
      for (const r of later) await db('audit_events').where({ id: r.id }).update({ seq: Number(r.seq) + 1 });
      const { id: _id, ...copy } = victim;
      await db('audit_events').insert({ ...copy, subject_id: 'dec_forged' });
      await rehashChain(db, chain, at);
      // Rows written again in sequence order, so that the re-signed tree takes them in that order.
      const rows = await db('audit_events').where({ chain_id: chain }).andWhere('seq', '>=', at).orderBy('seq');
      await db('audit_events').where({ chain_id: chain }).andWhere('seq', '>=', at).delete();
      for (const { id: _rowId, ...row } of rows) await db('audit_events').insert(row);
      await db('audit_seals').where({ chain_id: chain }).delete();
      await resignAsKeyHolder();
      const report = await checkKept(kept);
      assert.equal(report.ok, false);
      assert.deepEqual([report.firstBad?.chain, report.firstBad?.seq], [chain, at], JSON.stringify(report.firstBad));
      await restore();
      assert.equal((await checkKept(kept)).ok, true);
    });

    // Two instances share a MariaDB; SQLite has one writer process, so there the appends and checkpoint runs are concurrent within it.
    it(`an untampered log with concurrent appends and checkpoints${engine === 'mariadb' ? ' from two instances' : ''} always verifies`, async () => {
      const log = createLogger('silent');
      const second = engine === 'mariadb' ? await createGateway({ ...gw.gate.config, instanceId: `second-${engine}` }, log) : gw.gate;
      const gw2 = engine === 'mariadb' ? new TestGateway(await buildApp(second, log), second) : gw;
      try {
        const sizes: number[] = [];
        const sequencer = async (gate: typeof second) => {
          for (let i = 0; i < 8; i++) {
            const r = await checkpointTrail(gate.db, gate.audit.signer, gate.audit.origin);
            assert.equal(r.refused, null);
            if (r.checkpoint) sizes.push(r.checkpoint.size);
          }
        };
        const appends = async (client: TestGateway) => {
          for (let i = 0; i < 10; i++) {
            const answers = await Promise.all([0, 1, 2].map(() => client.decide(world, callee())));
            for (const a of answers) assert.equal(a.statusCode, 200, a.body);
          }
        };
        await Promise.all([appends(gw), appends(gw2), sequencer(gw.gate), sequencer(second)]);
        await checkpoint();
        const stored = await db('audit_checkpoints').orderBy('size').pluck('size');
        assert.ok(new Set(sizes).size === sizes.length, 'no two runs signed the same size');
        const all: Checkpoint[] = [];
        for (const size of stored) all.push((await gw.call('GET', `/v1/audit/checkpoints?size=${size}`, gw.admin)).json());
        const report = await checkKept(all);
        assert.equal(report.ok, true, JSON.stringify(report.firstBad));
        for (let i = 1; i < all.length; i++) {
          const proof = (await gw.call('GET', `/v1/audit/proofs/consistency?from=${all[i - 1].size}&to=${all[i].size}`, gw.admin)).json().proof.map((h: string) => Buffer.from(h, 'base64'));
          assert.ok(verifyConsistency(all[i - 1].size, all[i].size, Buffer.from(all[i - 1].root, 'hex'), Buffer.from(all[i].root, 'hex'), proof), `${all[i - 1].size}→${all[i].size}`);
        }
        const verify = await verifyDatabase(db, trustOf(gw.gate.audit));
        assert.equal(verify.ok, true, JSON.stringify(verify.firstBad));
      } finally {
        if (gw2 !== gw) await gw2.close();
      }
    });

    it('the subject id is inside the hashed link (cg2): a decision record re-attributed to another decision is named', async () => {
      const restore = await snapshot(db);
      const decision = (await gw.decide(world, callee())).json();
      const record = await db('audit_events').where({ type: 'decision', subject_id: decision.id }).first();
      assert.match(linkOfRow(record, GENESIS), /^cg2\|/);
      await db('audit_events').where({ id: record.id }).update({ subject_id: 'dec_someone_else' });
      const report = await verifyDatabase(db, trustOf(gw.gate.audit));
      assert.equal(report.ok, false);
      assert.deepEqual([report.firstBad?.chain, report.firstBad?.seq], [record.chain_id, Number(record.seq)]);
      await restore();
    });

    it('records written with cg1 links, before subject ids were hashed, still verify and are checkpointed', async () => {
      const restore = await snapshot(db);
      const chain = 'legacy-instance/d0';
      let prev = GENESIS;
      const now = Date.now();
      for (const seq of [1, 2]) {
        const payload = JSON.stringify({ legacy: seq });
        const row = { chain_id: chain, seq, at: now, type: 'admin.action', tenant_id: world.tenantId, campaign_id: null, callee_tag: null, subject_id: `adm_legacy_${seq}`, payload, payload_hash: sha256(payload), hash: '', purged_at: null };
        row.hash = sha256(legacyLinkOfRow(row, prev));
        prev = row.hash;
        await db('audit_events').insert(row);
      }
      await db('audit_chains').insert({ chain_id: chain, seq: 2, head_hash: prev, created_at: now, updated_at: now });
      const report = await verifyDatabase(db, trustOf(gw.gate.audit));
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
      const cp = await checkpoint();
      assert.equal(cp.inventory.find((h) => h.chain === chain)?.head, prev);
      await restore();
    });

    it('an external signer command signs checkpoints; after a key rotation both keys verify, each only where pinned', async () => {
      const restore = await snapshot(db);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signer-'));
      const pair = crypto.generateKeyPairSync('ed25519');
      fs.writeFileSync(path.join(dir, 'hsm.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'hsm.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
      const script = path.join(dir, 'sign.js');
      fs.writeFileSync(script, `const c=require('node:crypto'),f=require('node:fs');const m=f.readFileSync(0);process.stdout.write(c.sign(null,m,c.createPrivateKey(f.readFileSync(${JSON.stringify(path.join(dir, 'hsm.pem'))}))).toString('base64'))`);
      const external = loadSigner(null, dir, { command: `"${process.execPath}" "${script}"`, publicKeyFile: path.join(dir, 'hsm.pub') });
      assert.ok(external instanceof CommandSigner);
      assert.throws(() => new CommandSigner('echo bm90IGEgc2lnbmF0dXJl', fs.readFileSync(path.join(dir, 'hsm.pub'), 'utf8')).sign('x'), /no valid Ed25519 signature/);
      const before = await checkpoint();
      await gw.decide(world, callee());
      await external.register(db);
      const rotated = (await checkpointTrail(db, external, gw.gate.audit.origin)).checkpoint!;
      assert.equal(rotated.keyId, external.keyId);
      const both = TrustedKeys.parse([gw.gate.audit.signer.keyId, external.keyId]);
      both.offer([gw.gate.audit.signer.publicKeyPem, external.publicKeyPem]);
      assert.equal((await verifyDbAgainstCheckpoints(db, [before, rotated], both, new TrustedKeys())).ok, true);
      const onlyNew = TrustedKeys.parse([external.keyId]);
      const report = await verifyDbAgainstCheckpoints(db, [before, { ...rotated, publicKey: external.publicKeyPem }], onlyNew, new TrustedKeys());
      assert.equal(report.ok, false);
      assert.match(report.firstBad!.problem, /no valid signature by a pinned key/);
      assert.equal(report.firstBad!.size, before.size);
      await restore();
    });

    if (engine === 'mariadb') {
      it('a record whose transaction commits after a later one was checkpointed gets the next leaf, and the log verifies', async () => {
        const trail = gw.gate.audit.trail;
        const event = (n: number) => ({ type: 'admin.action' as const, tenantId: null, subjectId: `late_${n}`, payload: { n } });
        // No API call while the transaction is open: an admin request's own trail event could wait for its chain.
        const checkpoint = async () => {
          const result = await checkpointTrail(db, gw.gate.audit.signer, gw.gate.audit.origin);
          assert.equal(result.refused, null);
          return (await findCheckpoint(db))!;
        };
        const open = await db.transaction();
        try {
          await trail.append(open, 'a0', [event(1)]);
          const lateId = Number((await open('audit_events').where({ subject_id: 'late_1' }).first('id')).id);
          await trail.record(db, async () => ({ result: null, events: [event(2)] }), 'a1');
          const before = await checkpoint();
          assert.ok(!(await db('audit_leaves').where({ event_id: lateId }).first()), 'not visible, not sequenced');
          await open.commit();
          const after = await checkpoint();
          const leaf = await db('audit_leaves').where({ event_id: lateId }).first();
          assert.ok(leaf && Number(leaf.leaf_index) >= before.size && Number(leaf.leaf_index) < after.size, JSON.stringify(leaf));
          assert.equal((await checkKept([before, after])).ok, true);
        } finally {
          if (!open.isCompleted()) await open.rollback();
        }
      });
    }

    if (engine === 'sqlite') {
      it('callgate audit witness --once cosigns, refuses a rewritten log, and audit verify --checkpoint proves the database against what it kept', async () => {
        const restore = await snapshot(db);
        const address = await gw.app.listen({ port: 0, host: '127.0.0.1' });
        try {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-cli-'));
          const keyFile = path.join(dir, 'witness-key.pem');
          fs.writeFileSync(keyFile, witnessKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
          const state = path.join(dir, 'state');
          const gatewayKey = gw.gate.audit.signer.keyId;
          const witnessCli = () => cli(['audit', 'witness', '--once', '--gateway', address, '--token', gw.token('auditor', null, 'witness'), '--key', keyFile, '--state', state, '--trust', gatewayKey], { DATA_DIR: dir });
          const first = await checkpoint();
          const one = await witnessCli();
          assert.equal(one.status, 0, one.stdout + one.stderr);
          assert.deepEqual([JSON.parse(one.stdout).size, JSON.parse(one.stdout).posted], [first.size, true]);
          for (let i = 0; i < 3; i++) await gw.decide(world, callee());
          const second = await checkpoint();
          const two = await witnessCli();
          assert.equal(two.status, 0, two.stdout + two.stderr);
          assert.deepEqual([JSON.parse(two.stdout).previousSize, JSON.parse(two.stdout).size], [first.size, second.size]);
          assert.equal((await gw.call('GET', `/v1/audit/checkpoints?size=${second.size}`, gw.admin)).json().cosignatures[0].keyId, witnessId);
          const verifyCli = () => cli(['audit', 'verify', '--checkpoint', state, '--trust', gatewayKey, '--witness-key', witnessId], { DATA_DIR: gw.gate.config.dataDir, INSTANCE_ID: 'auditor-cli' });
          const good = await verifyCli();
          assert.equal(good.status, 0, good.stdout + good.stderr);
          assert.match(JSON.parse(good.stdout).witnessed, new RegExp(`^records 1–${second.size} witnessed by ${witnessId}`));
          const exportCli = async () => {
            const manifest = (await gw.call('POST', '/v1/audit/exports', gw.admin, { format: 'ndjson' })).json().manifest as SignedManifest;
            const manifestFile = path.join(dir, `${manifest.id}.manifest.json`);
            fs.writeFileSync(manifestFile, JSON.stringify(manifest));
            const file = path.join(exportDir(gw.gate.config.dataDir), manifest.file.name);
            return cli(['audit', 'verify', '--file', file, '--manifest', manifestFile, '--trust', gatewayKey, '--checkpoint', state, '--witness-key', witnessId], { DATA_DIR: dir });
          };
          const offline = await exportCli();
          assert.equal(offline.status, 0, offline.stdout + offline.stderr);
          assert.match(JSON.parse(offline.stdout).witnessed, new RegExp(`^records 1–${second.size} witnessed by ${witnessId}`));
          // The operator rewrites a decision made between the two checkpoints and re-signs with the gateway key.
          const victim = await db('audit_events as e').join('audit_leaves as l', 'l.event_id', 'e.id').where('e.type', 'decision').andWhere('l.leaf_index', '>=', first.size).andWhere('l.leaf_index', '<', second.size).orderBy('l.leaf_index').first('e.*');
          await db('audit_events').where({ id: victim.id }).update({ payload: victim.payload.replace('"allow":false', '"allow":true') });
          await rehashChain(db, victim.chain_id, Number(victim.seq));
          await resignAsKeyHolder();
          const bad = await verifyCli();
          assert.equal(bad.status, 1, bad.stdout + bad.stderr);
          const found = JSON.parse(bad.stdout).firstBad;
          assert.equal(found.chain, victim.chain_id);
          assert.ok(found.fromSeq <= Number(victim.seq) && Number(victim.seq) <= found.toSeq, JSON.stringify(found));
          const rewritten = await exportCli();
          assert.equal(rewritten.status, 1, rewritten.stdout + rewritten.stderr);
          assert.equal(JSON.parse(rewritten.stdout).firstBad.chain, victim.chain_id);
          const refused = await witnessCli();
          assert.equal(refused.status, 1, refused.stdout + refused.stderr);
          assert.match(JSON.parse(refused.stdout).problem, /rewritten|does not extend|cut back/);
        } finally {
          await restore();
        }
      });
    }
  });
}
