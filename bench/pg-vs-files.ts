/**
 * SciFact ingest and query on both stores, side by side: the HNSW files in a temporary folder and
 * PostgreSQL + pgvector (PGlite 0.5.14 + pgvector 0.8 served by pglite-socket on 127.0.0.1, the
 * server the tests use: test/helpers/pg-server.ts).
 *
 *   npm run bench:pg -- [--dims 1024,4096] [--queries 300] [--k 10]
 *
 * Per `hash` dimension and store: `ingest()` wall time (what `rag ingest` runs), index size, then
 * every claim of queries.jsonl through one opened index (embed the claim, `searchVector` k):
 * search latency p50/p95 (embedding excluded, same for both), recall@k of the store's top k
 * against an exact scan (the files store's `search(…, { exact: true })`), and the share of claims
 * with a cited abstract (qrels/test.tsv) among the top-k chunks' documents.
 *
 * pgvector builds an HNSW index only up to 2000 dimensions, so 1024 is the HNSW-vs-HNSW row and
 * 4096 (the `hash` default) compares the files against pgvector's exact scan.
 *
 * Caveat: PGlite is PostgreSQL compiled to WASM running inside this Node process, single-session,
 * untuned; a real server on its own machine behaves differently (usually much faster per query).
 * Skips (exit 0) when ../shared/datasets/scifact is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HashEmbedder } from '../src/embed/hash.js';
import { ingest } from '../src/ingest/pipeline.js';
import { IndexStore } from '../src/store/index-store.js';
import { openIndex } from '../src/store/open.js';
import type { IndexReader } from '../src/store/reader.js';
import { startPgServer } from '../test/helpers/pg-server.js';

const SCIFACT = fileURLToPath(new URL('../../shared/datasets/scifact/', import.meta.url));

const { values } = parseArgs({
  options: {
    dims: { type: 'string', default: '1024,4096' },
    queries: { type: 'string', default: '300' },
    k: { type: 'string', default: '10' },
  },
});

if (!existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
  console.log(`skipped: ${SCIFACT}corpus.jsonl not found`);
  process.exit(0);
}

const k = Number(values.k);
const claims = readFileSync(path.join(SCIFACT, 'queries.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { _id: string; text: string })
  .slice(0, Number(values.queries));
const cited = new Map<string, Set<string>>();
for (const line of readFileSync(path.join(SCIFACT, 'qrels', 'test.tsv'), 'utf8').split('\n').slice(1)) {
  const [qid, docId, score] = line.split('\t');
  if (!qid || !docId || Number(score) <= 0) continue;
  if (!cited.has(qid)) cited.set(qid, new Set());
  cited.get(qid)!.add(docId);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Row {
  store: string;
  dim: number;
  ingestSeconds: number;
  bytes: number;
  p50: number;
  p95: number;
  recall: number;
  success: number;
}

const load = (): string => os.loadavg()[0]!.toFixed(2);
const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-pg-'));
let started = performance.now();
const server = await startPgServer();
console.log(`PGlite + pgvector up in ${((performance.now() - started) / 1000).toFixed(1)} s (load ${load()})`);
const rows: Row[] = [];
try {
  for (const dim of values.dims.split(',').map(Number)) {
    const locations = { files: path.join(work, `files-${dim}`), postgres: server.url(`scifact_${dim}`) };
    const exactTop = new Map<string, string[]>();
    for (const [store, location] of Object.entries(locations)) {
      const model = new HashEmbedder({ dimension: dim });
      started = performance.now();
      const summary = await ingest({ paths: [path.join(SCIFACT, 'corpus.jsonl')], index: location, model, cache: false });
      const ingestSeconds = (performance.now() - started) / 1000;
      console.log(`${store} ${dim}-d: ingested ${summary.documents.added} documents, ${summary.chunks.total} chunks in ${ingestSeconds.toFixed(1)} s (load ${load()})`);
      const reader: IndexReader = await openIndex(location);
      const exactStore = store === 'files' ? (reader as IndexStore) : undefined;
      const queryModel = new HashEmbedder({ dimension: dim });
      const stats = reader.corpusStatistics();
      if (stats && queryModel.corpusStatistics) queryModel.corpusStatistics.load(stats);
      const ms: number[] = [];
      let overlap = 0;
      let successes = 0;
      for (const claim of claims) {
        const vector = await queryModel.embedQuery(claim.text);
        const t = performance.now();
        const hits = await reader.searchVector(vector, k);
        ms.push(performance.now() - t);
        const ids = hits.map((h) => h.chunk.id);
        if (exactStore !== undefined) exactTop.set(claim._id, exactStore.search(vector, k, { exact: true }).map((h) => h.chunk.id));
        const truth = exactTop.get(claim._id) ?? [];
        overlap += ids.filter((id) => truth.includes(id)).length / Math.max(1, truth.length);
        const wanted = cited.get(claim._id);
        if (wanted && hits.some((h) => wanted.has(h.chunk.docId))) successes++;
      }
      ms.sort((a, b) => a - b);
      const labelled = claims.filter((c) => cited.has(c._id)).length;
      rows.push({
        store,
        dim,
        ingestSeconds,
        bytes: await reader.sizeBytes(),
        p50: percentile(ms, 50),
        p95: percentile(ms, 95),
        recall: overlap / claims.length,
        success: successes / Math.max(1, labelled),
      });
      await reader.close();
      console.log(`${store} ${dim}-d: ${claims.length} queries, p50 ${percentile(ms, 50).toFixed(1)} ms (load ${load()})`);
    }
  }
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}

console.log(`\n${claims.length} SciFact claims, k = ${k}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${new Date().toISOString()}, load ${load()}\n`);
console.log('| store | dim | search | ingest | size | query p50 | query p95 | recall@k vs exact | claims with a cited doc in top k |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const search = r.store === 'files' ? 'exact scan or hnswlib (by work)' : r.dim <= 2000 ? 'pgvector HNSW' : 'pgvector exact scan';
  console.log(
    `| ${r.store} | ${r.dim} | ${search} | ${r.ingestSeconds.toFixed(1)} s | ${(r.bytes / 1024 / 1024).toFixed(1)} MiB | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.recall.toFixed(3)} | ${r.success.toFixed(3)} |`,
  );
}
console.log('\nratios postgres / files:');
for (const dim of new Set(rows.map((r) => r.dim))) {
  const f = rows.find((r) => r.dim === dim && r.store === 'files');
  const p = rows.find((r) => r.dim === dim && r.store === 'postgres');
  if (!f || !p) continue;
  console.log(`  ${dim}-d: ingest ×${(p.ingestSeconds / f.ingestSeconds).toFixed(2)}, size ×${(p.bytes / f.bytes).toFixed(2)}, query p50 ×${(p.p50 / f.p50).toFixed(2)}, p95 ×${(p.p95 / f.p95).toFixed(2)}`);
}
