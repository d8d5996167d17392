/**
 * Exact nearest neighbours over row-major unit vectors: the dot-product kernels (dense, and
 * sparse for queries with few non-zero components) and the top-k selection every exact search
 * shares, in memory (flat-vectors.ts), from a file (scanVectorFile) or over shorter copies
 * (quantized.ts, eval's vector variants).
 */
import { SimdDots } from './simd-dots.js';
import type { SparseColumns } from './sparse-columns.js';

/** One result of a vector search: the label and how similar it is (cosine, higher is better). */
export interface LabelHit {
  label: number;
  /** Cosine similarity in [-1, 1]; 1 is the same direction. */
  similarity: number;
}

/** Returns a unit-length copy of `v` (the zero vector stays zero). */
export function normalized(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

/** Number of non-zero components of `v`. */
export function nonZeroCount(v: Float32Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) n++;
  return n;
}

/**
 * Exact top-`k` over `rows` (row-major unit vectors of dimension `d`, labelled by `labels`).
 * Ties break by label, so the result does not depend on row order.
 */
export function scanTopK(
  query: Float32Array,
  k: number,
  labels: ArrayLike<number>,
  rows: Float32Array,
  d: number,
  filter?: (label: number) => boolean,
  /** The WebAssembly kernel with the version of `rows` it may have copied (see simd-dots.ts). */
  simd?: { kernel: SimdDots; version: number },
  /** `rows` by column, when the caller keeps them (see {@link SparseColumns}). */
  columns?: SparseColumns,
): LabelHit[] {
  const q = normalized(query);
  const n = labels.length;
  if (scores.length < n) scores = new Float64Array(Math.max(n, 2 * scores.length));
  // Lexical models (the built-in `hash`) give queries with a few hundred non-zero components
  // out of thousands: visiting only those makes the scan an order of magnitude cheaper.
  const { positions, values } = nonZeros(q);
  if (positions.length < d / 4) {
    if (columns !== undefined && columns.rows === n) columns.dots(positions, values, scores);
    else sparseDots(positions, values, rows, d, n, scores);
  }
  else if (simd !== undefined && SimdDots.supports(d, n)) simd.kernel.dots(q, rows, d, n, simd.version, scores);
  else denseDots(q, rows, d, n, scores);
  return topOfScores(scores, labels, n, k, filter);
}

/**
 * The `k` best (similarity, then lower label) of `n` scores, best first. A binary heap with the
 * worst kept hit at its root: a row that does not beat the root costs one comparison, and one
 * that does costs log k (eval asks for k = 200, where a sorted insert list spent a third of the scan).
 */
export function topOfScores(scores: Float64Array, labels: ArrayLike<number>, n: number, k: number, filter?: (label: number) => boolean): LabelHit[] {
  const sims = new Float64Array(k);
  const heapLabels = new Float64Array(k);
  let size = 0;
  // a is worse than b: lower similarity, or equal similarity and a higher label.
  const worse = (i: number, j: number): boolean => sims[i]! < sims[j]! || (sims[i] === sims[j] && heapLabels[i]! > heapLabels[j]!);
  const swap = (i: number, j: number): void => {
    const s = sims[i]!;
    sims[i] = sims[j]!;
    sims[j] = s;
    const l = heapLabels[i]!;
    heapLabels[i] = heapLabels[j]!;
    heapLabels[j] = l;
  };
  for (let row = 0; row < n; row++) {
    const dot = scores[row]!;
    const label = labels[row]!;
    if (size === k && !(dot > sims[0]! || (dot === sims[0] && label < heapLabels[0]!))) continue;
    if (filter !== undefined && !filter(label)) continue;
    if (size < k) {
      let i = size++;
      sims[i] = dot;
      heapLabels[i] = label;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
      continue;
    }
    sims[0] = dot;
    heapLabels[0] = label;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && worse(right, left) ? right : left;
      if (!worse(child, i)) break;
      swap(child, i);
      i = child;
    }
  }
  const top: LabelHit[] = [];
  for (let i = 0; i < size; i++) top.push({ label: heapLabels[i]!, similarity: sims[i]! });
  return top.sort((a, b) => b.similarity - a.similarity || a.label - b.label);
}

/** Scratch space for one scan's similarities (scans are synchronous, so one buffer serves all). */
let scores = new Float64Array(1024);

/**
 * out[row] = q · rows[row]. Four independent sums let V8's code overlap the multiply-adds: 1.5×
 * faster than one running sum (`npm run bench:scan`). The sum order is fixed, so results are
 * the same on every run.
 */
function denseDots(q: Float32Array, rows: Float32Array, d: number, n: number, out: Float64Array): void {
  const tail = d - (d % 4);
  for (let row = 0, base = 0; row < n; row++, base += d) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      s0 += q[i]! * rows[base + i]!;
      s1 += q[i + 1]! * rows[base + i + 1]!;
      s2 += q[i + 2]! * rows[base + i + 2]!;
      s3 += q[i + 3]! * rows[base + i + 3]!;
    }
    for (; i < d; i++) s0 += q[i]! * rows[base + i]!;
    out[row] = s0 + s1 + (s2 + s3);
  }
}

function sparseDots(positions: Int32Array, values: Float32Array, rows: Float32Array, d: number, n: number, out: Float64Array): void {
  for (let row = 0, base = 0; row < n; row++, base += d) {
    let dot = 0;
    for (let j = 0; j < positions.length; j++) dot += values[j]! * rows[base + positions[j]!]!;
    out[row] = dot;
  }
}

/** The positions and values of `v`'s non-zero components, in position order. */
export function nonZeros(v: Float32Array): { positions: Int32Array; values: Float32Array } {
  const n = nonZeroCount(v);
  const positions = new Int32Array(n);
  const values = new Float32Array(n);
  for (let i = 0, j = 0; i < v.length; i++) {
    if (v[i] !== 0) {
      positions[j] = i;
      values[j++] = v[i]!;
    }
  }
  return { positions, values };
}
