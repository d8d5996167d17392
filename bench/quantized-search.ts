/**
 * int8 and binary search against float32 on the same vectors, one process, one run
 * (issue 16, "dimensions and precision"): 100k × 1024 clustered unit vectors
 * (bench/clustered-vectors.ts), 200 queries, top 10, every search a full scan.
 *
 * Rows: float32 exact scan as the store runs it at this size (`scanTopK`: 400 MB of rows is above
 * the WebAssembly kernel's copy limit, so its JavaScript loop), float32 with the WebAssembly SIMD
 * kernel on the first half of the rows (the baseline where it applies, scaled to the same count),
 * int8 (asymmetric: float query · calibrated codes), binary (Hamming, WebAssembly popcnt),
 * binary + rescoring the top N by the float query against the ±1 rows, and binary + exact
 * rescoring of the top N from the float rows.
 * Recall@10 is against the float32 exact top 10. Bytes per vector are the stored codes.
 *
 *   node --import tsx bench/quantized-search.ts [--n 100000] [--dim 1024] [--queries 200]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { scanTopK, type LabelHit } from '../src/store/exact-scan.js';
import { BinaryVectors, bytesPerVector, Int8Vectors } from '../src/store/quantized.js';
import { SimdDots } from '../src/store/simd-dots.js';
import { clusteredVectors } from './clustered-vectors.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, dim: { type: 'string', default: '1024' }, queries: { type: 'string', default: '200' } } });
const N = Number(values.n);
const D = Number(values.dim);
const Q = Number(values.queries);

const t0 = performance.now();
const data = clusteredVectors({ count: N, queries: Q, dim: D, seed: 16 });
const rows = new Float32Array(N * D);
data.vectors.forEach((v, i) => rows.set(v, i * D));
data.vectors.length = 0;
const labels = Uint32Array.from({ length: N }, (_, i) => i);
console.error(`data: ${N} × ${D} in ${((performance.now() - t0) / 1000).toFixed(1)} s; load ${os.loadavg()[0]!.toFixed(1)}`);

function timed(name: string, search: (q: Float32Array) => LabelHit[]): { name: string; ms: number; hits: LabelHit[][] } {
  search(data.queries[0]!); // warm-up (JIT, kernel copies)
  const started = performance.now();
  const hits = data.queries.map(search);
  const ms = (performance.now() - started) / data.queries.length;
  console.error(`${name}: ${ms.toFixed(2)} ms/query`);
  return { name, ms, hits };
}

const exact = timed('float32 scan', (q) => scanTopK(q, 10, labels, rows, D));
const half = Math.floor(N / 2);
const simd = SimdDots.create();
const simdRows = rows.subarray(0, half * D);
const simdLabels = labels.subarray(0, half);
const simdRun = simd !== undefined && SimdDots.supports(D, half)
  ? timed('float32 SIMD (half)', (q) => scanTopK(q, 10, simdLabels, simdRows, D, undefined, { kernel: simd, version: 1 }))
  : undefined;

const t1 = performance.now();
const int8 = Int8Vectors.fromRows(rows, D, labels);
const int8Build = (performance.now() - t1) / 1000;
const t2 = performance.now();
const binary = BinaryVectors.fromRows(rows, D, labels);
const binaryBuild = (performance.now() - t2) / 1000;
const rowOf = (label: number): Float32Array => rows.subarray(label * D, (label + 1) * D);

const runs = [
  { ...exact, precision: 'float32', bytes: bytesPerVector('float32', D) },
  { ...timed('int8', (q) => int8.search(q, 10)), precision: 'int8', bytes: bytesPerVector('int8', D) },
  { ...timed('binary', (q) => binary.search(q, 10)), precision: 'binary', bytes: bytesPerVector('binary', D) },
  ...[40, 100].map((c) => ({ ...timed(`binary + rescore ${c} (signs)`, (q) => binary.search(q, 10, { candidates: c })), precision: 'binary', bytes: bytesPerVector('binary', D) })),
  ...[40, 100, 200, 400, 800, 1600].map((c) => ({ ...timed(`binary + rescore ${c} (float rows)`, (q) => binary.search(q, 10, { candidates: c, rowOf })), precision: 'binary', bytes: bytesPerVector('binary', D) })),
];

const recallOf = (hits: LabelHit[][]): number =>
  hits.reduce((sum, h, i) => {
    const truth = new Set(exact.hits[i]!.map((x) => x.label));
    return sum + h.filter((x) => truth.has(x.label)).length / 10;
  }, 0) / hits.length;

console.log(`| search (${N.toLocaleString('en')} × ${D}, ${Q} queries, top 10) | bytes/vector | memory vs float32 | ms/query | speed-up vs float32 scan | recall@10 vs float32 |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const run of runs) {
  console.log(`| ${run.name} | ${run.bytes} | ${run.bytes === bytesPerVector('float32', D) ? '(baseline)' : `${(bytesPerVector('float32', D) / run.bytes).toFixed(0)}× smaller`} | ${run.ms.toFixed(2)} | ×${(exact.ms / run.ms).toFixed(2)} | ${recallOf(run.hits).toFixed(3)} |`);
}
if (simdRun !== undefined) {
  const scaled = simdRun.ms * (N / half);
  console.log(`\nfloat32 with the WebAssembly SIMD kernel, ${half.toLocaleString('en')} rows: ${simdRun.ms.toFixed(2)} ms/query, ${scaled.toFixed(2)} ms scaled to ${N.toLocaleString('en')} rows; binary vs that: ×${(scaled / runs[2]!.ms).toFixed(2)}, ${runs.filter((r) => r.name.includes('(float rows)')).map((r) => `${r.name.replace('binary + ', '')} ×${(scaled / r.ms).toFixed(2)}`).join(', ')}`);
}
console.log(`quantising: int8 ${int8Build.toFixed(1)} s, binary ${binaryBuild.toFixed(1)} s; ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}, ${new Date().toISOString()}`);
