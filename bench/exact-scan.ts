/**
 * The exact scan eval runs for every query (`scanTopK`): the plain JavaScript loop it replaced
 * (one running sum per row, results kept in a sorted insert list), this repo's JavaScript loop
 * (four sums, a k-heap; used where WebAssembly SIMD is not) and the WebAssembly SIMD kernel
 * that FlatVectors uses (src/store/simd-dots.ts), same data, same process. Shapes: eval on SciFact with the 1-layer bench model (2,693 × 128, k = 200)
 * and with bge-small's width (× 512), plus a query's k = 10.
 *
 *   node --import tsx bench/exact-scan.ts [--queries 300] [--rounds 5]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { normalized, scanTopK, type LabelHit } from '../src/store/exact-scan.js';
import { SimdDots } from '../src/store/simd-dots.js';
import { seededRandom } from '../src/random.js';

const { values } = parseArgs({ options: { queries: { type: 'string', default: '300' }, rounds: { type: 'string', default: '5' } } });
const QUERIES = Number(values.queries);
const ROUNDS = Number(values.rounds);

/** The kernel before: what scanTopK did up to 2026-11-27. */
function plainScan(query: Float32Array, k: number, labels: ArrayLike<number>, rows: Float32Array, d: number): LabelHit[] {
  const q = normalized(query);
  const better = (s: number, label: number, than: LabelHit): boolean => s > than.similarity || (s === than.similarity && label < than.label);
  const top: LabelHit[] = [];
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row]!;
    let dot = 0;
    const base = row * d;
    for (let i = 0; i < d; i++) dot += q[i]! * rows[base + i]!;
    if (top.length === k && !better(dot, label, top[k - 1]!)) continue;
    let pos = top.length === k ? k - 1 : top.length;
    if (top.length < k) top.push({ label, similarity: dot });
    while (pos > 0 && better(dot, label, top[pos - 1]!)) {
      top[pos] = top[pos - 1]!;
      pos--;
    }
    top[pos] = { label, similarity: dot };
  }
  return top;
}

const random = seededRandom(1);
console.log(`${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}`);
console.log('| rows × dim | k | plain JS ms | rag JS ms | rag SIMD ms | JS speed-up | SIMD speed-up | SIMD top-k = plain top-k |\n|---|---:|---:|---:|---:|---:|---:|---:|');
const kernel = SimdDots.create();
if (kernel === undefined) throw new Error('no WebAssembly SIMD in this Node');
for (const [n, d, k] of [
  [2693, 128, 200],
  [2693, 512, 200],
  [2693, 512, 10],
  [2693, 128, 10],
] as const) {
  const rows = new Float32Array(n * d);
  for (let r = 0; r < n; r++) rows.set(normalized(Float32Array.from({ length: d }, () => random() - 0.5)), r * d);
  const labels = Array.from({ length: n }, (_, i) => i);
  const queries = Array.from({ length: QUERIES }, () => Float32Array.from({ length: d }, () => random() - 0.5));
  const simd = { kernel, version: 1 };
  const scans = {
    plain: (q: Float32Array) => plainScan(q, k, labels, rows, d),
    js: (q: Float32Array) => scanTopK(q, k, labels, rows, d),
    simd: (q: Float32Array) => scanTopK(q, k, labels, rows, d, undefined, simd),
  };
  const names = Object.keys(scans) as Array<keyof typeof scans>;
  const best = { plain: Infinity, js: Infinity, simd: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no kernel always runs on a warmer machine.
    for (const which of names.map((_, i) => names[(i + round) % names.length]!)) {
      const started = performance.now();
      for (const q of queries) scans[which](q);
      best[which] = Math.min(best[which], performance.now() - started);
    }
  }
  // Float32 sums (SIMD) and float64 sums (JavaScript) can order near-ties differently.
  const overlap = (a: LabelHit[], b: LabelHit[]): number => {
    const inA = new Set(a.map((h) => h.label));
    return b.filter((h) => inA.has(h.label)).length / Math.max(1, a.length);
  };
  const agree = queries.slice(0, 50).reduce((sum, q) => sum + overlap(scans.plain(q), scans.simd(q)), 0) / Math.min(50, queries.length);
  console.log(
    `| ${n} × ${d} | ${k} | ${best.plain.toFixed(0)} | ${best.js.toFixed(0)} | ${best.simd.toFixed(0)} | ${(best.plain / best.js).toFixed(2)}× | ${(best.plain / best.simd).toFixed(2)}× | ${agree.toFixed(4)} |`,
  );
}
