import fs from 'node:fs';
import type { Config } from '../config';
import type { Actor } from '../storage/admin-log';
import type { Db } from '../storage/db';
import { isE164 } from '../numbers/phone';
import { EVENT_TYPES } from './events';
import type { ExportFilter, SignedManifest } from './export';
import { createExport } from './exports';
import type { Audit } from './open';
import { checkpointTrail } from './checkpoints';
import { trustOf } from './open';
import { purgeExpired } from './purge';
import { sealChains } from './seals';
import { TrustedKeys, TrustError } from './trust';
import { verifyDatabase, type Trust } from './verify-db';
import { verifyDbAgainstCheckpoints } from './verify-checkpoint';
import { verifyExportAgainstCheckpoints } from './verify-export-checkpoint';
import { verifyExportFile } from './verify-file';
import { writePrivateFile } from '../storage/private-files';
import { readCheckpoints, witnessOnce, WitnessError } from './witness';

interface CliKit {
  withDb<T>(config: Config, work: (db: Db, audit: Audit) => Promise<T>): Promise<T>;
  print(value: unknown): void;
  usage(message: string): Error;
  operator(): Actor;
}

function instantOption(o: Record<string, unknown>, name: string, kit: CliKit): number | undefined {
  const raw = o[name];
  if (typeof raw !== 'string') return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw kit.usage(`--${name} must be an ISO 8601 instant, e.g. 2026-11-01T00:00:00Z`);
  return ms;
}

function exportFilter(o: Record<string, unknown>, kit: CliKit): ExportFilter {
  const types = typeof o.types === 'string' ? o.types.split(',').map((t) => t.trim()).filter(Boolean) : undefined;
  const unknown = types?.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t)) ?? [];
  if (unknown.length > 0) throw kit.usage(`unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
  if (typeof o.callee === 'string' && !isE164(o.callee)) throw kit.usage('--callee must be an E.164 number, e.g. +8613800138000');
  return {
    from: instantOption(o, 'from', kit),
    to: instantOption(o, 'to', kit),
    tenantId: o.tenant as string | undefined,
    callee: o.callee as string | undefined,
    campaignId: o.campaign as string | undefined,
    types,
  };
}

function readJsonFile(file: string, what: string, kit: CliKit): unknown {
  if (!fs.existsSync(file)) throw kit.usage(`no ${what} ${file}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw kit.usage(`${file} is not JSON`);
  }
}

const many = (o: Record<string, unknown>, name: string): string[] => (o[name] as string[] | undefined) ?? [];

function trustOption(o: Record<string, unknown>, name: string, kit: CliKit): TrustedKeys {
  try {
    return TrustedKeys.parse(many(o, name));
  } catch (error) {
    if (error instanceof TrustError) throw kit.usage(`--${name}: ${error.message}`);
    throw error;
  }
}

/** The keys an auditor pinned on the command line; without --trust, the gateway's own configured keys (the operator checking itself). */
function cliTrust(o: Record<string, unknown>, kit: CliKit, audit?: Audit): Trust {
  const gateway = trustOption(o, 'trust', kit);
  const witnesses = trustOption(o, 'witness-key', kit);
  if (gateway.size > 0 || !audit) return { gateway, witnesses };
  const own = trustOf(audit);
  for (const fp of witnesses.fingerprints()) own.witnesses.pin(fp);
  return own;
}

function checkpointsOption(o: Record<string, unknown>, kit: CliKit) {
  try {
    return readCheckpoints(many(o, 'checkpoint'));
  } catch (error) {
    if (error instanceof WitnessError || error instanceof SyntaxError) throw kit.usage(`--checkpoint: ${error.message}`);
    throw error;
  }
}

async function verifyFile(o: Record<string, unknown>, kit: CliKit): Promise<void> {
  if (typeof o.manifest !== 'string') throw kit.usage('audit verify --file needs --manifest');
  if (!fs.existsSync(o.file as string)) throw kit.usage(`no export file ${o.file}`);
  const manifest = readJsonFile(o.manifest, 'manifest', kit) as SignedManifest;
  const trust = cliTrust(o, kit);
  for (const k of many(o, 'public-key')) trust.gateway.pinKey(fs.readFileSync(k, 'utf8'));
  if (trust.gateway.size === 0) throw kit.usage('pin the gateway key: --trust <fingerprint or PEM file> (obtained separately from the operator)');
  // A pinned fingerprint's PEM may come from the manifest: accepted only because the fingerprint matches.
  trust.gateway.offer((manifest.keys ?? []).map((k) => k.publicKey));
  const keys = [...trust.gateway.keys().values()];
  const report: Record<string, unknown> & { ok: boolean } = { ...(await verifyExportFile(o.file as string, manifest, keys.length > 0 ? keys : null)) };
  const kept = checkpointsOption(o, kit);
  if (kept.length > 0 && report.ok) {
    const proof = await verifyExportAgainstCheckpoints(o.file as string, manifest, kept, trust.gateway, trust.witnesses);
    report.checkpoints = proof;
    report.witnessed = proof.witnessed;
    if (!proof.ok) Object.assign(report, { ok: false, firstBad: proof.firstBad });
  }
  kit.print(report);
  if (!report.ok) process.exitCode = 1;
}

/** callgate audit …: exports, offline verification, database verification, sealing, checkpoints, witnessing, purge, key. */
export async function runAuditCommand(command: string, config: Config, o: Record<string, unknown>, kit: CliKit): Promise<void> {
  switch (command) {
    case 'audit export':
      return kit.withDb(config, async (db, audit) => {
        const format = (o.format ?? 'ndjson') as 'ndjson' | 'csv';
        if (format !== 'ndjson' && format !== 'csv') throw kit.usage('--format must be ndjson or csv');
        const manifest = await createExport(db, audit, config.dataDir, { filter: exportFilter(o, kit), format, pseudonymise: Boolean(o.pseudonymise), exportedBy: kit.operator() });
        const file = `${config.dataDir}/exports/${manifest.file.name}`;
        const manifestFile = `${config.dataDir}/exports/${manifest.id}.manifest.json`;
        writePrivateFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
        kit.print({ id: manifest.id, file, manifest: manifestFile, counts: manifest.counts, integrity: manifest.integrity });
      });
    case 'audit verify': {
      if (typeof o.file === 'string') return verifyFile(o, kit);
      if (many(o, 'checkpoint').length === 0) throw kit.usage('audit verify needs --file and --manifest (an export), or --checkpoint (the database)');
      const kept = checkpointsOption(o, kit);
      return kit.withDb(config, async (db, audit) => {
        const trust = cliTrust(o, kit, audit);
        const report: Record<string, unknown> & { ok: boolean; firstBad?: unknown } = { ...(await verifyDatabase(db, { gateway: trust.gateway.clone(), witnesses: trust.witnesses.clone() })) };
        const proof = await verifyDbAgainstCheckpoints(db, kept, trust.gateway, trust.witnesses);
        // The kept checkpoints are the anchor: their finding comes first.
        Object.assign(report, { kept: proof, witnessed: proof.witnessed, ok: report.ok && proof.ok, firstBad: proof.firstBad ?? report.firstBad });
        kit.print(report);
        if (!report.ok) process.exitCode = 1;
      });
    }
    case 'audit verify-db':
      return kit.withDb(config, async (db, audit) => {
        const report = await verifyDatabase(db, cliTrust(o, kit, audit));
        kit.print(report);
        if (!report.ok) process.exitCode = 1;
      });
    case 'audit seal':
      return kit.withDb(config, async (db, audit) => {
        const result = await sealChains(db, audit.signer);
        const checkpoint = await checkpointTrail(db, audit.signer, audit.origin);
        kit.print({ ...result, checkpoint: checkpoint.checkpoint && { size: checkpoint.checkpoint.size, root: checkpoint.checkpoint.root }, checkpointRefused: checkpoint.refused });
        if (result.refused.length > 0 || checkpoint.refused) process.exitCode = 1;
      });
    case 'audit checkpoint':
      return kit.withDb(config, async (db, audit) => {
        const result = await checkpointTrail(db, audit.signer, audit.origin);
        kit.print(result);
        if (result.refused) process.exitCode = 1;
      });
    case 'audit witness':
      return witness(o, kit);
    case 'audit purge':
      return kit.withDb(config, async (db, audit) => kit.print({ purged: await purgeExpired(db, audit.trail, config.audit.retentionDays), retentionDays: config.audit.retentionDays }));
    case 'audit public-key':
      return kit.withDb(config, async (_db, audit) => {
        process.stdout.write(audit.signer.publicKeyPem);
      });
    default:
      throw kit.usage(`unknown command "${command}"`);
  }
}

/** Runs on the auditor's machine: no database, no gateway configuration, only the gateway's API. */
async function witness(o: Record<string, unknown>, kit: CliKit): Promise<void> {
  for (const name of ['gateway', 'token', 'key', 'state']) if (typeof o[name] !== 'string') throw kit.usage(`audit witness needs --${name}`);
  const trust = trustOption(o, 'trust', kit);
  if (trust.size === 0) throw kit.usage('audit witness needs --trust: the gateway key fingerprint or PEM file, obtained separately');
  const interval = o.interval === undefined ? 60 : Number(o.interval);
  if (!Number.isFinite(interval) || interval < 1) throw kit.usage('--interval must be a number of seconds, at least 1');
  const options = { gateway: o.gateway as string, token: o.token as string, keyFile: o.key as string, stateDir: o.state as string, trust };
  if (!fs.existsSync(options.keyFile)) throw kit.usage(`no witness key ${options.keyFile} (an Ed25519 private key: openssl genpkey -algorithm ed25519)`);
  for (;;) {
    try {
      kit.print(await witnessOnce(options));
    } catch (error) {
      if (!(error instanceof WitnessError)) throw error;
      // A rewrite is what a witness exists to catch: say so and stop, whatever the mode.
      kit.print({ ok: false, problem: error.message });
      process.exitCode = 1;
      return;
    }
    if (o.once) return;
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
  }
}
