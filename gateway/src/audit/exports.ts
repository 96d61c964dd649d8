import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';
import type { Db } from '../storage/db';
import { writeExport, type ExportRequest, type SignedManifest } from './export';
import type { Audit } from './open';

export const exportDir = (dataDir: string): string => path.join(dataDir, 'exports');

/**
 * An export for an auditor: the file and its signed manifest, kept under DATA_DIR/exports, and an
 * audit.export event naming who exported what (and, for one person's export, whose data).
 */
export async function createExport(db: Db, audit: Audit, dataDir: string, request: ExportRequest): Promise<SignedManifest> {
  const manifest = await writeExport(db, audit, exportDir(dataDir), request);
  const { filter, exportedBy } = request;
  await audit.trail.record(db, async (trx) => {
    await trx('audit_exports').insert({
      id: manifest.id,
      tenant_id: filter.tenantId ?? null,
      created_by: exportedBy.subject,
      created_at: Date.parse(manifest.createdAt),
      file: manifest.file.name,
      manifest: JSON.stringify(manifest),
    });
    const payload = { exportId: manifest.id, exportedBy, filter: manifest.filter, format: manifest.format, pseudonymised: manifest.pseudonymised, counts: manifest.counts, file: manifest.file };
    return { result: undefined, events: [{ type: 'audit.export', tenantId: filter.tenantId ?? exportedBy.tenantId, callee: filter.callee ?? null, subjectId: manifest.id, payload }] };
  });
  return manifest;
}

/** An export's manifest and file, for the tenant it was made for (a gateway-wide token sees all). */
export async function findExport(db: Db, dataDir: string, id: string, tenantId: string | null): Promise<{ manifest: SignedManifest; file: string }> {
  const row = await db('audit_exports').where({ id }).first();
  if (!row) throw new AppError('EXPORT_NOT_FOUND', `No export ${id}`);
  if (tenantId && row.tenant_id !== tenantId) throw new AppError('FORBIDDEN_TENANT', 'This export was made for another tenant or for the whole gateway');
  const file = path.join(exportDir(dataDir), path.basename(row.file));
  return { manifest: JSON.parse(row.manifest), file };
}

export function exportFileExists(file: string): boolean {
  return fs.existsSync(file);
}
