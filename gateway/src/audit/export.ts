import path from 'node:path';
import { iso, isoOrNull } from '../iso';
import type { Actor } from '../storage/admin-log';
import type { Db } from '../storage/db';
import { newId } from '../storage/ids';
import { canonicalJson } from './canonical';
import { ChainChecker, chainPages, hashBefore, type BadRecord, type StoredRow } from './chain-scan';
import type { ExportFormat, ExportLine } from './export-format';
import { ExportWriter } from './export-writer';
import type { Audit } from './open';
import { purgeCutoff } from './purge';
import { listSeals, publicKeys, sealSignatureValid, type Seal } from './seals';
import { ensurePrivateDir } from '../storage/private-files';

export interface ExportFilter {
  from?: number;
  to?: number;
  tenantId?: string;
  callee?: string;
  campaignId?: string;
  types?: string[];
}

export interface ExportRequest {
  filter: ExportFilter;
  format: ExportFormat;
  pseudonymise: boolean;
  exportedBy: Actor;
}

export interface ChainManifest {
  chain: string;
  firstSeq: number;
  lastSeq: number;
  /** The hash the first exported record links to (the record before it is outside the export). */
  prevHash: string;
  firstHash: string;
  lastHash: string;
  records: number;
  omitted: number;
}

export interface ManifestBody {
  version: 'callgate-audit-export/1';
  id: string;
  createdAt: string;
  exportedBy: Actor;
  filter: { from: string | null; to: string | null; tenantId: string | null; callee: string | null; calleeTag: string | null; campaignId: string | null; types: string[] | null };
  format: ExportFormat;
  pseudonymised: boolean;
  file: { name: string; bytes: number; lines: number; sha256: string };
  counts: { records: number; purged: number; pseudonymised: number; omitted: number };
  chains: ChainManifest[];
  seals: Seal[];
  /** What the gateway found while reading the records it exported. */
  integrity: { ok: boolean; firstBad: BadRecord | null };
  keys: { keyId: string; publicKey: string }[];
}

export interface SignedManifest extends ManifestBody {
  signature: { alg: 'Ed25519'; keyId: string; value: string };
}

/** Signs everything but the signature: canonical JSON, so `jq -cjS 'del(.signature)'` gives the same bytes. */
export function signManifest(body: ManifestBody, audit: Pick<Audit, 'signer'>): SignedManifest {
  return { ...body, signature: { alg: 'Ed25519', keyId: audit.signer.keyId, value: audit.signer.sign(canonicalJson(body)) } };
}

function matches(row: StoredRow, f: ExportFilter, calleeTag: string | null): boolean {
  const at = Number(row.at);
  if (f.from !== undefined && at < f.from) return false;
  if (f.to !== undefined && at > f.to) return false;
  if (f.tenantId !== undefined && row.tenant_id !== f.tenantId) return false;
  if (calleeTag !== null && row.callee_tag !== calleeTag) return false;
  if (f.campaignId !== undefined && row.campaign_id !== f.campaignId) return false;
  if (f.types && !f.types.includes(row.type)) return false;
  return true;
}

/** For each chain, the first and last record matching the filter: the range an export must cover. */
async function chainRanges(db: Db, f: ExportFilter, calleeTag: string | null): Promise<{ chain: string; lo: number; hi: number }[]> {
  const query = db('audit_events').select('chain_id').min({ lo: 'seq' }).max({ hi: 'seq' }).groupBy('chain_id').orderBy('chain_id');
  if (f.from !== undefined) query.where('at', '>=', f.from);
  if (f.to !== undefined) query.where('at', '<=', f.to);
  if (f.tenantId !== undefined) query.where('tenant_id', f.tenantId);
  if (calleeTag !== null) query.where('callee_tag', calleeTag);
  if (f.campaignId !== undefined) query.where('campaign_id', f.campaignId);
  if (f.types) query.whereIn('type', f.types);
  return (await query).map((r: Record<string, unknown>) => ({ chain: r.chain_id as string, lo: Number(r.lo), hi: Number(r.hi) }));
}

/**
 * Streams the trail records matching a filter to a file under `dir`, with flat memory, and returns
 * its signed manifest. Within each chain, records between the first and the last match that do
 * not match are written as omitted runs (count and the hash of the run's last record), so the
 * exported records still link to one another; every record read, omitted or not, is re-verified
 * on the way and the result is part of the manifest.
 */
export async function writeExport(db: Db, audit: Audit, dir: string, request: ExportRequest): Promise<SignedManifest> {
  const { filter, format, pseudonymise } = request;
  const calleeTag = filter.callee ? audit.pseudonyms.tag(filter.callee) : null;
  const id = newId('exp');
  ensurePrivateDir(dir);
  const name = `${id}.${format}`;
  const out = new ExportWriter(path.join(dir, name), format);
  const counts = { records: 0, purged: 0, pseudonymised: 0, omitted: 0 };
  const chains: ChainManifest[] = [];
  const coveredSeals: Seal[] = [];
  const allSeals = await listSeals(db);
  const keys = await publicKeys(db);
  const purgedBefore = await purgeCutoff(db);
  async function writeLines(): Promise<BadRecord | null> {
    let firstBad: BadRecord | null = null;
    for (const range of await chainRanges(db, filter, calleeTag)) {
      const seals = allSeals.filter((s) => s.chain === range.chain && s.seq >= range.lo && s.seq <= range.hi);
      const prevHash = (await hashBefore(db, range.chain, range.lo)) ?? '';
      const checker = new ChainChecker(range.chain, range.lo, prevHash, new Set(seals.map((s) => s.seq)), purgedBefore);
      const entry: ChainManifest = { chain: range.chain, firstSeq: range.lo, lastSeq: range.hi, prevHash, firstHash: '', lastHash: '', records: 0, omitted: 0 };
      if (!prevHash) checker.fail(range.lo - 1, `record ${range.lo - 1}, which the export starts after, is missing`);
      let run: ExportLine | null = null;
      let last = prevHash;
      for await (const page of chainPages(db, range.chain, range.lo, range.hi)) {
        for (const row of page) {
          const link = checker.check(row);
          if (!matches(row, filter, calleeTag)) {
            run ??= { kind: 'omitted', chain: range.chain, fromSeq: Number(row.seq), toSeq: 0, at: null, type: null, hash: '', link: null, payload: null };
            run.toSeq = Number(row.seq);
            run.hash = row.hash;
            entry.omitted++;
          } else {
            if (run) out.exportLine(run);
            run = null;
            writeRecord(out, row, link, pseudonymise, audit, counts);
            if (entry.records === 0) entry.firstHash = row.hash;
            entry.records++;
          }
          last = row.hash;
        }
      }
      entry.lastHash = last;
      if (checker.lastSeq !== range.hi) checker.fail(checker.lastSeq + 1, `records ${checker.lastSeq + 1}..${range.hi} are missing`);
      for (const seal of seals) {
        if (!sealSignatureValid(seal, keys) || checker.hashesAt.get(seal.seq) !== seal.hash) checker.fail(seal.seq, `record ${seal.seq} differs from its seal`);
      }
      firstBad ??= checker.firstBad;
      counts.omitted += entry.omitted;
      coveredSeals.push(...seals);
      chains.push(entry);
    }
    return firstBad;
  }
  let firstBad: BadRecord | null = null;
  try {
    firstBad = await writeLines();
  } catch (error) {
    out.discard();
    throw error;
  }
  const sha = out.close();
  const keyIds = new Set([audit.signer.keyId, ...coveredSeals.map((s) => s.keyId)]);
  const body: ManifestBody = {
    version: 'callgate-audit-export/1',
    id,
    createdAt: iso(Date.now()),
    exportedBy: request.exportedBy,
    filter: {
      from: isoOrNull(filter.from ?? null),
      to: isoOrNull(filter.to ?? null),
      tenantId: filter.tenantId ?? null,
      callee: filter.callee ? (pseudonymise ? `pn_${calleeTag}` : filter.callee) : null,
      calleeTag,
      campaignId: filter.campaignId ?? null,
      types: filter.types ?? null,
    },
    format,
    pseudonymised: pseudonymise,
    file: { name, bytes: out.bytes, lines: out.lines, sha256: sha },
    counts,
    chains,
    seals: coveredSeals,
    integrity: { ok: firstBad === null, firstBad },
    keys: [...keyIds].map((keyId) => ({ keyId, publicKey: keyId === audit.signer.keyId ? audit.signer.publicKeyPem : keys.get(keyId) ?? '' })),
  };
  return signManifest(body, audit);
}

function writeRecord(out: ExportWriter, row: StoredRow, link: string, pseudonymise: boolean, audit: Audit, counts: ManifestBody['counts']): void {
  counts.records++;
  if (row.payload === null) counts.purged++;
  if (row.payload === null || !pseudonymise) return out.storedRecord(row, link);
  counts.pseudonymised++;
  const seq = Number(row.seq);
  const payload = audit.pseudonyms.text(row.payload.toString('utf8'));
  out.exportLine({ kind: 'pseudonymised', chain: row.chain_id, fromSeq: seq, toSeq: seq, at: iso(Number(row.at)), type: row.type, hash: row.hash, link, payload });
}
