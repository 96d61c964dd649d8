import type { Db } from '../storage/db';
import type { Checkpoint } from './checkpoint-format';
import { findCheckpoint } from './checkpoints';
import { leafPages } from './proofs';

/**
 * What a full export carries to prove its records against checkpoints: the newest checkpoint when
 * it began, and the leaf order of that checkpoint's tree as runs [chain index, first seq, count]
 * (a batch of one chain is consecutive leaves, so runs are long). Every leaf below the checkpoint
 * is a record of the export: records are only ever added.
 */
export interface ExportTree {
  checkpoint: Checkpoint;
  chains: string[];
  runs: [number, number, number][];
}

export async function exportTree(db: Db): Promise<ExportTree | undefined> {
  const checkpoint = await findCheckpoint(db);
  if (!checkpoint) return undefined;
  const chains: string[] = [];
  const index = new Map<string, number>();
  const runs: [number, number, number][] = [];
  for await (const page of leafPages(db, checkpoint.size)) {
    for (const leaf of page) {
      let ci = index.get(leaf.chain);
      if (ci === undefined) {
        ci = chains.push(leaf.chain) - 1;
        index.set(leaf.chain, ci);
      }
      const last = runs[runs.length - 1];
      if (last && last[0] === ci && last[1] + last[2] === leaf.seq) last[2]++;
      else runs.push([ci, leaf.seq, 1]);
    }
  }
  return { checkpoint, chains, runs };
}

/** The (chain, seq) of each leaf in order, from the runs. */
export function* treeLeaves(tree: ExportTree): Generator<{ chain: string; seq: number }> {
  for (const [ci, from, count] of tree.runs) for (let s = from; s < from + count; s++) yield { chain: tree.chains[ci], seq: s };
}
