/**
 * Cost of the local-ONNX pipeline end to end on a real corpus: a generated BERT-shaped model
 * (random weights) through the real CLI, `rag ingest` of SciFact's corpus.jsonl and `rag eval`
 * on SciFact, next to the built-in `hash` model on the same corpus in the same run.
 *
 *   node --import tsx bench/tiny-model-scifact.ts [--hidden 256] [--layers 2] [--vocab 20000] [--skip-hash]
 *
 * The model folder comes from test/helpers/tiny-bert.ts (hidden size, layers, 512 positions,
 * mean pooling). That helper's vocabulary is a few hundred test words, which would turn SciFact
 * into [UNK]s, so this script swaps in a WordPiece vocabulary learned from the SciFact text itself:
 * the most frequent words plus every character seen, both word-initial and as `##` continuation,
 * so every word tokenizes (into pieces when it is not a whole-word entry) and [UNK] is rare.
 * The embedding matrix of the ONNX graph is regenerated to match the new vocabulary size.
 *
 * The weights are random: retrieval quality numbers from this model mean nothing. What this
 * measures is pipeline cost: tokenization, token-based chunking, batching, ONNX inference,
 * pooling, HNSW at the model's dimension, and the files written.
 *
 * Needs `npm run build` (the CLI runs from dist/). Skips (exit 0) when ../shared/datasets/scifact
 * is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { IndexStore } from '../src/store/index-store.js';
import { TINY_SPECIAL_TOKENS } from '../test/helpers/tiny-bert.js';
import { writeVocabModel } from '../test/helpers/tiny-bert-vocab.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCIFACT = fileURLToPath(new URL('../../shared/datasets/scifact/', import.meta.url));
const CLI = path.join(REPO, 'bin', 'rag.js');

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '256' },
    layers: { type: 'string', default: '2' },
    vocab: { type: 'string', default: '20000' },
    'skip-hash': { type: 'boolean', default: false },
  },
});

async function writeScifactModel(dir: string, texts: string[]): Promise<{ dir: string; vocabSize: number }> {
  return writeVocabModel(dir, texts, { hidden: Number(values.hidden), layers: Number(values.layers), vocab: Number(values.vocab) });
}

interface Timed<T> {
  seconds: number;
  value: T;
}

async function cli<T>(args: string[]): Promise<Timed<T>> {
  const started = performance.now();
  const { stdout } = await execFileAsync(process.execPath, [CLI, ...args], { maxBuffer: 256 * 1024 * 1024, cwd: REPO });
  return { seconds: (performance.now() - started) / 1000, value: JSON.parse(stdout) as T };
}

interface IngestJson {
  chunks: { embedded: number; truncated: number; total: number };
  chunking: { chunkSize: number; chunkOverlap: number; lengthUnit: string };
  seconds: number;
}

interface EvalJson {
  runs: Array<{
    model: string;
    mode: string;
    metrics: Record<string, number>;
    cost: { embedSeconds: number; chunksPerSecond: number | null; chunks: number; dimension: number | null; indexBytes: number; truncatedChunks: number; wallSeconds: number };
  }>;
}

/** Tokens the model saw: every stored chunk through the model's own tokenizer, capped at its window. */
async function countTokens(modelDir: string, indexDir: string): Promise<{ tokens: number; unk: number; capped: number }> {
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  const store = await IndexStore.open(indexDir);
  const unkId = TINY_SPECIAL_TOKENS.indexOf('[UNK]');
  let tokens = 0;
  let unk = 0;
  let capped = 0;
  for (const doc of store.documents()) {
    for (const id of doc.chunkIds) {
      const ids = tokenizer.encode(store.getChunk(id)!.text);
      tokens += ids.length;
      capped += Math.min(ids.length, 512);
      for (const t of ids) if (t === unkId) unk++;
    }
  }
  return { tokens, unk, capped };
}

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

async function main(): Promise<void> {
  if (!existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
    console.log(`skipped: ${SCIFACT} is absent (the shared datasets live next to the repo)`);
    return;
  }
  if (!existsSync(path.join(REPO, 'dist', 'index.js'))) {
    console.log('skipped: dist/ is missing; run `npm run build` first (the CLI runs from dist/)');
    return;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-tiny-'));
  try {
    const texts: string[] = [];
    for (const file of ['corpus.jsonl', 'queries.jsonl']) {
      for (const line of readFileSync(path.join(SCIFACT, file), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as { title?: string; text: string };
        texts.push(`${row.title ?? ''}\n${row.text}`);
      }
    }
    const madeAt = performance.now();
    const model = await writeScifactModel(path.join(work, 'tiny-scifact'), texts);
    console.log(
      `model: hidden ${values.hidden}, ${values.layers} layers, vocabulary ${model.vocabSize} WordPiece entries learned from SciFact, made in ${((performance.now() - madeAt) / 1000).toFixed(1)} s`,
    );
    console.log(`load average ${load()} on ${os.availableParallelism()} cores`);

    const corpus = path.join(SCIFACT, 'corpus.jsonl');
    const systems: Array<{ label: string; model: string }> = [{ label: 'tiny ONNX', model: model.dir }];
    if (!values['skip-hash']) systems.push({ label: 'hash', model: 'hash' });
    const rows: string[] = [];
    const results: Array<{ label: string; ingest: Timed<IngestJson>; evalRun: Timed<EvalJson>; bytes: number }> = [];
    for (const system of systems) {
      const index = path.join(work, `index-${results.length}`);
      const ingest = await cli<IngestJson>(['ingest', corpus, '--index', index, '--model', system.model, '--offline', '--no-cache', '--json']);
      const bytes = await (await IndexStore.open(index)).diskBytes();
      console.log(`${system.label}: ingest ${ingest.seconds.toFixed(1)} s, ${ingest.value.chunks.total} chunks (${JSON.stringify(ingest.value.chunking)}), load ${load()}`);
      if (system.label === 'tiny ONNX') {
        const counted = await countTokens(model.dir, index);
        console.log(
          `tiny ONNX: ${counted.tokens} tokens in the stored chunks (${counted.capped} within the 512 window), [UNK] ${(100 * counted.unk / counted.tokens).toFixed(2)}% of them`,
        );
        rows.push(`tokens ${counted.tokens}, [UNK] ${((100 * counted.unk) / counted.tokens).toFixed(2)}%, ingest tokens/s ${(counted.capped / ingest.seconds).toFixed(0)}`);
      }
      const evalRun = await cli<EvalJson>([
        'eval', '--dataset', SCIFACT, '--model', system.model, '--mode', 'dense', '--offline', '--no-cache', '--json', '--out', path.join(work, `eval-${results.length}`),
      ]);
      console.log(`${system.label}: eval ${evalRun.seconds.toFixed(1)} s, load ${load()}`);
      results.push({ label: system.label, ingest, evalRun, bytes });
    }

    console.log('');
    console.log('| model | dim | chunks | truncated | ingest wall s | ingest chunks/s | eval wall s | eval embed s | eval chunks/s (embed only) | index MB | nDCG@10 |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const run = r.evalRun.value.runs[0]!;
      console.log(
        `| ${r.label} | ${run.cost.dimension} | ${r.ingest.value.chunks.total} | ${r.ingest.value.chunks.truncated} | ${r.ingest.seconds.toFixed(1)} | ${(r.ingest.value.chunks.total / r.ingest.seconds).toFixed(0)} | ${r.evalRun.seconds.toFixed(1)} | ${run.cost.embedSeconds.toFixed(1)} | ${(run.cost.chunksPerSecond ?? 0).toFixed(0)} | ${(r.bytes / 1e6).toFixed(1)} | ${(run.metrics.ndcg_at_10 ?? 0).toFixed(3)} |`,
      );
    }
    for (const line of rows) console.log(line);
    if (results.length === 2) {
      const [tiny, hash] = results as [(typeof results)[0], (typeof results)[0]];
      console.log(
        `ratios tiny/hash: ingest wall ${(tiny.ingest.seconds / hash.ingest.seconds).toFixed(2)}, eval wall ${(tiny.evalRun.seconds / hash.evalRun.seconds).toFixed(2)}, index size ${(tiny.bytes / hash.bytes).toFixed(2)}`,
      );
    }
    console.log('(random weights: the nDCG of the tiny model measures nothing but the pipeline running)');
    console.log(`load average ${load()}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
