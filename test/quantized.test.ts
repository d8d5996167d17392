import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../src/random.js';
import { normalized, scanTopK } from '../src/store/exact-scan.js';
import { HammingKernel } from '../src/store/hamming.js';
import { BinaryVectors, bytesPerVector, hammingJs, Int8Vectors, truncateQuery, truncateRows } from '../src/store/quantized.js';

const rand = seededRandom(7);
const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** n unit rows of dimension d in 40 clusters around a shared mean direction, like real embeddings. */
function corpus(n: number, d: number): { rows: Float32Array; labels: Uint32Array; queries: Float32Array[] } {
  const unit = (): Float32Array => normalized(Float32Array.from({ length: d }, gaussian));
  const mean = unit();
  const centres = Array.from({ length: 40 }, unit);
  const rows = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const c = centres[r % 40]!;
    const v = normalized(Float32Array.from({ length: d }, (_, i) => 0.5 * mean[i]! + c[i]! + (0.8 * gaussian()) / Math.sqrt(d)));
    rows.set(v, r * d);
  }
  const queries = Array.from({ length: 20 }, () => {
    const row = Math.floor(rand() * n);
    return normalized(Float32Array.from({ length: d }, (_, i) => rows[row * d + i]! + (0.3 * gaussian()) / Math.sqrt(d)));
  });
  return { rows, labels: Uint32Array.from({ length: n }, (_, i) => 1000 + i), queries };
}

function recall(found: { label: number }[], truth: { label: number }[]): number {
  const want = new Set(truth.map((h) => h.label));
  return found.filter((h) => want.has(h.label)).length / truth.length;
}

describe('quantized vectors', () => {
  const d = 256;
  const { rows, labels, queries } = corpus(2000, d);
  const exact = queries.map((q) => scanTopK(q, 10, labels, rows, d));

  it('bytes per vector: float32 4d, int8 d, binary d/8 in 64-bit words', () => {
    assert.equal(bytesPerVector('float32', 1024), 4096);
    assert.equal(bytesPerVector('int8', 1024), 1024);
    assert.equal(bytesPerVector('binary', 1024), 128);
    assert.equal(bytesPerVector('binary', 100), 16);
  });

  it('truncation keeps the leading components and renormalises every row', () => {
    const short = truncateRows(rows, d, 2000, 64);
    assert.equal(short.length, 2000 * 64);
    for (const r of [0, 999, 1999]) {
      let norm = 0;
      for (let i = 0; i < 64; i++) norm += short[r * 64 + i]! ** 2;
      assert.ok(Math.abs(norm - 1) < 1e-5, `row ${r} norm ${norm}`);
      // Same direction as the row's first 64 components.
      const ratio = short[r * 64]! / rows[r * d]!;
      for (let i = 1; i < 64; i++) assert.ok(Math.abs(short[r * 64 + i]! - ratio * rows[r * d + i]!) < 1e-5);
    }
    assert.throws(() => truncateRows(rows, d, 2000, d + 1), RangeError);
    assert.equal(truncateQuery(queries[0]!, 64).length, 64);
  });

  it('int8 codes use the full range per dimension and rank almost like float32', () => {
    const q8 = Int8Vectors.fromRows(rows, d, labels);
    assert.equal(q8.bytes, 2000 * d);
    let lo = 0;
    let hi = 0;
    for (let r = 0; r < 2000; r++) {
      if (q8.codes[r * d] === -128) lo++;
      if (q8.codes[r * d] === 127) hi++;
    }
    assert.ok(lo >= 1 && hi >= 1, 'the minimum and the maximum of dimension 0 map to -128 and 127');
    const mean = queries.reduce((s, q, i) => s + recall(q8.search(q, 10), exact[i]!), 0) / queries.length;
    assert.ok(mean >= 0.9, `int8 recall@10 ${mean}`);
  });

  it('int8 with a sparse query (the hash model\'s) scores like the dequantised dot product', () => {
    const q8 = Int8Vectors.fromRows(rows, d, labels);
    // 20 non-zero components of 256: the sparse path.
    const q = new Float32Array(d);
    for (let j = 0; j < 20; j++) q[(j * 37) % d] = gaussian();
    const unit = normalized(q);
    // The reference: dequantise every row (min + (code + 128) * step) and take the dot product.
    const { min, step } = calibration(rows, d, 2000);
    const want = Array.from({ length: 2000 }, (_, r) => {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += unit[i]! * (min[i]! + (q8.codes[r * d + i]! + 128) * step[i]!);
      return { label: labels[r]!, similarity: dot };
    }).sort((a, b) => b.similarity - a.similarity || a.label - b.label).slice(0, 10);
    const got = q8.search(unit, 10);
    assert.deepEqual(got.map((h) => h.label), want.map((h) => h.label));
    got.forEach((h, i) => assert.ok(Math.abs(h.similarity - want[i]!.similarity) < 1e-9));
  });

  it('the WebAssembly Hamming kernel counts the same bits as the JavaScript loop', () => {
    const kernel = HammingKernel.create();
    if (kernel === undefined) return;
    const words = 3;
    const bits = Uint32Array.from({ length: 50 * words * 2 }, () => Math.floor(rand() * 2 ** 32));
    const q = Uint32Array.from({ length: words * 2 }, () => Math.floor(rand() * 2 ** 32));
    const a = new Int32Array(50);
    const b = new Int32Array(50);
    kernel.distances(q, bits, words, 50, a);
    hammingJs(q, bits, words, 50, b);
    assert.deepEqual(a, b);
    // A row equal to the query is at distance 0; its complement at 192.
    // (A new array: the kernel keeps its copy of the rows for as long as it is given the same one.)
    const edited = Uint32Array.from(bits);
    edited.set(q, 0);
    edited.set(q.map((w) => ~w >>> 0), words * 2);
    kernel.distances(q, edited, words, 50, a);
    assert.equal(a[0], 0);
    assert.equal(a[1], 192);
  });

  it('binary: bits at the corpus mean, rescoring recovers most of the float32 ranking', () => {
    const bin = BinaryVectors.fromRows(rows, d, labels);
    assert.equal(bin.bytes, 2000 * 32);
    const plain = queries.reduce((s, q, i) => s + recall(bin.search(q, 10), exact[i]!), 0) / queries.length;
    const signs = queries.reduce((s, q, i) => s + recall(bin.search(q, 10, { candidates: 100 }), exact[i]!), 0) / queries.length;
    const rowOf = (label: number): Float32Array => rows.subarray((label - 1000) * d, (label - 999) * d);
    const full = queries.reduce((s, q, i) => s + recall(bin.search(q, 10, { candidates: 100, rowOf }), exact[i]!), 0) / queries.length;
    // Random guessing would find 10 of 2000: 0.005.
    assert.ok(plain > 0.1, `binary alone ${plain}`);
    assert.ok(signs >= plain, `rescored with signs ${signs}, plain ${plain}`);
    assert.ok(full >= signs && full >= plain, `rescored with float rows ${full}, signs ${signs}, plain ${plain}`);
    assert.ok(full >= 0.9, `rescored recall ${full}`);
    // Exact rescoring returns exact cosines.
    const top = bin.search(queries[0]!, 3, { candidates: 50, rowOf });
    for (const hit of top) {
      const truth = scanTopK(queries[0]!, 2000, labels, rows, d).find((h) => h.label === hit.label)!;
      assert.ok(Math.abs(truth.similarity - hit.similarity) < 1e-5);
    }
  });

  it('a binary query equal to a row finds it first', () => {
    const bin = BinaryVectors.fromRows(rows, d, labels);
    const row = rows.subarray(5 * d, 6 * d);
    assert.equal(bin.search(row, 1)[0]!.label, 1005);
    assert.equal(bin.distances(row)[5], 0);
  });
});

/** Each dimension's corpus minimum and code step, as Int8Vectors.fromRows calibrates them. */
function calibration(rows: Float32Array, d: number, n: number): { min: Float32Array; step: Float32Array } {
  const min = new Float32Array(d).fill(Infinity);
  const max = new Float32Array(d).fill(-Infinity);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      min[i] = Math.min(min[i]!, rows[r * d + i]!);
      max[i] = Math.max(max[i]!, rows[r * d + i]!);
    }
  }
  const step = new Float32Array(d);
  for (let i = 0; i < d; i++) step[i] = max[i]! <= min[i]! ? 0 : (max[i]! - min[i]!) / 255;
  return { min, step };
}
