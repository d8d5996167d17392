/**
 * What efConstruction costs and buys on the vectors the default model really produces: the
 * built-in `hash` model's 4096-dimension vectors of the SciFact chunks, queried with the 300
 * SciFact claims. For each efConstruction: build time, and recall of the graph search (with the
 * store's per-query ef rule) against exact search, at k = 10 and k = 200 (the depth `rag eval`
 * reads to rank 100 documents).
 *
 *   node --import tsx bench/hnsw-ef-construction.ts [--ef-construction 200,100,64] [--dimension 4096]
 *
 * Skips with a message when ../shared/datasets/scifact is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HashEmbedder } from '../src/embed/hash.js';
import { characterLength, chunkDocument } from '../src/ingest/chunk.js';
import { DEFAULT_CHUNKING } from '../src/model/chunking.js';
import { discoverFiles } from '../src/ingest/discover.js';
import { loadFile } from '../src/ingest/loaders/index.js';
import { efFor, VectorIndex } from '../src/store/hnsw.js';

const SCIFACT = fileURLToPath(new URL('../../shared/datasets/scifact/', import.meta.url));
const { values } = parseArgs({
  options: {
    'ef-construction': { type: 'string', default: '200,100,64' },
    dimension: { type: 'string', default: '4096' },
  },
});

if (!existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
  console.log(`skipped: ${SCIFACT} is absent (the shared datasets live next to the repo)`);
  process.exit(0);
}

const model = new HashEmbedder({ dimension: Number(values.dimension) });
const texts: string[] = [];
const { files } = await discoverFiles([path.join(SCIFACT, 'corpus.jsonl')]);
for (const file of files) {
  for (const doc of (await loadFile(file)).documents) {
    for (const chunk of chunkDocument(doc, DEFAULT_CHUNKING.characters, characterLength)) texts.push(chunk.text);
  }
}
const { vectors } = await model.embedDocuments(texts);
model.corpusStatistics.add(texts);
const claims = readFileSync(path.join(SCIFACT, 'queries.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { text: string }).text);
const queries = await Promise.all(claims.map((c) => model.embedQuery(c)));

console.log(
  `${texts.length} chunks x ${model.info.dimension} dims, ${queries.length} queries, M=16; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.availableParallelism()} cores`,
);
const rows: string[] = [];
let exactTruth: Array<Map<number, number[]>> | undefined;
for (const efConstruction of values['ef-construction'].split(',').map(Number)) {
  const started = performance.now();
  const index = VectorIndex.create(model.info.dimension, { M: 16, efConstruction }, vectors.length);
  vectors.forEach((v, i) => index.add(i, v));
  const buildSeconds = (performance.now() - started) / 1000;
  exactTruth ??= queries.map((q) => new Map([10, 200].map((k) => [k, index.exactSearch(q, k).map((h) => h.label)])));
  const recall: number[] = [];
  const searchMs: number[] = [];
  for (const k of [10, 200]) {
    let found = 0;
    let total = 0;
    const t = performance.now();
    queries.forEach((q, i) => {
      const got = new Set(index.search(q, k, { exact: false, ef: efFor(k, vectors.length) }).map((h) => h.label));
      const truth = exactTruth![i]!.get(k)!;
      total += truth.length;
      for (const label of truth) if (got.has(label)) found++;
    });
    searchMs.push((performance.now() - t) / queries.length);
    recall.push(found / total);
  }
  const row = `| ${efConstruction} | ${buildSeconds.toFixed(1)} | ${recall[0]!.toFixed(4)} | ${recall[1]!.toFixed(4)} | ${searchMs[0]!.toFixed(2)} | ${searchMs[1]!.toFixed(2)} |`;
  console.log(row, `(load ${os.loadavg()[0]!.toFixed(2)})`);
  rows.push(row);
}
console.log('\n| efConstruction | build s | recall@10 vs exact | recall@200 vs exact | ms/query k=10 | ms/query k=200 |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
