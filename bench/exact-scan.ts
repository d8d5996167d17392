/**
 * The exact scan eval runs for every query (`scanTopK`): this repo's kernel against the plain
 * one it replaced (one running sum per row, results kept in a sorted insert list), same data,
 * same process. Shapes: eval on SciFact with the 1-layer bench model (2,693 × 128, k = 200)
 * and with bge-small's width (× 512), plus a query's k = 10.
 *
 *   node --import tsx bench/exact-scan.ts [--queries 300] [--rounds 5]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { normalized, scanTopK, type LabelHit } from '../src/store/flat-vectors.js';
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
console.log('| rows × dim | k | plain ms | rag ms | speed-up |\n|---|---:|---:|---:|---:|');
for (const [n, d, k] of [
  [2693, 128, 200],
  [2693, 512, 200],
  [2693, 512, 10],
] as const) {
  const rows = new Float32Array(n * d);
  for (let r = 0; r < n; r++) rows.set(normalized(Float32Array.from({ length: d }, () => random() - 0.5)), r * d);
  const labels = Array.from({ length: n }, (_, i) => i);
  const queries = Array.from({ length: QUERIES }, () => Float32Array.from({ length: d }, () => random() - 0.5));
  const best = { plain: Infinity, rag: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither kernel always runs on a warmer machine.
    for (const which of round % 2 === 0 ? (['plain', 'rag'] as const) : (['rag', 'plain'] as const)) {
      const started = performance.now();
      for (const q of queries) (which === 'plain' ? plainScan : scanTopK)(q, k, labels, rows, d);
      best[which] = Math.min(best[which], performance.now() - started);
    }
  }
  const same = queries.slice(0, 20).every((q) => JSON.stringify(plainScan(q, k, labels, rows, d).map((h) => h.label)) === JSON.stringify(scanTopK(q, k, labels, rows, d).map((h) => h.label)));
  console.log(`| ${n} × ${d} | ${k} | ${best.plain.toFixed(0)} | ${best.rag.toFixed(0)} | ${(best.plain / best.rag).toFixed(2)}× |${same ? '' : ' (rankings differ!)'}`);
}
