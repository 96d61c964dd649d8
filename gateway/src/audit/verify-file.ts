import crypto from 'node:crypto';
import fs from 'node:fs';
import { canonicalJson, LinkError, parseLink, sha256 } from './canonical';
import type { ManifestBody, SignedManifest } from './export';
import { CSV_HEADER, parseLine, type ExportLine } from './export-format';
import { LineScanner, type ScannedLine } from './export-scan';
import { keyIdOf, verifySignature } from './keys';
import { sealSignatureValid } from './seals';

export interface FileProblem {
  /** 1-based line of the export file; 0 for the manifest or the file as a whole. */
  line: number;
  chain?: string;
  seq?: number;
  problem: string;
}

export interface FileVerifyReport {
  ok: boolean;
  lines: number;
  records: number;
  chains: number;
  /** Records whose payload could not be checked: purged, or pseudonymised. */
  payloadsUnchecked: number;
  sealsChecked: number;
  firstBad?: FileProblem;
  warnings: string[];
}

interface ChainState {
  expectedSeq: number;
  prev: string;
  records: number;
  omitted: number;
}

/**
 * Checks an export against its manifest without the database or callgate's code paths for
 * writing: the manifest's signature (with a trusted public key), every record's hash recomputed
 * from its link and every payload from its bytes, consecutive sequence numbers linking each record
 * to the one before, every record inside the filter, the seals covered, the counts, and the file's
 * SHA-256. Reports the first bad line: an edit, a deletion, an insertion, a reordering or a cut tail.
 */
export async function verifyExportFile(file: string, manifest: SignedManifest, trustedKeys: string[] | null): Promise<FileVerifyReport> {
  const report: FileVerifyReport = { ok: false, lines: 0, records: 0, chains: 0, payloadsUnchecked: 0, sealsChecked: 0, warnings: [] };
  const bad = (problem: FileProblem): FileVerifyReport => {
    report.firstBad ??= problem;
    return report;
  };
  const keys = manifestKeys(manifest, trustedKeys, report);
  const signatureProblem = checkSignature(manifest, keys);
  if (signatureProblem) return bad({ line: 0, problem: signatureProblem });
  if (!manifest.integrity.ok) return bad({ line: 0, ...(manifest.integrity.firstBad ?? {}), problem: `the gateway found the trail altered while exporting: ${manifest.integrity.firstBad?.problem}` });

  const chains = new Map(manifest.chains.map((c) => [c.chain, c]));
  const sealsAt = new Map(manifest.seals.map((s) => [`${s.chain}|${s.seq}`, s]));
  for (const seal of manifest.seals) {
    if (!sealSignatureValid(seal, keys)) return bad({ line: 0, chain: seal.chain, seq: seal.seq, problem: 'a seal in the manifest has no valid signature' });
  }
  const order = manifest.chains.map((c) => c.chain);
  let chainIndex = -1;
  let state: ChainState | null = null;
  const counts = { records: 0, purged: 0, pseudonymised: 0, omitted: 0 };
  const fileHash = crypto.createHash('sha256');
  const lines = readLines(file, fileHash);
  const closeChain = (lineNo: number): FileProblem | null => {
    if (!state) return null;
    const expected = chains.get(order[chainIndex])!;
    if (state.expectedSeq - 1 !== expected.lastSeq) return { line: lineNo, chain: expected.chain, seq: state.expectedSeq, problem: `chain ends at ${state.expectedSeq - 1}, the manifest says ${expected.lastSeq}: records are missing` };
    if (state.prev !== expected.lastHash) return { line: lineNo, chain: expected.chain, seq: expected.lastSeq, problem: 'the last hash differs from the manifest' };
    if (state.records !== expected.records || state.omitted !== expected.omitted) return { line: lineNo, chain: expected.chain, problem: 'record counts differ from the manifest' };
    return null;
  };

  let problem: FileProblem | null = null;
  let lineNo = 0;
  const scanner = new LineScanner();
  for await (const bytes of lines) {
    lineNo++;
    if (problem) continue; // keep reading, so the file hash and line count are complete
    if (lineNo === 1 && manifest.format === 'csv') {
      if (bytes.toString('utf8') !== CSV_HEADER) problem = { line: 1, problem: 'not the CSV header callgate writes' };
      continue;
    }
    let line: ExportLine | ScannedLine;
    try {
      // Lines as the writer lays them out are read from their bytes; any other goes through the full parser.
      line = scanner.scan(bytes, manifest.format) ?? parseLine(bytes.toString('utf8'), manifest.format);
    } catch (error) {
      problem = { line: lineNo, problem: `unreadable line: ${(error as Error).message}` };
      continue;
    }
    if (!state || line.chain !== order[chainIndex]) {
      problem = closeChain(lineNo);
      if (problem) continue;
      chainIndex++;
      const next = chains.get(order[chainIndex] ?? '');
      if (!next || next.chain !== line.chain) {
        problem = { line: lineNo, chain: line.chain, seq: line.fromSeq, problem: `chain ${line.chain} is not expected here (manifest order: ${order.join(', ')})` };
        continue;
      }
      state = { expectedSeq: next.firstSeq, prev: next.prevHash, records: 0, omitted: 0 };
    }
    problem = checkLine(line, lineNo, state, manifest, sealsAt, report, counts);
  }
  report.lines = lineNo;
  if (problem) return bad(problem);
  problem = closeChain(lineNo + 1);
  if (problem) return bad(problem);
  if (chainIndex + 1 < order.length) return bad({ line: lineNo + 1, chain: order[chainIndex + 1], problem: 'the file ends before this chain: its records are missing' });
  if (JSON.stringify(counts) !== JSON.stringify(manifest.counts)) return bad({ line: 0, problem: `counts ${JSON.stringify(counts)} differ from the manifest's ${JSON.stringify(manifest.counts)}` });
  if (lineNo !== manifest.file.lines) return bad({ line: 0, problem: `${lineNo} lines, the manifest says ${manifest.file.lines}` });
  if (fileHash.digest('hex') !== manifest.file.sha256) return bad({ line: 0, problem: 'the file differs from the one the manifest signed (SHA-256)' });
  report.chains = order.length;
  report.records = counts.records;
  report.ok = true;
  return report;
}

function checkLine(
  line: ExportLine | ScannedLine,
  lineNo: number,
  state: ChainState,
  manifest: ManifestBody,
  sealsAt: Map<string, ManifestBody['seals'][number]>,
  report: FileVerifyReport,
  counts: ManifestBody['counts'],
): FileProblem | null {
  const at = (problem: string, seq = line.fromSeq): FileProblem => ({ line: lineNo, chain: line.chain, seq, problem });
  if (line.fromSeq !== state.expectedSeq) {
    return at(line.fromSeq > state.expectedSeq ? `records ${state.expectedSeq}..${line.fromSeq - 1} are missing` : `record ${line.fromSeq} is out of order or repeated`, state.expectedSeq);
  }
  if (line.kind === 'omitted') {
    if (line.toSeq < line.fromSeq || !/^[0-9a-f]{64}$/.test(line.hash)) return at('a malformed omitted run');
    state.omitted += line.toSeq - line.fromSeq + 1;
    counts.omitted += line.toSeq - line.fromSeq + 1;
    state.prev = line.hash;
    state.expectedSeq = line.toSeq + 1;
    return checkSeal(line.chain, line.toSeq, line.hash, sealsAt, report, at);
  }
  if (line.toSeq !== line.fromSeq || line.link === null) return at('a record without its link');
  let link;
  try {
    link = parseLink(line.link);
  } catch (error) {
    return at(`its link is unreadable: ${(error as LinkError).message}`);
  }
  if (link.chain !== line.chain || link.seq !== line.fromSeq) return at('its link names another chain or position');
  const scanned = 'payloadBytes' in line;
  if (sha256(scanned && line.linkBytes ? line.linkBytes : line.link) !== line.hash) return at('its link differs from what was hashed');
  if (link.prevHash !== state.prev) return at('it does not follow the record before it');
  if (line.kind === 'record') {
    const payload = scanned ? line.payloadBytes : line.payload;
    if (payload === null || sha256(payload) !== link.payloadHash) return at('its payload differs from what was hashed');
  } else {
    report.payloadsUnchecked++;
    if (line.kind === 'purged') counts.purged++;
    else counts.pseudonymised++;
  }
  const outside = outsideFilter(link, manifest.filter);
  if (outside) return at(`it is outside the export's filter (${outside})`);
  counts.records++;
  state.records++;
  state.prev = line.hash;
  state.expectedSeq = line.fromSeq + 1;
  return checkSeal(line.chain, line.fromSeq, line.hash, sealsAt, report, at);
}

function checkSeal(
  chain: string,
  seq: number,
  hash: string,
  sealsAt: Map<string, ManifestBody['seals'][number]>,
  report: FileVerifyReport,
  at: (problem: string, seq?: number) => FileProblem,
): FileProblem | null {
  // Most records are not sealed: skip building the key unless some seal is at this sequence number.
  if (!sealedSeqs(sealsAt).has(seq)) return null;
  const seal = sealsAt.get(`${chain}|${seq}`);
  if (!seal) return null;
  report.sealsChecked++;
  return seal.hash === hash ? null : at(`record ${seq} differs from its seal of ${new Date(seal.sealedAt).toISOString()}`, seq);
}

/** The filter's instants, parsed once per manifest rather than once per record. */
const filterInstants = new WeakMap<ManifestBody['filter'], { from: number; to: number }>();

const sealedSeqsOf = new WeakMap<Map<string, unknown>, Set<number>>();

function sealedSeqs(sealsAt: Map<string, ManifestBody['seals'][number]>): Set<number> {
  let seqs = sealedSeqsOf.get(sealsAt);
  if (!seqs) {
    seqs = new Set([...sealsAt.values()].map((s) => s.seq));
    sealedSeqsOf.set(sealsAt, seqs);
  }
  return seqs;
}

function outsideFilter(link: ReturnType<typeof parseLink>, f: ManifestBody['filter']): string | null {
  let instants = filterInstants.get(f);
  if (!instants) {
    instants = { from: f.from === null ? -Infinity : Date.parse(f.from), to: f.to === null ? Infinity : Date.parse(f.to) };
    filterInstants.set(f, instants);
  }
  if (link.at < instants.from) return 'before from';
  if (link.at > instants.to) return 'after to';
  if (f.tenantId !== null && link.tenantId !== f.tenantId) return 'another tenant';
  if (f.calleeTag !== null && link.calleeTag !== f.calleeTag) return 'another callee';
  if (f.campaignId !== null && link.campaignId !== f.campaignId) return 'another campaign';
  if (f.types !== null && !f.types.includes(link.type)) return 'another event type';
  return null;
}

/** The keys to trust: those given, or else (with a warning) those the manifest carries. */
function manifestKeys(manifest: SignedManifest, trusted: string[] | null, report: FileVerifyReport): Map<string, string> {
  if (trusted && trusted.length > 0) return new Map(trusted.map((pem) => [keyIdOf(crypto.createPublicKey(pem)), pem]));
  report.warnings.push('no public key given: the manifest was checked against the key it carries; obtain the gateway key separately (callgate audit public-key) to rule out a forged manifest and export');
  return new Map((manifest.keys ?? []).map((k) => [k.keyId, k.publicKey]));
}

function checkSignature(manifest: SignedManifest, keys: Map<string, string>): string | null {
  const { signature, ...body } = manifest;
  if (!signature || signature.alg !== 'Ed25519') return 'the manifest is not signed';
  const key = keys.get(signature.keyId);
  if (!key) return `the manifest is signed with key ${signature.keyId}, which is not trusted`;
  if (!verifySignature(key, canonicalJson(body), signature.value)) return 'the manifest signature is not valid: it was altered or forged';
  return null;
}

/**
 * The file's lines as views of its bytes, split on LF, while every byte read goes into the file's
 * hash. A view is valid until the next line is asked for.
 */
async function* readLines(file: string, hash: crypto.Hash): AsyncGenerator<Buffer> {
  let rest: Buffer | null = null;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    const buffer: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = buffer.indexOf(10, start); end >= 0; end = buffer.indexOf(10, start)) {
      yield buffer.subarray(start, end);
      start = end + 1;
    }
    rest = start < buffer.length ? buffer.subarray(start) : null;
  }
  if (rest) yield rest;
}
