import type { Db } from '../storage/db';
import { sealBytes } from './canonical';
import { ChainChecker, chainPages, type BadRecord } from './chain-scan';
import { verifySignature, type AuditSigner } from './keys';

export interface Seal {
  chain: string;
  seq: number;
  hash: string;
  sealedAt: number;
  keyId: string;
  signature: string;
}

const toSeal = (r: Record<string, any>): Seal => ({
  chain: r.chain_id,
  seq: Number(r.seq),
  hash: r.hash,
  sealedAt: Number(r.sealed_at),
  keyId: r.key_id,
  signature: r.signature,
});

export async function listSeals(db: Db, chainId?: string): Promise<Seal[]> {
  const query = db('audit_seals').orderBy(['chain_id', 'seq']);
  return (await (chainId ? query.where({ chain_id: chainId }) : query)).map(toSeal);
}

export async function publicKeys(db: Db): Promise<Map<string, string>> {
  return new Map((await db('audit_keys').select('key_id', 'public_key')).map((r) => [r.key_id as string, r.public_key as string]));
}

export function sealSignatureValid(seal: Seal, keys: Map<string, string>): boolean {
  const key = keys.get(seal.keyId);
  return key !== undefined && verifySignature(key, sealBytes(seal), seal.signature);
}

export interface SealResult {
  sealed: Seal[];
  refused: BadRecord[];
}

/**
 * Signs the head of every chain that grew since its last seal, after checking the records added
 * since then: a seal vouches only for a chain that verifies. Any instance may seal any chain
 * (the gateway's and the CLI's); sealing the same head twice is harmless.
 */
export async function sealChains(db: Db, signer: AuditSigner): Promise<SealResult> {
  const result: SealResult = { sealed: [], refused: [] };
  const heads = await db('audit_chains').where('seq', '>', 0).select('chain_id', 'seq', 'head_hash');
  const maxima: { chain_id: string; seq: number }[] = await db('audit_seals').groupBy('chain_id').select('chain_id').max({ seq: 'seq' });
  const lastSeals = new Map(maxima.map((r) => [r.chain_id, Number(r.seq)]));
  for (const head of heads) {
    const chain: string = head.chain_id;
    const headSeq = Number(head.seq);
    const sealedSeq = lastSeals.get(chain) ?? 0;
    if (headSeq <= sealedSeq) continue;
    const previous = sealedSeq > 0 ? await db('audit_seals').where({ chain_id: chain, seq: sealedSeq }).first() : null;
    const checker = new ChainChecker(chain, sealedSeq + 1, previous ? previous.hash : '0'.repeat(64));
    for await (const page of chainPages(db, chain, sealedSeq + 1, headSeq)) for (const row of page) checker.check(row);
    checker.checkHead({ seq: headSeq, hash: head.head_hash });
    if (checker.firstBad) {
      result.refused.push(checker.firstBad);
      continue;
    }
    const seal = { chain, seq: headSeq, hash: head.head_hash as string, sealedAt: Date.now(), keyId: signer.keyId, signature: '' };
    seal.signature = signer.sign(sealBytes(seal));
    await db('audit_seals')
      .insert({ chain_id: chain, seq: seal.seq, hash: seal.hash, sealed_at: seal.sealedAt, key_id: seal.keyId, signature: seal.signature })
      .onConflict(['chain_id', 'seq'])
      .ignore();
    result.sealed.push(seal);
  }
  return result;
}
