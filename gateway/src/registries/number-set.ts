/**
 * A do-not-call list of national size held in memory in about 4 bytes per number.
 *
 * An E.164 number without its "+" is an integer below 10^15, exact in a double. The sorted, unique
 * values are split into a high part (value / 2^32, a few distinct values per country) and a low
 * 32-bit part: the low parts sit in one Uint32Array, and a small directory gives, per high part,
 * where its run of low parts starts. A bucket index over the value range (one word per 32 numbers)
 * narrows a lookup to a few neighbouring entries, so it touches two or three cache lines instead of
 * the two dozen of a binary search over tens of millions.
 *
 * A list that publishes each number's registration date keeps it in a parallel Uint16Array of days
 * since 1970 (see ./days): two more bytes a number, only for such lists.
 */
const TWO_32 = 2 ** 32;

/** The integer of an E.164 number's digits, or NaN when it is not one. */
export function e164Value(e164: string): number {
  if (e164.length < 8 || e164.length > 16 || e164.charCodeAt(0) !== 43 /* + */) return NaN;
  let value = 0;
  for (let i = 1; i < e164.length; i++) {
    const d = e164.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

const PER_BUCKET = 32;

export class NumberSet {
  private readonly min: number;
  private readonly width: number;
  /** Index of the first entry of each bucket of the value range; one more entry than buckets. */
  private readonly buckets: Uint32Array;

  private constructor(
    /** Distinct high parts, ascending. */
    private readonly highs: Uint32Array,
    /** Start of each high part's run in `lows`; one more entry than `highs`, the last = size. */
    private readonly starts: Uint32Array,
    private readonly lows: Uint32Array,
    /** Registration day of each entry, parallel to `lows`; null for a list without dates. */
    private readonly days: Uint16Array | null = null,
  ) {
    if (days && days.length !== lows.length) throw new Error(`a registry of ${lows.length} numbers cannot have ${days.length} dates`);
    const n = lows.length;
    const count = Math.max(1, 2 ** Math.ceil(Math.log2(Math.max(1, n / PER_BUCKET))));
    this.buckets = new Uint32Array(count + 1);
    if (n === 0) {
      this.min = 0;
      this.width = 1;
      return;
    }
    this.min = this.valueAt(0, 0);
    const max = this.valueAt(highs.length - 1, n - 1);
    this.width = Math.max(1, Math.ceil((max - this.min + 1) / count));
    let bucket = 0;
    for (let h = 0; h < highs.length; h++) {
      for (let i = starts[h]; i < starts[h + 1]; i++) {
        const b = Math.floor((highs[h] * TWO_32 + lows[i] - this.min) / this.width);
        while (bucket < b) this.buckets[++bucket] = i;
      }
    }
    while (bucket < count) this.buckets[++bucket] = n;
  }

  private valueAt(run: number, i: number): number {
    return this.highs[run] * TWO_32 + this.lows[i];
  }

  static empty(): NumberSet {
    return new NumberSet(new Uint32Array(0), new Uint32Array(1), new Uint32Array(0));
  }

  /** From ascending, unique values, and their registration days when the list has them. */
  static fromSorted(values: Float64Array, days: Uint16Array | null = null): NumberSet {
    const lows = new Uint32Array(values.length);
    const highs: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const high = Math.floor(v / TWO_32);
      if (highs.length === 0 || highs[highs.length - 1] !== high) {
        highs.push(high);
        starts.push(i);
      }
      lows[i] = v - high * TWO_32;
    }
    starts.push(values.length);
    return new NumberSet(Uint32Array.from(highs), Uint32Array.from(starts), lows, days);
  }

  /**
   * Concatenates runs decoded from storage chunks, which are in ascending order, with each chunk's
   * days (encodeDays) when the list has dates: all chunks or none.
   */
  static fromChunks(chunks: Uint8Array[], dayChunks: (Uint8Array | null)[] | null = null): NumberSet {
    let total = 0;
    const decoded = chunks.map((c) => decodeChunk(c));
    for (const d of decoded) total += d.lows.length;
    const lows = new Uint32Array(total);
    const highs: number[] = [];
    const starts: number[] = [];
    let at = 0;
    for (const d of decoded) {
      let offset = 0;
      for (let r = 0; r < d.runs.length; r += 2) {
        const [high, length] = [d.runs[r], d.runs[r + 1]];
        if (highs.length === 0 || highs[highs.length - 1] !== high) {
          highs.push(high);
          starts.push(at + offset);
        }
        offset += length;
      }
      lows.set(d.lows, at);
      at += d.lows.length;
    }
    starts.push(total);
    return new NumberSet(Uint32Array.from(highs), Uint32Array.from(starts), lows, decodeDays(dayChunks, decoded.map((d) => d.lows.length), total));
  }

  get size(): number {
    return this.lows.length;
  }

  /** Whether the list carries a registration date per number. */
  get dated(): boolean {
    return this.days !== null;
  }

  /** Memory held by the structure's arrays. */
  get bytes(): number {
    return this.lows.byteLength + this.highs.byteLength + this.starts.byteLength + this.buckets.byteLength + (this.days?.byteLength ?? 0);
  }

  hasValue(value: number): boolean {
    return this.indexOfValue(value) >= 0;
  }

  /** The registration day of a listed value (days since 1970, 0 when unknown), or -1 when not listed. */
  dayOfValue(value: number): number {
    const i = this.indexOfValue(value);
    if (i < 0) return -1;
    return this.days ? this.days[i] : 0;
  }

  /** Position of the value among the entries, -1 when absent. */
  private indexOfValue(value: number): number {
    if (!(value >= this.min) || this.lows.length === 0) return -1;
    const b = Math.floor((value - this.min) / this.width);
    if (b >= this.buckets.length - 1) return -1;
    const high = Math.floor(value / TWO_32);
    const low = value - high * TWO_32;
    let lo = 0;
    let hi = this.highs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.highs[mid];
      if (h === high) {
        // The bucket's entries that share the value's high part.
        const from = Math.max(this.starts[mid], this.buckets[b]);
        const to = Math.min(this.starts[mid + 1], this.buckets[b + 1]) - 1;
        return this.searchRun(from, to, low);
      }
      if (h < high) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  has(e164: string): boolean {
    return this.hasValue(e164Value(e164));
  }

  private searchRun(from: number, to: number, low: number): number {
    const lows = this.lows;
    while (from <= to) {
      const mid = (from + to) >>> 1;
      const v = lows[mid];
      if (v === low) return mid;
      if (v < low) from = mid + 1;
      else to = mid - 1;
    }
    return -1;
  }
}

/**
 * Storage chunk of ascending values: little-endian uint32 words
 * [runCount, (high, length) × runCount, low × n]. Four bytes a number plus a few words a chunk.
 */
export function encodeChunk(values: Float64Array): Buffer {
  const runs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const high = Math.floor(values[i] / TWO_32);
    if (runs.length > 0 && runs[runs.length - 2] === high) runs[runs.length - 1]++;
    else runs.push(high, 1);
  }
  const words = new Uint32Array(1 + runs.length + values.length);
  words[0] = runs.length / 2;
  words.set(runs, 1);
  for (let i = 0; i < values.length; i++) words[1 + runs.length + i] = values[i] - Math.floor(values[i] / TWO_32) * TWO_32;
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
}

function decodeChunk(bytes: Uint8Array): { runs: Uint32Array; lows: Uint32Array } {
  // Copy into an aligned buffer: a database driver's Buffer may start at any byte offset.
  const words = new Uint32Array(bytes.byteLength / 4);
  new Uint8Array(words.buffer).set(bytes);
  const runCount = words[0];
  return { runs: words.subarray(1, 1 + runCount * 2), lows: words.subarray(1 + runCount * 2) };
}

/** Storage of a chunk's registration days: little-endian uint16, one per number, in the chunk's order. */
export function encodeDays(days: Uint16Array): Buffer {
  const out = Buffer.alloc(days.length * 2);
  for (let i = 0; i < days.length; i++) out.writeUInt16LE(days[i], i * 2);
  return out;
}

function decodeDays(dayChunks: (Uint8Array | null)[] | null, counts: number[], total: number): Uint16Array | null {
  if (!dayChunks || dayChunks.every((d) => d === null)) return null;
  const days = new Uint16Array(total);
  let at = 0;
  dayChunks.forEach((bytes, i) => {
    if (!bytes || bytes.byteLength !== counts[i] * 2) throw new Error(`registry chunk ${i} holds ${counts[i]} numbers and ${bytes ? bytes.byteLength / 2 : 'no'} dates`);
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let j = 0; j < counts[i]; j++) days[at + j] = view.readUInt16LE(j * 2);
    at += counts[i];
  });
  return days;
}
