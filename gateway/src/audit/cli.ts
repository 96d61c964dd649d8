import fs from 'node:fs';
import type { Config } from '../config';
import type { Actor } from '../storage/admin-log';
import type { Db } from '../storage/db';
import { isE164 } from '../numbers/phone';
import { EVENT_TYPES } from './events';
import type { ExportFilter, SignedManifest } from './export';
import { createExport } from './exports';
import type { Audit } from './open';
import { purgeExpired } from './purge';
import { sealChains } from './seals';
import { verifyDatabase } from './verify-db';
import { verifyExportFile } from './verify-file';
import { writePrivateFile } from '../storage/private-files';

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

/** callgate audit …: exports, offline verification, database verification, sealing, purge, key. */
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
      if (typeof o.file !== 'string' || typeof o.manifest !== 'string') throw kit.usage('audit verify needs --file and --manifest');
      if (!fs.existsSync(o.file)) throw kit.usage(`no export file ${o.file}`);
      const manifest = readJsonFile(o.manifest, 'manifest', kit) as SignedManifest;
      const keys = ((o['public-key'] as string[] | undefined) ?? []).map((k) => fs.readFileSync(k, 'utf8'));
      const report = await verifyExportFile(o.file, manifest, keys.length > 0 ? keys : null);
      kit.print(report);
      if (!report.ok) process.exitCode = 1;
      return;
    }
    case 'audit verify-db':
      return kit.withDb(config, async (db, audit) => {
        const report = await verifyDatabase(db);
        kit.print(report);
        if (!report.ok) process.exitCode = 1;
      });
    case 'audit seal':
      return kit.withDb(config, async (db, audit) => {
        const result = await sealChains(db, audit.signer);
        kit.print(result);
        if (result.refused.length > 0) process.exitCode = 1;
      });
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
