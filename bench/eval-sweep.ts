/**
 * A 9-row trade-off sweep (3 dimensions × 3 precisions) against a plain one-row eval of the same
 * dataset, in one process and one run: the goal (issue 16) is that the sweep costs at most 1.2×
 * embedding each (model, chunking) once, since its rows reuse the one index.
 *
 *   npm run bench:sweep [-- DATASET]                       hash (4,096 dimensions: 4096,1024,256)
 *   npm run bench:sweep -- --shape bge-small [DATASET]     a local ONNX model of bge-small-zh's shape
 *
 * DATASET defaults to ../shared/datasets/scifact, else datasets/zh-sample. `hash` embeds a corpus
 * in seconds, so its sweep measures mostly search. `--shape bge-small` generates a BERT with
 * bge-small-zh-v1.5's architecture and random weights (test/helpers/bert-onnx.ts: the compute of
 * the real model, none of its quality) and sweeps 512,256,128 dimensions: the cost a user of a
 * neural model sees. To keep a run in minutes it evaluates the first SWEEP_DOCS documents
 * (default 500) and the queries labelled inside them. Nothing is cached: every run embeds.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluate } from '../src/eval/runner.js';
import { BGE_SMALL_ZH_SHAPE, wordPieceVocabulary, writeBertModel } from '../test/helpers/bert-onnx.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { shape: { type: 'string' } } });
const shared = path.join(REPO, '..', 'shared', 'datasets', 'scifact');
let dataset = positionals[0] ?? (existsSync(shared) ? shared : path.join(REPO, 'datasets', 'zh-sample'));
const limit = Number(process.env['SWEEP_QUERIES'] ?? 300);
const work = await mkdtemp(path.join(os.tmpdir(), 'rag-sweep-'));

let model = 'hash';
let dimensions = [4096, 1024, 256];
if (values.shape !== undefined) {
  if (values.shape !== 'bge-small') throw new Error(`--shape ${values.shape}: only bge-small is known`);
  dataset = await subset(dataset, Number(process.env['SWEEP_DOCS'] ?? 500));
  const texts = (await readFile(path.join(dataset, 'corpus.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
  model = await writeBertModel(path.join(work, 'bge-small-shape'), { shape: BGE_SMALL_ZH_SHAPE, vocabulary: wordPieceVocabulary(texts, BGE_SMALL_ZH_SHAPE.vocab), pooling: 'cls' });
  dimensions = [512, 256, 128];
}

/** A BEIR folder with the first `docs` documents of `from` and the test labels that point into them. */
async function subset(from: string, docs: number): Promise<string> {
  const dir = path.join(work, 'dataset');
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  const corpus = (await readFile(path.join(from, 'corpus.jsonl'), 'utf8')).split('\n').filter(Boolean).slice(0, docs);
  const ids = new Set(corpus.map((l) => (JSON.parse(l) as { _id: string })._id));
  const [header, ...rows] = (await readFile(path.join(from, 'qrels', 'test.tsv'), 'utf8')).split('\n').filter(Boolean);
  const kept = rows.filter((r) => ids.has(r.split('\t')[1] ?? ''));
  const queryIds = new Set(kept.map((r) => r.split('\t')[0]));
  const queries = (await readFile(path.join(from, 'queries.jsonl'), 'utf8')).split('\n').filter(Boolean).filter((l) => queryIds.has((JSON.parse(l) as { _id: string })._id));
  await writeFile(path.join(dir, 'corpus.jsonl'), corpus.join('\n') + '\n');
  await writeFile(path.join(dir, 'queries.jsonl'), queries.join('\n') + '\n');
  await writeFile(path.join(dir, 'qrels', 'test.tsv'), [header, ...kept].join('\n') + '\n');
  return dir;
}

interface Timed {
  seconds: number;
  /** Until the index was built (documents read, chunked, embedded, indexed). */
  buildSeconds: number;
  rows: number;
  builds: number;
  queries: number;
}

async function timed(axes: Parameters<typeof evaluate>[0]['axes']): Promise<Timed> {
  let builds = 0;
  let built = 0;
  const started = performance.now();
  const out = await evaluate({
    dataset,
    models: [model],
    limit,
    workDir: work,
    cache: false,
    ...(axes === undefined ? {} : { axes }),
    onEvent: (e) => {
      if (e.type !== 'index-built') return;
      builds++;
      built = performance.now();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, buildSeconds: (built - started) / 1000, rows: out.runs.length, builds, queries: out.queries.length };
}

try {
  await timed(undefined); // warm-up: file cache, JIT, the model's session
  const one = await timed(undefined);
  const sweep = await timed({ dimensions, precisions: ['float32', 'int8', 'binary'] });
  const name = values.shape === undefined ? 'hash' : `bge-small-zh shape (random weights, ${BGE_SMALL_ZH_SHAPE.layers} layers, hidden ${BGE_SMALL_ZH_SHAPE.hidden})`;
  console.log(`dataset ${dataset}, ${one.queries} queries, model ${name}, dimensions ${dimensions.join(',')} (not cached: every run embeds)`);
  const line = (label: string, t: Timed): string =>
    `${label} ${t.seconds.toFixed(2)} s = index ${t.buildSeconds.toFixed(2)} s + ${t.rows} row(s) ${(t.seconds - t.buildSeconds).toFixed(2)} s (${t.builds} index)`;
  console.log(line('one row:', one));
  console.log(line('9 rows: ', sweep));
  console.log(`ratio, two runs:          ${(sweep.seconds / one.seconds).toFixed(2)}× (goal ≤ 1.2×)`);
  // The same index build in numerator and denominator: immune to the machine's load moving
  // between the two runs, which on a shared 2-core machine moves a build by ±50%.
  console.log(`ratio, within the sweep:  ${(sweep.seconds / sweep.buildSeconds).toFixed(2)}× of building its index once`);
} finally {
  await rm(work, { recursive: true, force: true });
}
