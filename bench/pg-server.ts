/**
 * rag's PostgreSQL store on a real PostgreSQL 15 + pgvector 0.8.6 server (a throwaway cluster on
 * this machine, test/helpers/pg-cluster.ts) against the embedded HNSW files, on the same vectors.
 *
 *   npm run bench:pg-server -- [--n 100000] [--dim 384] [--queries 300] [--clients 1,4,16] [--no-scifact]
 *
 * Part 1, `--n` clustered vectors of `--dim` (bench/clustered-vectors.ts, as §8a): write time
 * through each store's writer (writeIndex with the graph forced on; writePgIndex: multi-row
 * INSERTs, then CREATE INDEX … USING hnsw, m 16, ef_construction 200, in the one commit),
 * recall@10 of each store's default search against the exact top 10 (the files store's exact
 * scan), and queries per second with 1, 4 and 16 concurrent clients on PostgreSQL (each client
 * its own connection, searchVector in a loop) against the files store in one process.
 *
 * Part 2, SciFact (../shared/datasets/scifact, skipped when absent) with the built-in `hash`
 * model (4096 dimensions, above pgvector's HNSW limits): `ingest()` into PostgreSQL, then
 * recall@10 and QPS of the halfvec HNSW candidates + exact re-rank against the exact scan.
 *
 * Server and clients share this machine's cores, so QPS at 16 clients is bounded by the CPUs
 * here, not by PostgreSQL.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HashEmbedder } from '../src/embed/hash.js';
import { ingest } from '../src/ingest/pipeline.js';
import type { Chunk } from '../src/model/document.js';
import { IndexStore } from '../src/store/index-store.js';
import type { IndexInit } from '../src/store/transaction.js';
import { writeIndex } from '../src/store/write-index.js';
import { PgIndex } from '../src/store/pg/pg-index.js';
import { writePgIndex } from '../src/store/pg/pg-write.js';
import type { IndexWriter } from '../src/store/reader.js';
import { startPgCluster } from '../test/helpers/pg-cluster.js';
import { clusteredVectors } from './clustered-vectors.js';

const SCIFACT = fileURLToPath(new URL('../../shared/datasets/scifact/', import.meta.url));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '300' },
    clients: { type: 'string', default: '1,4,16' },
    seconds: { type: 'string', default: '8' },
    'no-scifact': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const dim = Number(values.dim);
const K = 10;
const clientCounts = values.clients.split(',').map(Number);
const qpsSeconds = Number(values.seconds);
const load = (): string => os.loadavg()[0]!.toFixed(1);
const since = (t: number): number => (performance.now() - t) / 1000;
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${line}`);

const CHUNKS_PER_DOC = 10;
async function fill(tx: IndexWriter, vectors: Float32Array[], origin: string): Promise<void> {
  for (let start = 0; start < vectors.length; start += CHUNKS_PER_DOC) {
    const docId = `doc${start / CHUNKS_PER_DOC}`;
    const chunks: Chunk[] = [];
    for (let i = start; i < Math.min(vectors.length, start + CHUNKS_PER_DOC); i++) {
      chunks.push({ id: `${docId}#${i - start}`, docId, index: i - start, text: `chunk ${i}`, page: null, start: 0, end: 0, headings: [] });
    }
    tx.putDocument({ docId, source: docId, origin, format: 'text', contentHash: docId, chunkIds: chunks.map((c) => c.id) }, chunks, vectors.slice(start, start + chunks.length));
  }
}

function recallOf(results: string[][], truth: string[][]): number {
  let found = 0;
  for (let i = 0; i < truth.length; i++) found += results[i]!.filter((id) => truth[i]!.includes(id)).length / truth[i]!.length;
  return found / truth.length;
}

/** Queries per second of `clients` loops, each calling `search` on its own reader, for `qpsSeconds`. */
async function qps(readers: PgIndex[], queries: Float32Array[], clients: number): Promise<number> {
  const deadline = performance.now() + qpsSeconds * 1000;
  let done = 0;
  const t = performance.now();
  await Promise.all(
    readers.slice(0, clients).map(async (reader, c) => {
      for (let i = c; performance.now() < deadline; i += clients) {
        await reader.searchVector(queries[i % queries.length]!, K);
        done++;
      }
    }),
  );
  return done / since(t);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-pgs-'));
const cluster = await startPgCluster({ settings: ["maintenance_work_mem = '1GB'", 'shared_buffers = 512MB', 'max_parallel_maintenance_workers = 1'] });
const lines: string[] = [];
try {
  log(`PostgreSQL cluster on port ${cluster.port}; generating ${n} × ${dim} clustered vectors`);
  const { vectors, queries } = clusteredVectors({ count: n, queries: Number(values.queries), dim });
  const init: IndexInit = {
    model: { id: 'bench-clustered', provider: 'builtin', name: 'bench-clustered', dimension: dim, normalize: true },
    modelFingerprint: 'bench-clustered',
    chunking: { chunkSize: 800, chunkOverlap: 0, lengthUnit: 'characters' },
    hnsw: { M: 16, efConstruction: 200 },
  };
  const dir = path.join(work, 'files');
  let t = performance.now();
  await writeIndex(dir, init, (tx) => fill(tx, vectors, dir), { graphWork: 0 });
  const filesWrite = since(t);
  log(`files: wrote ${n} vectors + graph in ${filesWrite.toFixed(1)} s`);
  const url = cluster.url({ table: 'bench' });
  t = performance.now();
  await writePgIndex(url, init, (tx) => fill(tx, vectors, 'bench'));
  const pgWrite = since(t);
  log(`postgres: wrote ${n} vectors + HNSW index in ${pgWrite.toFixed(1)} s`);

  const files = await IndexStore.open(dir);
  const truth = queries.map((q) => files.search(q, K, { exact: true }).map((h) => h.chunk.id));
  const filesHits = queries.map((q) => files.search(q, K).map((h) => h.chunk.id));
  t = performance.now();
  let filesDone = 0;
  while (since(t) < qpsSeconds) files.search(queries[filesDone++ % queries.length]!, K);
  const filesQps = filesDone / since(t);
  const readers = await Promise.all(Array.from({ length: Math.max(...clientCounts) }, () => PgIndex.open(url, { max: 1 })));
  const pgHits: string[][] = [];
  for (const q of queries) pgHits.push((await readers[0]!.searchVector(q, K)).map((h) => h.chunk.id));
  const exactPg: string[][] = [];
  for (const q of queries.slice(0, 50)) exactPg.push((await readers[0]!.searchVector(q, K, { exact: true })).map((h) => h.chunk.id));
  const pgQps = new Map<number, number>();
  for (const c of clientCounts) {
    pgQps.set(c, await qps(readers, queries, c));
    log(`postgres: ${c} clients: ${pgQps.get(c)!.toFixed(0)} queries/s`);
  }
  for (const r of readers) await r.close();

  lines.push(`### ${n.toLocaleString('en')} × ${dim} clustered vectors, k = ${K}, ${queries.length} queries`, '');
  lines.push('| store | write (vectors + index) | vectors/s | recall@10 vs exact | QPS 1 client | ' + clientCounts.slice(1).map((c) => `QPS ${c} clients`).join(' | ') + ' |');
  lines.push('|---|---|---|---|---|' + clientCounts.slice(1).map(() => '---|').join(''));
  lines.push(`| files (hnswlib, in process) | ${filesWrite.toFixed(1)} s | ${(n / filesWrite).toFixed(0)} | ${recallOf(filesHits, truth).toFixed(3)} | ${filesQps.toFixed(0)} | ${clientCounts.slice(1).map(() => '(one process)').join(' | ')} |`);
  lines.push(`| PostgreSQL 15 + pgvector HNSW | ${pgWrite.toFixed(1)} s | ${(n / pgWrite).toFixed(0)} | ${recallOf(pgHits, truth).toFixed(3)} | ${clientCounts.map((c) => pgQps.get(c)!.toFixed(0)).join(' | ')} |`);
  lines.push('');
  lines.push(`pgvector exact scan (enable_indexscan off) vs the files' exact scan, first 50 queries: recall ${recallOf(exactPg, truth.slice(0, 50)).toFixed(3)} (a check that both compute the same thing).`);
  lines.push(`Ratios postgres / files: write ×${(pgWrite / filesWrite).toFixed(2)}, QPS at 1 client ×${(pgQps.get(clientCounts[0]!)! / filesQps).toFixed(2)}` +
    clientCounts.slice(1).map((c) => `, at ${c} clients ×${(pgQps.get(c)! / filesQps).toFixed(2)}`).join('') + '.');
  await files.close?.();

  if (!values['no-scifact'] && existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
    const scifactUrl = cluster.url({ table: 'scifact_hash' });
    t = performance.now();
    const summary = await ingest({ paths: [path.join(SCIFACT, 'corpus.jsonl')], index: scifactUrl, cache: false });
    const ingestSeconds = since(t);
    log(`scifact: ingested ${summary.chunks.total} chunks (hash, 4096 dims) in ${ingestSeconds.toFixed(1)} s`);
    const claims = readFileSync(path.join(SCIFACT, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text).slice(0, Number(values.queries));
    const reader = await PgIndex.open(scifactUrl);
    const embedder = new HashEmbedder();
    const stats = reader.corpusStatistics();
    if (stats && embedder.corpusStatistics) embedder.corpusStatistics.load(stats);
    const qv = await Promise.all(claims.map((c) => embedder.embedQuery(c)));
    const annIds: string[][] = [];
    const exactIds: string[][] = [];
    let tAnn = 0;
    let tExact = 0;
    for (const q of qv) {
      t = performance.now();
      annIds.push((await reader.searchVector(q, K)).map((h) => h.chunk.id));
      tAnn += since(t);
      t = performance.now();
      exactIds.push((await reader.searchVector(q, K, { exact: true })).map((h) => h.chunk.id));
      tExact += since(t);
    }
    await reader.close();
    lines.push('', `### SciFact with \`hash\` (4096 dims): ${summary.chunks.total} chunks, ${qv.length} claims, k = ${K}`, '');
    lines.push('| search | recall@10 vs exact | QPS (1 client) |', '|---|---|---|');
    lines.push(`| exact scan (all ${summary.chunks.total} chunks) | 1.000 | ${(qv.length / tExact).toFixed(1)} |`);
    lines.push(`| HNSW over halfvec(first 4000 dims), ef_search candidates re-ranked exactly | ${recallOf(annIds, exactIds).toFixed(3)} | ${(qv.length / tAnn).toFixed(1)} |`);
    lines.push('', `Ingest (\`ingest()\`, embedding included): ${ingestSeconds.toFixed(1)} s. HNSW / exact QPS ×${(tExact / tAnn).toFixed(2)}.`);
  }
} finally {
  await cluster.destroy();
  await rm(work, { recursive: true, force: true });
}
console.log(`\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${new Date().toISOString()}, load ${load()}\n`);
console.log(lines.join('\n'));
