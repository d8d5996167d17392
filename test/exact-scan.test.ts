import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalized, scanTopK, type LabelHit } from '../src/store/exact-scan.js';
import { FlatVectors } from '../src/store/flat-vectors.js';
import { SparseColumns } from '../src/store/sparse-columns.js';
import { SimdDots } from '../src/store/simd-dots.js';
import { seededRandom } from '../src/random.js';

/** The definition: every row's cosine in float64, sorted by similarity then label. */
function reference(query: Float32Array, k: number, labels: number[], rows: Float32Array, d: number, filter?: (label: number) => boolean): LabelHit[] {
  const q = normalized(query);
  const all: LabelHit[] = [];
  labels.forEach((label, row) => {
    if (filter && !filter(label)) return;
    let dot = 0;
    for (let i = 0; i < d; i++) dot += q[i]! * rows[row * d + i]!;
    all.push({ label, similarity: dot });
  });
  return all.sort((a, b) => b.similarity - a.similarity || a.label - b.label).slice(0, k);
}

function randomRows(random: () => number, n: number, d: number, sparse = false): Float32Array {
  const rows = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const v = new Float32Array(d);
    for (let i = 0; i < d; i++) v[i] = sparse && random() < 0.97 ? 0 : random() - 0.5;
    rows.set(normalized(v), r * d);
  }
  return rows;
}

/** `tolerance`: 1e-9 for the float64 JavaScript loop, float32 rounding for the SIMD kernel. */
function assertSameHits(actual: LabelHit[], expected: LabelHit[], label: string, tolerance = 1e-9): void {
  assert.deepEqual(actual.map((h) => h.label), expected.map((h) => h.label), label);
  actual.forEach((h, i) => assert.ok(Math.abs(h.similarity - expected[i]!.similarity) < tolerance, `${label}: similarity ${i}`));
}

describe('exact scan', () => {
  it('sparse rows by column give the very scores of the row scan, and stay right after the rows change', () => {
    const random = seededRandom(11);
    const d = 512;
    const n = 400;
    const rows = randomRows(random, n, d, true);
    const labels = Array.from({ length: n }, (_, i) => i);
    const columns = SparseColumns.build(rows, d, n);
    assert.ok(columns !== undefined, '3% non-zero rows are sparse enough');
    assert.equal(SparseColumns.build(randomRows(random, 10, d), d, 10), undefined, 'dense rows are not worth columns');
    const queries = Array.from({ length: 20 }, () => randomRows(random, 1, d, true));
    for (const q of queries) {
      // Bit for bit: the same terms summed in the same order.
      assert.deepEqual(scanTopK(q, 30, labels, rows, d, undefined, undefined, columns), scanTopK(q, 30, labels, rows, d));
      assertSameHits(scanTopK(q, 30, labels, rows, d, undefined, undefined, columns), reference(q, 30, labels, rows, d), 'columns vs reference');
    }
    // FlatVectors builds its columns after some searches; a vector added later must be found.
    const flat = FlatVectors.create(d);
    labels.forEach((label) => flat.add(label, rows.subarray(label * d, (label + 1) * d)));
    for (const q of queries) assert.deepEqual(flat.exactSearch(q, 10), scanTopK(q, 10, labels, rows, d));
    const target = queries[0]!;
    flat.add(9999, target);
    assert.equal(flat.exactSearch(target, 1)[0]!.label, 9999, 'columns built before the change are not used after it');
    flat.remove(9999);
    for (const q of queries) assert.deepEqual(flat.exactSearch(q, 10), scanTopK(q, 10, labels, rows, d));
  });

  it('returns the top k by similarity, ties by label, for dense and sparse queries, any k and dimension', () => {
    const random = seededRandom(7);
    for (const d of [3, 8, 37, 128]) {
      for (const sparse of [false, true]) {
        const n = 500;
        const rows = randomRows(random, n, d, sparse);
        // Shuffled labels: ties must break by label, not by row.
        const labels = Array.from({ length: n }, (_, i) => (i * 7919) % 1009);
        for (const k of [1, 10, 200, n, n + 5]) {
          const query = Float32Array.from({ length: d }, () => (sparse && random() < 0.9 ? 0 : random() - 0.5));
          if (query.every((x) => x === 0)) query[0] = 1;
          assertSameHits(scanTopK(query, k, labels, rows, d), reference(query, k, labels, rows, d), `d=${d} sparse=${sparse} k=${k}`);
        }
      }
    }
  });

  it('breaks exact ties by the lower label and applies the filter before taking k', () => {
    const d = 16;
    const random = seededRandom(3);
    const one = randomRows(random, 1, d);
    const n = 300;
    const rows = new Float32Array(n * d);
    for (let r = 0; r < n; r++) rows.set(r % 3 === 0 ? one : randomRows(random, 1, d), r * d);
    const labels = Array.from({ length: n }, (_, i) => n - i);
    const query = one.slice();
    const hits = scanTopK(query, 20, labels, rows, d);
    const tied = labels.filter((_, row) => row % 3 === 0).sort((a, b) => a - b).slice(0, 20);
    assert.deepEqual(hits.map((h) => h.label), tied);
    const even = (label: number): boolean => label % 2 === 0;
    assertSameHits(scanTopK(query, 50, labels, rows, d, even), reference(query, 50, labels, rows, d, even), 'filtered');
    assert.deepEqual(scanTopK(query, 5, labels, rows, d, () => false), []);
  });

  it('the WebAssembly SIMD kernel gives the float64 dot products within float32 rounding, for any row count', () => {
    const kernel = SimdDots.create();
    assert.ok(kernel, 'WebAssembly SIMD is available in Node 20');
    const random = seededRandom(11);
    for (const [d, n] of [[8, 1], [128, 2693], [384, 700], [1024, 40], [128, 0]] as const) {
      const rows = randomRows(random, n, d);
      const q = normalized(Float32Array.from({ length: d }, () => random() - 0.5));
      const out = new Float64Array(n);
      kernel.dots(q, rows, d, n, 1, out);
      for (let r = 0; r < n; r++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i]! * rows[r * d + i]!;
        assert.ok(Math.abs(out[r]! - dot) < 2e-6, `d=${d} row ${r}: ${out[r]} vs ${dot}`);
      }
    }
    assert.equal(SimdDots.supports(12, 10), false, 'dimensions that are not a multiple of 8 keep the JavaScript loop');
    assert.equal(SimdDots.supports(1024, 2 ** 16), false, 'rows beyond 256 MiB keep the JavaScript loop (no copy)');
    assert.equal(SimdDots.supports(1024, 2 ** 15), true);
  });

  it('an index searched between changes sees every change (the kernel copy is refreshed)', () => {
    const random = seededRandom(5);
    const d = 64;
    const flat = FlatVectors.create(d);
    const live = new Map<number, Float32Array>();
    const check = (): void => {
      const query = Float32Array.from({ length: d }, () => random() - 0.5);
      const labels = [...live.keys()];
      const rows = new Float32Array(labels.length * d);
      labels.forEach((label, i) => rows.set(normalized(live.get(label)!), i * d));
      const expected = reference(query, 15, labels, rows, d);
      assertSameHits(flat.exactSearch(query, 15), expected, `${live.size} vectors`, 2e-6);
    };
    for (let step = 0; step < 40; step++) {
      for (let i = 0; i < 50; i++) {
        const label = step * 50 + i;
        const v = Float32Array.from({ length: d }, () => random() - 0.5);
        flat.add(label, v);
        live.set(label, v);
      }
      for (const label of [...live.keys()].filter(() => random() < 0.2)) {
        flat.remove(label);
        live.delete(label);
      }
      check();
    }
  });
});
