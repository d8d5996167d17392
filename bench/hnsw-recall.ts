/**
 * Recall@10 of the HNSW graph against exact search, per `ef`, on synthetic vectors.
 *
 *   node --import tsx bench/hnsw-recall.ts [--dim 384] [--sizes 5000,20000] [--queries 200]
 *
 * Three kinds of data: "clustered" (unit vectors around 200 random centres, roughly how text
 * embeddings of a corpus sit in space), "noisy" (the same with twice the noise) and "uniform"
 * (independent random directions: the worst case for any graph index, where nearest neighbours
 * are barely nearer than anything else).
 * Prints build time, and recall@10 and mean query time for each ef; the last rows show the rule
 * the store uses (`efFor`) and exact search.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { VectorIndex, efFor, normalized } from '../src/store/hnsw.js';
import { seededRandom } from '../src/random.js';

const { values } = parseArgs({
  options: {
    dim: { type: 'string', default: '384' },
    sizes: { type: 'string', default: '5000,20000' },
    queries: { type: 'string', default: '200' },
    data: { type: 'string', default: 'clustered,noisy,uniform' },
    efs: { type: 'string', default: '10,32,64,128,200,256,512' },
  },
});
const dim = Number(values.dim);
const sizes = values.sizes.split(',').map(Number);
const queryCount = Number(values.queries);
const kinds = values.data.split(',');
const efs = values.efs.split(',').map(Number);
const K = 10;

const rng = seededRandom;

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function randomUnit(rand: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = gaussian(rand);
  return normalized(v);
}

function makeData(kind: string, n: number, seed: number): Float32Array[] {
  const rand = rng(seed);
  if (kind === 'uniform') return Array.from({ length: n + queryCount }, () => randomUnit(rand));
  const centres = Array.from({ length: 200 }, () => randomUnit(rand));
  // "clustered": noise per coordinate such that a point's cosine to its centre is ~0.7 and to
  // its cluster-mates ~0.5. "noisy": cosine to the centre ~0.45, to cluster-mates ~0.2: tight
  // neighbourhoods dissolve and the data sits between clustered and uniform.
  const sigma = (kind === 'noisy' ? 2 : 1) / Math.sqrt(dim);
  return Array.from({ length: n + queryCount }, () => {
    const c = centres[Math.floor(rand() * centres.length)]!;
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = c[i]! + sigma * gaussian(rand);
    return normalized(v);
  });
}

function fmt(n: number, digits: number): string {
  return n.toFixed(digits);
}

console.log(`dim=${dim} k=${K} queries=${queryCount} M=16 efConstruction=200`);
console.log('| data | N | build s | ef | recall@10 | ms/query |');
console.log('|---|---|---|---|---|---|');
for (const kind of kinds) {
  for (const n of sizes) {
    const all = makeData(kind, n, 42 + n);
    const base = all.slice(0, n);
    const queries = all.slice(n);
    const t0 = performance.now();
    const index = VectorIndex.create(dim, { M: 16, efConstruction: 200 }, n);
    base.forEach((v, label) => index.add(label, v));
    const buildSeconds = (performance.now() - t0) / 1000;

    const truth = queries.map((q) => new Set(index.exactSearch(q, K).map((h) => h.label)));
    const rows: Array<[string, VectorIndexSearch]> = [
      ...efs.map((ef): [string, VectorIndexSearch] => [String(ef), { ef }]),
      [`efFor=${efFor(K, n)}`, {}],
      ['exact', { exact: true }],
    ];
    for (const [label, opts] of rows) {
      let found = 0;
      const t1 = performance.now();
      const results = queries.map((q) => index.search(q, K, { exact: false, ...opts }));
      const ms = (performance.now() - t1) / queries.length;
      results.forEach((hits, i) => {
        for (const h of hits) if (truth[i]!.has(h.label)) found++;
      });
      console.log(`| ${kind} | ${n} | ${fmt(buildSeconds, 1)} | ${label} | ${fmt(found / (queries.length * K), 3)} | ${fmt(ms, 3)} |`);
    }
  }
}

interface VectorIndexSearch {
  ef?: number;
  exact?: boolean;
}
