/**
 * Recall@10 and latency of the store's graph search against its exact scan, on 100k × 384
 * clustered vectors (bench/clustered-vectors.ts), through the real on-disk path: `writeIndex`
 * (graph forced on), `IndexStore.open`, `IndexStore.search`. Then LangChain's `HNSWLib` vector
 * store, built and searched with its own defaults on the same vectors and queries.
 *
 *   npm run bench:search -- [--n 100000] [--dim 384] [--queries 500] [--centres 1000]
 *                           [--efs 10,16,32,64,100,128,200,256,400,800] [--M 16] [--ef-construction 200]
 *                           [--no-langchain]
 *
 * Prints markdown tables: the recall/latency curve over ef (the store's default `efFor` row
 * marked), exact-scan latency, build and load times, and LangChain's recall@10. Takes several
 * minutes at 100k on 2 cores (two graph builds); nothing is cached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import type { Chunk } from '../src/model/document.js';
import { IndexStore } from '../src/store/index-store.js';
import { writeIndex } from '../src/store/write-index.js';
import { DEFAULT_HNSW_PARAMS, efFor } from '../src/store/hnsw.js';
import { clusteredVectors } from './clustered-vectors.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '500' },
    centres: { type: 'string', default: '1000' },
    efs: { type: 'string', default: '10,16,32,64,100,128,200,256,400,800' },
    M: { type: 'string', default: String(DEFAULT_HNSW_PARAMS.M) },
    'ef-construction': { type: 'string', default: String(DEFAULT_HNSW_PARAMS.efConstruction) },
    'no-langchain': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const dim = Number(values.dim);
const queryCount = Number(values.queries);
const efs = values.efs.split(',').map(Number);
const params = { M: Number(values.M), efConstruction: Number(values['ef-construction']) };
const K = 10;
const CHUNKS_PER_DOC = 1000;

const load = (): string => os.loadavg()[0]!.toFixed(2);
const seconds = (from: number): number => (performance.now() - from) / 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Measured {
  recall: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Runs `search` for every query (after a few warm-up calls) and scores it against `truth`. */
async function measure(queries: Float32Array[], truth: Set<string>[], search: (q: Float32Array) => Promise<string[]> | string[]): Promise<Measured> {
  for (const q of queries.slice(0, 5)) await search(q);
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < queries.length; i++) {
    const t = performance.now();
    const ids = await search(queries[i]!);
    times.push(performance.now() - t);
    for (const id of ids) if (truth[i]!.has(id)) found++;
  }
  times.sort((a, b) => a - b);
  return {
    recall: found / (queries.length * K),
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
  };
}

/** LangChain only needs an Embeddings object to exist; the bench hands it vectors directly. */
class VectorsOnly extends Embeddings {
  constructor() {
    super({});
  }
  embedDocuments(): Promise<number[][]> {
    throw new Error('the bench passes vectors, not texts');
  }
  embedQuery(): Promise<number[]> {
    throw new Error('the bench passes vectors, not texts');
  }
}

console.log(`# search recall: n=${n} dim=${dim} queries=${queryCount} centres=${values.centres} M=${params.M} efConstruction=${params.efConstruction}`);
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, load ${load()}`);

let t = performance.now();
const { vectors, queries } = clusteredVectors({ count: n, queries: queryCount, dim, centres: Number(values.centres), seed: 7 });
console.log(`generated in ${seconds(t).toFixed(1)} s`);

const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-search-'));
try {
  const init = {
    model: { id: 'bench-clustered', provider: 'builtin' as const, name: 'bench-clustered', dimension: dim, normalize: true },
    modelFingerprint: 'bench-clustered',
    chunking: { chunkSize: 800, chunkOverlap: 0, lengthUnit: 'characters' as const },
    hnsw: params,
  };
  t = performance.now();
  const loadAtBuild = load();
  await writeIndex(
    dir,
    init,
    async (tx) => {
      for (let start = 0; start < n; start += CHUNKS_PER_DOC) {
        const docId = `doc${start / CHUNKS_PER_DOC}`;
        const chunks: Chunk[] = [];
        for (let i = start; i < Math.min(n, start + CHUNKS_PER_DOC); i++) {
          chunks.push({ id: `${docId}#${i - start}`, docId, index: i - start, text: `chunk ${i}`, page: null, start: 0, end: 0, headings: [] });
        }
        tx.putDocument(
          { docId, source: docId, origin: dir, format: 'text', contentHash: docId, chunkIds: chunks.map((c) => c.id) },
          chunks,
          vectors.slice(start, start + chunks.length),
        );
      }
    },
    { graphWork: 0 },
  );
  const buildSeconds = seconds(t);
  t = performance.now();
  const store = await IndexStore.open(dir);
  const openSeconds = seconds(t);
  const files = store.manifest.files;
  console.log(
    `ours: build + write ${buildSeconds.toFixed(1)} s (load ${loadAtBuild}), open ${openSeconds.toFixed(2)} s; ` +
      `vectors ${((files.flatVectors?.bytes ?? 0) / 1e6).toFixed(1)} MB, graph ${((files.vectors?.bytes ?? 0) / 1e6).toFixed(1)} MB`,
  );
  if (files.vectors === undefined) throw new Error('the index has no graph: graphWork 0 should have forced one');

  const truth: Set<string>[] = [];
  const exact = await measure(queries, queries.map(() => new Set<string>()), (q) => {
    const ids = store.search(q, K, { exact: true }).map((h) => h.chunk.id);
    truth.push(new Set(ids));
    return ids;
  });
  // `measure` ran 5 warm-up queries first: keep only the last pass's truths.
  truth.splice(0, truth.length - queries.length);

  const rows: Array<{ name: string; m: Measured }> = [];
  for (const ef of efs) {
    rows.push({ name: String(ef), m: await measure(queries, truth, (q) => store.search(q, K, { ef, exact: false }).map((h) => h.chunk.id)) });
  }
  const defaultEf = efFor(K, n);
  const defaults = await measure(queries, truth, (q) => store.search(q, K).map((h) => h.chunk.id));

  console.log(`\nload ${load()} after our searches\n`);
  console.log('| ef | recall@10 | p50 ms | p95 ms | mean ms | exact p50 ÷ p50 |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const { name, m } of rows) {
    console.log(`| ${name}${Number(name) === defaultEf ? ' (= default)' : ''} | ${m.recall.toFixed(4)} | ${m.p50.toFixed(3)} | ${m.p95.toFixed(3)} | ${m.mean.toFixed(3)} | ${(exact.p50 / m.p50).toFixed(1)} |`);
  }
  console.log(`| **default** (efFor(10, ${n}) = ${defaultEf}) | **${defaults.recall.toFixed(4)}** | ${defaults.p50.toFixed(3)} | ${defaults.p95.toFixed(3)} | ${defaults.mean.toFixed(3)} | **${(exact.p50 / defaults.p50).toFixed(1)}** |`);
  console.log(`| exact scan | 1.0000 | ${exact.p50.toFixed(3)} | ${exact.p95.toFixed(3)} | ${exact.mean.toFixed(3)} | 1.0 |`);

  if (!values['no-langchain']) {
    const arrays = vectors.map((v) => Array.from(v));
    const docs = vectors.map((_, i) => new Document({ pageContent: '', metadata: { id: `doc${Math.floor(i / CHUNKS_PER_DOC)}#${i % CHUNKS_PER_DOC}` } }));
    t = performance.now();
    const loadAtLc = load();
    const lc = new HNSWLib(new VectorsOnly(), { space: 'cosine', numDimensions: dim });
    await lc.addVectors(arrays, docs);
    const lcBuild = seconds(t);
    const lcm = await measure(queries, truth, async (q) =>
      (await lc.similaritySearchVectorWithScore(Array.from(q), K)).map(([doc]) => String(doc.metadata['id'])),
    );
    console.log(`\nLangChain HNSWLib (defaults: M 16, efConstruction 200, ef never set = 10): build ${lcBuild.toFixed(1)} s (load ${loadAtLc})`);
    console.log('| store | recall@10 | p50 ms | p95 ms | build s |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(`| LangChain HNSWLib, defaults | ${lcm.recall.toFixed(4)} | ${lcm.p50.toFixed(3)} | ${lcm.p95.toFixed(3)} | ${lcBuild.toFixed(1)} |`);
    console.log(`| rag, default ef ${defaultEf} | ${defaults.recall.toFixed(4)} | ${defaults.p50.toFixed(3)} | ${defaults.p95.toFixed(3)} | ${buildSeconds.toFixed(1)} (incl. write) |`);
  }
  console.log(`\nload ${load()} at the end`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
