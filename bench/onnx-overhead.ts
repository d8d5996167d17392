/**
 * What our transformers.js embedder costs on top of the ONNX session itself, and how it
 * compares with LangChain's HuggingFaceTransformersEmbeddings on the same model and texts.
 *
 *   node --import tsx bench/onnx-overhead.ts [--texts 384] [--reps 3]
 *
 * Model: the generated tiny BERT (test/helpers/tiny-bert.ts) made bigger (hidden 256, 2 layers),
 * mean pooling so all three compute the same vectors. Throughput counts real tokens (special
 * tokens included, padding excluded) per second; best of `reps` timed runs after one warm-up.
 *
 * - ours: tokenization, length-sorted batches, session, pooling, normalisation.
 * - direct: only `session.run` from onnxruntime-node on exactly our padded batches (tokenization
 *   done beforehand), i.e. the floor; ours ÷ direct time is our overhead.
 * - langchain: HuggingFaceTransformersEmbeddings with its defaults (batchSize 512, so every text is
 *   padded to the longest), and with batchSize 32.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { HuggingFaceTransformersEmbeddings } from '@langchain/community/embeddings/huggingface_transformers';
import { DEFAULT_BATCH_LIMITS, padBatch, planBatches } from '../src/embed/batching.js';
import { encodeText } from '../src/embed/transformers-inputs.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { tinyVocabulary, writeTinyModel } from '../test/helpers/tiny-bert.js';

const { values } = parseArgs({ options: { texts: { type: 'string', default: '384' }, reps: { type: 'string', default: '3' } } });
const textCount = Number(values.texts);
const reps = Number(values.reps);

/** Deterministic texts with lengths from 4 to ~300 tokens, English and Chinese mixed. */
function makeTexts(n: number): string[] {
  const words = tinyVocabulary().filter((t) => !t.startsWith('[') && !t.startsWith('##'));
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  return Array.from({ length: n }, () => {
    const length = 4 + Math.floor(next() ** 2 * 300);
    return Array.from({ length }, () => words[Math.floor(next() * words.length)]).join(' ');
  });
}

/**
 * Best time of each task over `reps` rounds after a warm-up. Rounds interleave the tasks so
 * load from other processes on a shared machine hits them alike.
 */
async function bestOf(tasks: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const task of tasks) await task();
  const best = tasks.map(() => Infinity);
  for (let r = 0; r < reps; r++) {
    for (const [i, task] of tasks.entries()) {
      const start = performance.now();
      await task();
      best[i] = Math.min(best[i]!, performance.now() - start);
    }
  }
  return best;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-onnx-'));
try {
  const modelDir = await writeTinyModel(path.join(dir, 'tiny-256'), { variant: 'mean', hidden: 256, layers: 2, maxPositions: 512 });
  const texts = makeTexts(textCount);
  const threads = os.availableParallelism();

  const ours = await loadTransformersEmbedder({ id: 'bench', source: { kind: 'local', dir: modelDir }, pooling: 'mean' }, { offline: true, threads });
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  const encoded = texts.map((t) => encodeText(tokenizer, t, { maxTokens: 512 }).ids);
  const tokens = encoded.reduce((s, ids) => s + ids.length, 0);

  const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model.onnx'), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = planBatches(
    encoded.map((ids) => ids.length),
    DEFAULT_BATCH_LIMITS,
  ).map((batch) => {
    const padded = padBatch(
      batch.map((i) => encoded[i]!),
      0,
      'right',
    );
    const dims = [padded.rows, padded.seq];
    return {
      input_ids: new ort.Tensor('int64', padded.inputIds, dims),
      attention_mask: new ort.Tensor('int64', padded.attentionMask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(padded.inputIds.length), dims),
    };
  });
  const paddedTokens = feeds.reduce((s, f) => s + f.input_ids.dims[0]! * f.input_ids.dims[1]!, 0);

  const langchainDefault = new HuggingFaceTransformersEmbeddings({ model: modelDir });
  const langchain32 = new HuggingFaceTransformersEmbeddings({ model: modelDir, batchSize: 32 });

  const [directMs, oursMs, tokenizeMs, lcDefaultMs, lc32Ms] = (await bestOf([
    async () => {
      for (const feed of feeds) await session.run(feed);
    },
    () => ours.embedDocuments(texts),
    async () => texts.map((t) => encodeText(tokenizer, t, { maxTokens: 512 })),
    () => langchainDefault.embedDocuments(texts),
    () => langchain32.embedDocuments(texts),
  ])) as [number, number, number, number, number];

  // Same pooling, so the vectors must agree: a check that the comparison is like for like.
  const [a, b] = await Promise.all([ours.embedDocuments(texts.slice(0, 8)), langchain32.embedDocuments(texts.slice(0, 8))]);
  let maxDiff = 0;
  a.vectors.forEach((v, i) => v.forEach((x, j) => (maxDiff = Math.max(maxDiff, Math.abs(x - b[i]![j]!)))));

  const row = (name: string, ms: number): string =>
    `| ${name.padEnd(36)} | ${ms.toFixed(0).padStart(8)} | ${Math.round((tokens / ms) * 1000).toString().padStart(9)} | ${(ms / directMs).toFixed(2).padStart(7)} |`;
  console.log(`texts ${texts.length}, real tokens ${tokens} (padded in our batches: ${paddedTokens}), threads ${threads}, best of ${reps}`);
  console.log('| run                                  |  time ms |  tokens/s | × direct |');
  console.log('|--------------------------------------|---------:|----------:|--------:|');
  console.log(row('direct session.run (our batches)', directMs));
  console.log(row('ours (TransformersEmbedder)', oursMs));
  console.log(row('  of which: tokenization alone', tokenizeMs));
  console.log(row('LangChain HFTransformers (batch 512)', lcDefaultMs));
  console.log(row('LangChain HFTransformers (batch 32)', lc32Ms));
  console.log(`max |ours − LangChain| over 8 vectors: ${maxDiff.toExponential(2)}`);
  await session.release();
  await ours.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
