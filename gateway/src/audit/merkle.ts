import crypto from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 §2.1 over the whole trail. "The hash of a list with one entry is
 * MTH({d(0)}) = SHA-256(0x00 || d(0))"; for n > 1, "let k be the largest power of two smaller than
 * n", MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])). Hashes are 32-byte Buffers here.
 */
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** One-shot crypto.hash (Node ≥ 20.12) costs far less than a Hash object for 33 and 65 bytes. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'buffer') => Buffer }).hash;
const digest = (data: Buffer): Buffer => (oneShot ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest());

export function leafHash(data: Buffer): Buffer {
  return digest(Buffer.concat([LEAF, data]));
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return digest(Buffer.concat([NODE, left, right]));
}

/** The leaf of one trail record: its record hash (64 hex digits) as 32 bytes. */
export const recordLeaf = (recordHashHex: string): Buffer => leafHash(Buffer.from(recordHashHex, 'hex'));

/** The hash of an empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT = crypto.createHash('sha256').digest();

/** The largest power of two smaller than n (n > 1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes [lo, hi). */
export function subtreeRoot(leaves: Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[lo];
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf m in the tree of the first n leaves. */
export function inclusionProof(leaves: Buffer[], m: number, n: number): Buffer[] {
  if (m < 0 || m >= n || n > leaves.length) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
  const path = (lo: number, hi: number, index: number): Buffer[] => {
    if (hi - lo === 1) return [];
    const k = splitPoint(hi - lo);
    return index < k ? [...path(lo, lo + k, index), subtreeRoot(leaves, lo + k, hi)] : [...path(lo + k, hi, index - k), subtreeRoot(leaves, lo, lo + k)];
  };
  return path(0, n, m);
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function consistencyProof(leaves: Buffer[], m: number, n: number): Buffer[] {
  if (m < 0 || m > n || n > leaves.length) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  if (m === 0 || m === n) return [];
  const sub = (size: number, lo: number, hi: number, complete: boolean): Buffer[] => {
    if (size === hi - lo) return complete ? [] : [subtreeRoot(leaves, lo, hi)];
    const k = splitPoint(hi - lo);
    if (size <= k) return [...sub(size, lo, lo + k, complete), subtreeRoot(leaves, lo + k, hi)];
    return [...sub(size - k, lo + k, hi, false), subtreeRoot(leaves, lo, lo + k)];
  };
  return sub(m, 0, n, true);
}

/** RFC 9162 §2.1.3.2: verifying an inclusion proof. */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (index >= size || index < 0) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: verifying a consistency proof between a tree of size m and one of size n. */
export function verifyConsistency(m: number, n: number, rootM: Buffer, rootN: Buffer, proof: Buffer[]): boolean {
  if (m > n || m < 0) return false;
  if (m === n) return proof.length === 0 && rootM.equals(rootN);
  if (m === 0) return proof.length === 0;
  let path = proof;
  // "If first is an exact power of 2, then prepend first_hash to the consistency_path array."
  if ((m & (m - 1)) === 0) path = [rootM, ...proof];
  if (path.length === 0) return false;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(rootM) && sr.equals(rootN) && sn === 0;
}

/**
 * The right edge of the tree: the roots of the perfect subtrees that make up its first `size`
 * leaves, largest first (one per set bit of size). Appending a leaf hashes only O(log n) nodes,
 * so the checkpoint job hashes each new leaf once and never re-reads old ones.
 */
export class CompactRange {
  constructor(
    public size = 0,
    public readonly hashes: Buffer[] = [],
  ) {}

  append(leaf: Buffer): void {
    let hash = leaf;
    // Merge with equal-sized subtrees: one per trailing set bit of the old size.
    for (let s = this.size; s & 1; s >>= 1) hash = nodeHash(this.hashes.pop()!, hash);
    this.hashes.push(hash);
    this.size++;
  }

  /** MTH of the whole range: the subtrees folded from the right. */
  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1];
    for (let i = this.hashes.length - 2; i >= 0; i--) r = nodeHash(this.hashes[i], r);
    return r;
  }

  toJSON(): { size: number; hashes: string[] } {
    return { size: this.size, hashes: this.hashes.map((h) => h.toString('hex')) };
  }

  static fromJSON(j: { size: number; hashes: string[] }): CompactRange {
    return new CompactRange(j.size, j.hashes.map((h) => Buffer.from(h, 'hex')));
  }
}
