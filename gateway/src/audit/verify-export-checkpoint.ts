import fs from 'node:fs';
import readline from 'node:readline';
import type { Checkpoint } from './checkpoint-format';
import type { SignedManifest } from './export';
import { parseLine } from './export-format';
import { treeLeaves } from './export-tree';
import type { SequencedRecord } from './proofs';
import type { TrustedKeys } from './trust';
import { verifyAgainstCheckpoints, type CheckpointsReport, type RecordSource } from './verify-checkpoint';

const PAGE = 20_000;

/**
 * An export file as a source of records for checkpoint verification: every record's hash by chain
 * and sequence number, and the leaf order the (signed) manifest gives. Run it after
 * verifyExportFile, which proves that the file is the signed one and its chains link.
 */
async function exportRecords(file: string, manifest: SignedManifest): Promise<RecordSource> {
  const hashes = new Map<string, Map<number, string>>();
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let first = true;
  for await (const text of lines) {
    if (first && manifest.format === 'csv') {
      first = false;
      continue;
    }
    first = false;
    if (text === '') continue;
    const line = parseLine(text, manifest.format);
    let chain = hashes.get(line.chain);
    if (!chain) hashes.set(line.chain, (chain = new Map()));
    // An omitted run proves only its last record's hash.
    chain.set(line.toSeq, line.hash);
  }
  const tree = manifest.tree;
  return {
    hashAt: async (chain, seq) => hashes.get(chain)?.get(seq) ?? null,
    lastSeq: async (chain) => Math.max(0, ...(hashes.get(chain)?.keys() ?? [])),
    leaves: (size) => {
      if (!tree || manifest.counts.omitted > 0) return null;
      return (async function* () {
        let page: SequencedRecord[] = [];
        let leafIndex = 0;
        for (const { chain, seq } of treeLeaves(tree)) {
          if (leafIndex >= size) break;
          const hash = hashes.get(chain)?.get(seq);
          if (hash !== undefined) page.push({ leafIndex, chain, seq, hash });
          leafIndex++;
          if (page.length >= PAGE) {
            yield page;
            page = [];
          }
        }
        yield page;
      })();
    },
  };
}

/**
 * Proves that an export extends checkpoints an auditor kept: each kept checkpoint's chain heads
 * are records of the export, and its Merkle root is recomputed from the export's records in the
 * leaf order of the manifest's own checkpoint (itself checked the same way).
 */
export async function verifyExportAgainstCheckpoints(file: string, manifest: SignedManifest, kept: Checkpoint[], gateway: TrustedKeys, witnesses: TrustedKeys): Promise<CheckpointsReport> {
  const source = await exportRecords(file, manifest);
  const all = manifest.tree ? [...kept, manifest.tree.checkpoint] : kept;
  const report = await verifyAgainstCheckpoints(source, all, gateway, witnesses);
  const beyond = kept.find((cp) => manifest.tree && cp.size > manifest.tree.checkpoint.size);
  if (beyond) {
    report.problems.push({ size: beyond.size, problem: `the export was made from a tree of ${manifest.tree!.checkpoint.size} records, smaller than the kept checkpoint of ${beyond.size}: the trail was cut back, or export again` });
    report.firstBad ??= report.problems[report.problems.length - 1];
    report.ok = false;
  }
  return report;
}
