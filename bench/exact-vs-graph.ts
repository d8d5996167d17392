/**
 * Per-query cost of the store's exact scan against the HNSW graph search, per dimension. The
 * store scans exactly while vectors × non-zero query components stays under EXACT_SEARCH_WORK;
 * the scan's cost grows with n·d, and this measures it against the graph at several d.
 *
 *   node --import tsx bench/exact-vs-graph.ts [--n 2537] [--dims 384,1024,4096] [--queries 100]
 *
 * n defaults to SciFact's chunk count with whole-document chunks (the `--chunk-size 8000` eval,
 * which is searched exactly). Random unit vectors (the scan's cost does not depend on the
 * values); queries are other random unit vectors. k = 10 (what `rag query` asks for by default)
 * and k = 200 (the depth `rag eval` reads to rank 100 documents). The graph is searched with the
 * store's per-query ef (`efFor`). Runs without ../shared/datasets (nothing here reads it).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { EXACT_SEARCH_WORK, efFor, VectorIndex } from '../src/store/hnsw.js';
import { randomUnits } from './random-vectors.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2537' },
    dims: { type: 'string', default: '384,1024,4096' },
    queries: { type: 'string', default: '100' },
  },
});
const n = Number(values.n);
const queryCount = Number(values.queries);

function msPerQuery(run: () => void): number {
  run(); // warm-up (the exact scan copies the vectors out of hnswlib on first use)
  const started = performance.now();
  for (let i = 0; i < queryCount; i++) run();
  return (performance.now() - started) / queryCount;
}

console.log(`n=${n} queries=${queryCount} M=16 efConstruction=200, exact while vectors x non-zero query components <= ${EXACT_SEARCH_WORK}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| dim | k | exact scan ms/query | graph ms/query (ef) | exact ÷ graph |');
console.log('|---|---|---|---|---|');
for (const dim of values.dims.split(',').map(Number)) {
  const vectors = randomUnits(n, dim, 7 + dim);
  const queries = randomUnits(queryCount, dim, 1000 + dim);
  const index = VectorIndex.create(dim, { M: 16, efConstruction: 200 }, n);
  vectors.forEach((v, i) => index.add(i, v));
  for (const k of [10, 200]) {
    let q = 0;
    const exact = msPerQuery(() => void index.search(queries[q++ % queryCount]!, k, { exact: true }));
    q = 0;
    const graph = msPerQuery(() => void index.search(queries[q++ % queryCount]!, k, { exact: false }));
    console.log(`| ${dim} | ${k} | ${exact.toFixed(2)} | ${graph.toFixed(2)} (${efFor(k, n)}) | ${(exact / graph).toFixed(1)} |`);
  }
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
