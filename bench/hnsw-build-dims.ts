/**
 * What the vector dimension costs when building the HNSW graph: the same number of vectors
 * (by default 6,528, the chunk count of SciFact at the default 800-character chunks) at several
 * dimensions, M=16 and efConstruction=200 as the store uses.
 *
 *   node --import tsx bench/hnsw-build-dims.ts [--n 6528] [--dims 384,1024,4096] [--ef-construction 200]
 *     [--rounds 2] [--no-hash]
 *
 * Rows: random unit vectors per dimension (hnswlib's distance is a dense SIMD inner product, so
 * the values do not matter much, only the length), then the real `hash` vectors of the SciFact
 * chunks at 4096 (the default) and 1024 dimensions when ../shared/datasets/scifact is present
 * (skipped with a message when it is not). On a shared machine the load drifts by 3x within
 * minutes, so the builds run in rounds, each round building every row once, and the table keeps
 * each row's fastest round. Ratios are against the first row.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HashEmbedder } from '../src/embed/hash.js';
import { characterLength, chunkDocument } from '../src/ingest/chunk.js';
import { DEFAULT_CHUNKING } from '../src/model/chunking.js';
import { discoverFiles } from '../src/ingest/discover.js';
import { loadFile } from '../src/ingest/loaders/index.js';
import { VectorIndex } from '../src/store/hnsw.js';
import { randomUnits } from './random-vectors.js';

const SCIFACT = fileURLToPath(new URL('../../shared/datasets/scifact/', import.meta.url));

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '6528' },
    dims: { type: 'string', default: '384,1024,4096' },
    'ef-construction': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    'no-hash': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const dims = values.dims.split(',').map(Number);
const efConstruction = Number(values['ef-construction']);
const rounds = Number(values.rounds);

interface Row {
  label: string;
  dim: number;
  count: number;
  buildSeconds: number;
  writeSeconds: number;
  bytes: number;
}

async function build(label: string, vectors: Float32Array[], dir: string): Promise<Row> {
  const dim = vectors[0]!.length;
  const started = performance.now();
  const index = VectorIndex.create(dim, { M: 16, efConstruction }, vectors.length);
  vectors.forEach((v, i) => index.add(i, v));
  const buildSeconds = (performance.now() - started) / 1000;
  const file = path.join(dir, `${label.replace(/\W+/g, '-')}.hnsw`);
  const writeStart = performance.now();
  await index.write(file);
  const writeSeconds = (performance.now() - writeStart) / 1000;
  const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
  const row = { label, dim, count: vectors.length, buildSeconds, writeSeconds, bytes: size };
  console.log(`  ${label}: build ${buildSeconds.toFixed(1)} s, write ${writeSeconds.toFixed(2)} s (load ${os.loadavg()[0]!.toFixed(2)})`);
  return row;
}

async function scifactChunks(): Promise<string[]> {
  const { files } = await discoverFiles([path.join(SCIFACT, 'corpus.jsonl')]);
  const texts: string[] = [];
  for (const file of files) {
    for (const doc of (await loadFile(file)).documents) {
      for (const chunk of chunkDocument(doc, DEFAULT_CHUNKING.characters, characterLength)) texts.push(chunk.text);
    }
  }
  return texts;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-dims-'));
try {
  console.log(`n=${n} M=16 efConstruction=${efConstruction} rounds=${rounds}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.availableParallelism()} cores`);
  const sets: Array<{ label: string; vectors: Float32Array[] }> = dims.map((dim) => ({ label: `random d=${dim}`, vectors: randomUnits(n, dim, 42 + dim) }));
  if (values['no-hash']) {
    console.log('hash rows: skipped (--no-hash)');
  } else if (!existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
    console.log(`hash rows: skipped, ${SCIFACT} is absent (the shared datasets live next to the repo)`);
  } else {
    const texts = await scifactChunks();
    for (const dimension of [4096, 1024]) {
      const { vectors } = await new HashEmbedder({ dimension }).embedDocuments(texts);
      const nonZero = vectors.reduce((s, v) => s + v.reduce((c, x) => c + (x === 0 ? 0 : 1), 0), 0) / vectors.length;
      console.log(`hash d=${dimension}: ${texts.length} SciFact chunks, ${nonZero.toFixed(0)} non-zero components per vector on average`);
      sets.push({ label: `hash d=${dimension} (SciFact chunks)`, vectors });
    }
  }
  const best = new Map<string, Row>();
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}`);
    for (const set of sets) {
      const row = await build(set.label, set.vectors, dir);
      const previous = best.get(set.label);
      if (!previous || row.buildSeconds < previous.buildSeconds) best.set(set.label, row);
    }
  }

  const rows = sets.map((s) => best.get(s.label)!);
  const base = rows[0]!;
  console.log('');
  console.log(`| vectors | n | dim | build s (best of ${rounds}) | vs ${base.label} | µs per insert | write s | file MB |`);
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.count} | ${r.dim} | ${r.buildSeconds.toFixed(1)} | ${(r.buildSeconds / base.buildSeconds).toFixed(2)} | ${((r.buildSeconds / r.count) * 1e6).toFixed(0)} | ${r.writeSeconds.toFixed(2)} | ${(r.bytes / 1e6).toFixed(1)} |`,
    );
  }
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
