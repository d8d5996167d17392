/**
 * Shorter and smaller copies of an index's float32 unit vectors, for trading quality against
 * memory and search time without re-embedding anything:
 *
 * - Matryoshka truncation ({@link truncateRows}): the first `dims` components, renormalised.
 *   Only models trained for it (Matryoshka representation learning) keep their quality.
 * - int8 ({@link Int8Vectors}): each dimension mapped linearly from its corpus range [min, max]
 *   to -128…127, as sentence-transformers' `quantize_embeddings(precision="int8")` does with
 *   calibration embeddings. Queries stay float32 (asymmetric): the score is the query's dot
 *   product with the dequantised row, computed on the codes.
 * - binary ({@link BinaryVectors}): one bit per dimension, set when the component is above the
 *   dimension's corpus mean, searched by Hamming distance; the top `rescore` candidates can be
 *   rescored by the float32 query against the ±1 rows (no float rows needed) or against the full
 *   float rows when the caller can read them (exact cosine for the returned hits).
 *
 * Why threshold binary at the corpus mean rather than at 0: every embedding model has a shared
 * mean direction (random passages have cosine well above 0), so many dimensions have the same
 * sign in almost every row and their bits carry no information.
 */
import { topOfScores, type LabelHit } from './exact-scan.js';
import { HammingKernel } from './hamming.js';

/** The precisions a search can use. */
export const PRECISIONS = ['float32', 'int8', 'binary'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Bytes one vector of `dimension` components takes at `precision` (no padding counted for float32, int8). */
export function bytesPerVector(precision: Precision, dimension: number): number {
  if (precision === 'float32') return 4 * dimension;
  if (precision === 'int8') return dimension;
  return 8 * Math.ceil(dimension / 64);
}

/**
 * The first `dims` components of each of the `n` rows of `rows` (dimension `d`), each row
 * renormalised to unit length (a zero row stays zero).
 */
export function truncateRows(rows: Float32Array, d: number, n: number, dims: number): Float32Array {
  if (!Number.isInteger(dims) || dims < 1 || dims > d) throw new RangeError(`cannot truncate ${d} dimensions to ${dims}`);
  const out = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += rows[r * d + i]! * rows[r * d + i]!;
    const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    for (let i = 0; i < dims; i++) out[r * dims + i] = rows[r * d + i]! * scale;
  }
  return out;
}

/** One query vector truncated and renormalised like {@link truncateRows}. */
export function truncateQuery(query: Float32Array, dims: number): Float32Array {
  return truncateRows(query, query.length, 1, dims);
}

/** int8 codes of unit vectors with per-dimension calibrated ranges. */
export class Int8Vectors {
  readonly precision = 'int8' as const;
  readonly codes: Int8Array;
  readonly #min: Float32Array;
  readonly #step: Float32Array;
  /** The codes dimension-major, made at the first sparse query. */
  #columns: Int8Array | undefined;

  private constructor(
    readonly dimension: number,
    readonly count: number,
    readonly labels: ArrayLike<number>,
    codes: Int8Array,
    min: Float32Array,
    step: Float32Array,
  ) {
    this.codes = codes;
    this.#min = min;
    this.#step = step;
  }

  /** Calibrates each dimension's range on the rows themselves, then quantises them. */
  static fromRows(rows: Float32Array, d: number, labels: ArrayLike<number>): Int8Vectors {
    const n = labels.length;
    const min = new Float32Array(d).fill(Infinity);
    const max = new Float32Array(d).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        const x = rows[r * d + i]!;
        if (x < min[i]!) min[i] = x;
        if (x > max[i]!) max[i] = x;
      }
    }
    const step = new Float32Array(d);
    for (let i = 0; i < d; i++) {
      if (n === 0) min[i] = 0;
      step[i] = n === 0 || max[i]! <= min[i]! ? 0 : (max[i]! - min[i]!) / 255;
    }
    const code = (x: number, i: number): number => {
      const s = step[i]!;
      return s === 0 ? -128 : Math.max(-128, Math.min(127, Math.round((x - min[i]!) / s) - 128));
    };
    // Sparse rows (the `hash` model's) are mostly exact zeros, whose code per dimension is computed once.
    const zeroCodes = Int8Array.from({ length: d }, (_, i) => code(0, i));
    const codes = new Int8Array(n * d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        const x = rows[r * d + i]!;
        codes[r * d + i] = x === 0 ? zeroCodes[i]! : code(x, i);
      }
    }
    return new Int8Vectors(d, n, labels, codes, min, step);
  }

  get bytes(): number {
    return this.codes.byteLength;
  }

  /**
   * Top `k` by the query's dot product with the dequantised rows:
   * q · x ≈ Σ qᵢ(minᵢ + (cᵢ + 128)·stepᵢ) = base + Σ (qᵢ·stepᵢ)·cᵢ.
   */
  search(query: Float32Array, k: number): LabelHit[] {
    const d = this.dimension;
    const weights = new Float64Array(d);
    let base = 0;
    for (let i = 0; i < d; i++) {
      weights[i] = query[i]! * this.#step[i]!;
      base += query[i]! * this.#min[i]! + 128 * weights[i]!;
    }
    const scores = new Float64Array(this.count);
    const codes = this.codes;
    // A sparse query (the built-in `hash` model's) has zero weight on most dimensions: visiting
    // only its non-zero ones gives the same sums in a fraction of the reads, as the float32 scan does.
    let nonZero = 0;
    for (let i = 0; i < d; i++) if (weights[i] !== 0) nonZero++;
    if (nonZero < d / 4) {
      // By column: the codes of one dimension for every row lie together, so each of the query's
      // dimensions is one sequential pass (by row, every row was a scattered read per dimension).
      // The same terms in the same order as a per-row sum, so the scores are the same.
      const columns = (this.#columns ??= transpose(codes, d, this.count));
      const n = this.count;
      scores.fill(0);
      for (let i = 0; i < d; i++) {
        const w = weights[i]!;
        if (w === 0) continue;
        for (let r = 0, at = i * n; r < n; r++, at++) scores[r]! += w * columns[at]!;
      }
      for (let r = 0; r < n; r++) scores[r] = base + scores[r]!;
      return topOfScores(scores, this.labels, this.count, k);
    }
    for (let r = 0; r < this.count; r++) {
      const at = r * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 4 <= d; i += 4) {
        s0 += weights[i]! * codes[at + i]!;
        s1 += weights[i + 1]! * codes[at + i + 1]!;
        s2 += weights[i + 2]! * codes[at + i + 2]!;
        s3 += weights[i + 3]! * codes[at + i + 3]!;
      }
      for (; i < d; i++) s0 += weights[i]! * codes[at + i]!;
      scores[r] = base + (s0 + s1) + (s2 + s3);
    }
    return topOfScores(scores, this.labels, this.count, k);
  }
}

/**
 * How the top Hamming candidates are rescored: `candidates` 0 ranks by Hamming distance alone
 * (similarity 1 − 2·distance/bits); otherwise the best `candidates` are rescored by the float32
 * query against their ±1 rows (what the bits encode), or, with `rowOf`, by the exact cosine of
 * their float rows.
 */
export interface BinaryRescore {
  candidates: number;
  rowOf?: (label: number) => Float32Array;
}

/** One bit per dimension, packed in 64-bit words, searched by Hamming distance. */
export class BinaryVectors {
  readonly precision = 'binary' as const;
  /** Row-major packed bits: `words` 64-bit words (as pairs of u32) per row. */
  readonly bits: Uint32Array;
  readonly words: number;
  readonly #thresholds: Float32Array;
  readonly #kernel: HammingKernel | undefined;

  private constructor(
    readonly dimension: number,
    readonly labels: ArrayLike<number>,
    bits: Uint32Array,
    thresholds: Float32Array,
  ) {
    this.bits = bits;
    this.words = Math.ceil(dimension / 64);
    this.#thresholds = thresholds;
    this.#kernel = HammingKernel.create();
  }

  get count(): number {
    return this.labels.length;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }

  /** Thresholds each dimension at its mean over the rows, then packs the rows' bits. */
  static fromRows(rows: Float32Array, d: number, labels: ArrayLike<number>): BinaryVectors {
    const n = labels.length;
    const mean = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i]! += rows[r * d + i]!;
    const thresholds = new Float32Array(d);
    for (let i = 0; i < d; i++) thresholds[i] = n === 0 ? 0 : mean[i]! / n;
    const words = Math.ceil(d / 64);
    const bits = new Uint32Array(n * words * 2);
    for (let r = 0; r < n; r++) packInto(rows.subarray(r * d, (r + 1) * d), thresholds, bits, r * words * 2);
    return new BinaryVectors(d, labels, bits, thresholds);
  }

  /** The query's bits under the corpus thresholds. */
  queryBits(query: Float32Array): Uint32Array {
    const out = new Uint32Array(this.words * 2);
    packInto(query, this.#thresholds, out, 0);
    return out;
  }

  /** Hamming distance of the query's bits to every row. */
  distances(query: Float32Array): Int32Array {
    const q = this.queryBits(query);
    const out = new Int32Array(this.count);
    if (this.#kernel !== undefined) this.#kernel.distances(q, this.bits, this.words, this.count, out);
    else hammingJs(q, this.bits, this.words, this.count, out);
    return out;
  }

  /** Top `k`, by Hamming distance or rescored (see {@link BinaryRescore}). */
  search(query: Float32Array, k: number, rescore: BinaryRescore = { candidates: 0 }): LabelHit[] {
    const distances = this.distances(query);
    const scores = new Float64Array(this.count);
    for (let r = 0; r < this.count; r++) scores[r] = 1 - (2 * distances[r]!) / this.dimension;
    const wanted = Math.max(k, rescore.candidates);
    const candidates = topOfScores(scores, this.labels, this.count, wanted);
    if (rescore.candidates === 0) return candidates.slice(0, k);
    const rowOf = rescore.rowOf;
    const rowByLabel = rowOf === undefined ? this.#rowIndex() : undefined;
    const rescored = candidates.map((hit): LabelHit => {
      if (rowOf !== undefined) return { label: hit.label, similarity: dot(query, rowOf(hit.label)) };
      return { label: hit.label, similarity: this.#signDot(query, rowByLabel!.get(hit.label)!) };
    });
    return rescored.sort((a, b) => b.similarity - a.similarity || a.label - b.label).slice(0, k);
  }

  #rowIndexCache: Map<number, number> | undefined;
  #rowIndex(): Map<number, number> {
    if (this.#rowIndexCache === undefined) {
      this.#rowIndexCache = new Map();
      for (let r = 0; r < this.count; r++) this.#rowIndexCache.set(this.labels[r]!, r);
    }
    return this.#rowIndexCache;
  }

  /** q · s / √d with s the row's ±1 vector: a cosine, since ‖s‖ = √d and q is a unit vector. */
  #signDot(query: Float32Array, row: number): number {
    const base = row * this.words * 2;
    let sum = 0;
    for (let i = 0; i < this.dimension; i++) {
      const word = this.bits[base + (i >>> 5)]!;
      sum += (word >>> (i & 31)) & 1 ? query[i]! : -query[i]!;
    }
    return sum / Math.sqrt(this.dimension);
  }
}

function packInto(v: Float32Array, thresholds: Float32Array, out: Uint32Array, at: number): void {
  for (let i = 0; i < thresholds.length; i++) {
    if (v[i]! > thresholds[i]!) out[at + (i >>> 5)]! |= 1 << (i & 31);
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The JavaScript fallback of the Hamming kernel (where WebAssembly is missing). */
export function hammingJs(q: Uint32Array, bits: Uint32Array, words: number, n: number, out: Int32Array): void {
  const w32 = words * 2;
  for (let r = 0; r < n; r++) {
    let sum = 0;
    const at = r * w32;
    for (let w = 0; w < w32; w++) {
      let x = (q[w]! ^ bits[at + w]!) >>> 0;
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      sum += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    out[r] = sum;
  }
}

/** `n` rows of `d` codes, dimension-major. */
function transpose(codes: Int8Array, d: number, n: number): Int8Array {
  const out = new Int8Array(n * d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) out[i * n + r] = codes[r * d + i]!;
  return out;
}
