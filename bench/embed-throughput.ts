/**
 * Embedding throughput at real model sizes against this machine's compute ceiling.
 *
 *   npm run bench:throughput -- [--shapes small,base] [--texts-small 128] [--texts-base 48]
 *                               [--variants default,t1,spin,b8,b64,unsorted] [--dtypes fp32,q8]
 *
 * Models: random weights with the exact shapes of bge-small-zh-v1.5 (4 layers, hidden 512,
 * 8 heads, FFN 2048, vocabulary 21128) and bge-base-zh-v1.5 (12 layers, hidden 768, 12 heads,
 * FFN 3072), generated at bench time by test/helpers/bert-onnx.ts (fp32 and the q8 graph
 * onnxruntime's dynamic quantization writes) into the OS temp directory. Inference cost does
 * not depend on weight values.
 *
 * Texts: SciFact abstracts (../shared/datasets) cut at sentence ends into pieces of up to 800
 * characters, as ingest chunks them; the generated zh/en corpus when SciFact is absent.
 *
 * Throughput counts non-padding tokens ([CLS]/[SEP] included) per second of wall time and per
 * CPU-second of this process. Ceiling = cores × clock × FLOPs per cycle (2 FMA units × SIMD
 * lanes × 2) ÷ FLOPs per token, FLOPs per token = 2 × (weight multiply-adds per token +
 * attention multiply-adds 2 × seq × hidden per layer at the texts' own lengths). A plain GEMM
 * through onnxruntime is timed in the same run as the achievable reference.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import {
  attentionMacsPerToken,
  BGE_BASE_ZH_SHAPE,
  BGE_SMALL_ZH_SHAPE,
  weightMacsPerToken,
  wordPieceVocabulary,
  writeBertModel,
  type BertDtype,
  type BertShape,
} from '../test/helpers/bert-onnx.js';
import { floatTensor, node, valueInfo } from '../test/helpers/tiny-bert.js';
import { BENCH_MODEL_DIR } from './bench-models.js';
import { generatedDocuments } from './generated-corpus.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCIFACT = path.join(REPO, '..', 'shared', 'datasets', 'scifact', 'corpus.jsonl');

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'small,base' },
    dtypes: { type: 'string', default: 'fp32,q8' },
    'texts-small': { type: 'string', default: '128' },
    'texts-base': { type: 'string', default: '48' },
    variants: { type: 'string', default: 'default,b32,t1,spin' },
    'piece-chars': { type: 'string', default: '800' },
  },
});

/** The machine: cores, clock from /proc/cpuinfo, SIMD width from its flags. */
function machine(): { cores: number; ghz: number; lanes: number; flopsPerCycle: number; model: string } {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1] ?? os.cpus()[0]?.speed ?? 3000);
  const flags = /flags\s*:\s*(.*)/.exec(info)?.[1]?.split(' ') ?? [];
  const lanes = flags.includes('avx512f') ? 16 : flags.includes('avx2') ? 8 : 4;
  const fmaUnits = 2;
  return { cores: os.availableParallelism(), ghz: mhz / 1000, lanes, flopsPerCycle: fmaUnits * lanes * 2, model: os.cpus()[0]?.model ?? 'cpu' };
}

/**
 * Texts as ingest would embed them: documents cut at sentence ends into pieces of at most
 * `--piece-chars` characters (800 ≈ 120 tokens of SciFact English; 2,400 ≈ the ~500-token chunks
 * of token-based chunking).
 */
function benchTexts(count: number): string[] {
  const pieceChars = Number(values['piece-chars']);
  const docs: string[] = [];
  if (existsSync(SCIFACT)) {
    for (const line of readFileSync(SCIFACT, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { title?: string; text: string };
      docs.push(`${row.title ?? ''}\n${row.text}`);
      if (docs.length >= count * Math.max(1, pieceChars / 800)) break;
    }
  } else {
    for (const row of generatedDocuments(Math.ceil(count * 1500 * Math.max(1, pieceChars / 800)))) docs.push(`${row.title}\n${row.text}`);
  }
  const pieces: string[] = [];
  for (const doc of docs) {
    let current = '';
    for (const sentence of doc.split(/(?<=[.。！?])\s*/)) {
      if (current && current.length + sentence.length > pieceChars) {
        pieces.push(current);
        current = '';
      }
      current += (current ? ' ' : '') + sentence;
    }
    if (current) pieces.push(current);
  }
  return pieces.slice(0, count);
}

async function modelDir(name: string, shape: BertShape, texts: string[]): Promise<string> {
  const dir = path.join(BENCH_MODEL_DIR, `throughput-${name}${existsSync(SCIFACT) ? '-scifact' : '-generated'}`);
  if (!existsSync(path.join(dir, 'onnx', 'model_quantized.onnx'))) {
    const started = performance.now();
    await writeBertModel(dir, { shape, vocabulary: wordPieceVocabulary(texts, shape.vocab), dtypes: ['fp32', 'q8'], pooling: 'cls' });
    console.log(`generated ${name} (fp32 + q8) in ${((performance.now() - started) / 1000).toFixed(1)} s: ${dir}`);
  }
  return dir;
}

/** GFLOP/s of one [4096 × 512] × [512 × 2048] MatMul through onnxruntime: what MLAS achieves here now. */
async function gemmReference(threads: number): Promise<{ wall: number; perCpu: number }> {
  const { onnx } = onnxProto;
  const [m, k, n] = [4096, 512, 2048];
  const w = new Float32Array(k * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'gemm', node: [node('MatMul', ['x', 'w'], ['y'])], initializer: [floatTensor('w', [k, n], w)], input: [valueInfo('x', 1, [m, k])], output: [valueInfo('y', 1, [m, n])] },
    }),
  ).finish();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const x = new ort.Tensor('float32', new Float32Array(m * k).fill(0.1), [m, k]);
  await session.run({ x });
  const reps = 6;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await session.run({ x });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await session.release();
  const gflop = (2 * m * k * n * reps) / 1e9;
  return { wall: gflop / seconds, perCpu: gflop / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * GFLOP/s a loop of independent 256-bit FMAs reaches on all cores and on one (bench/fma-peak.c),
 * or undefined without a C compiler or AVX2. The nominal ceiling uses /proc/cpuinfo's clock,
 * which under KVM is the base clock; this is what the vCPUs deliver now (boost included).
 */
function measuredPeak(cores: number): { all: number; one: number } | undefined {
  const binary = path.join(os.tmpdir(), 'rag-bench-fma-peak');
  try {
    execFileSync('cc', ['-O2', '-mavx2', '-mfma', '-pthread', path.join(REPO, 'bench', 'fma-peak.c'), '-o', binary], { stdio: 'pipe' });
    const rate = (threads: number): number => Number(execFileSync(binary, [String(threads), '2'], { encoding: 'utf8' }).split(' ')[1]);
    return { one: rate(1), all: rate(cores) };
  } catch {
    return undefined;
  }
}

interface Variant {
  name: string;
  threads: number;
  /** Rows per batch; unset = the limits rag derives from the model's layer widths. */
  maxBatchSize?: number;
  /** Most padded tokens per batch (rows × longest); 16,384 unless set. */
  maxBatchTokens?: number;
  /** Batches of 32 in input order (each call sorts only within its 32), as a caller that does not sort. */
  unsorted?: boolean;
  /** onnxruntime's idle-thread spinning (off by default in rag). */
  spinning?: boolean;
}

const VARIANTS: Record<string, Variant> = {
  default: { name: '2 threads, sorted, batches sized to the model (default)', threads: 2 },
  t1: { name: '1 thread, sorted, batches sized to the model', threads: 1 },
  b32: { name: '2 threads, batch 32, ≤ 16,384 tokens, sorted (default before)', threads: 2, maxBatchSize: 32 },
  b4: { name: '2 threads, batch 4, sorted', threads: 2, maxBatchSize: 4 },
  b8: { name: '2 threads, batch 8, sorted', threads: 2, maxBatchSize: 8 },
  b16: { name: '2 threads, batch 16, sorted', threads: 2, maxBatchSize: 16 },
  tok512: { name: '2 threads, ≤ 512 tokens a batch, sorted', threads: 2, maxBatchSize: 32, maxBatchTokens: 512 },
  tok1024: { name: '2 threads, ≤ 1,024 tokens a batch, sorted', threads: 2, maxBatchSize: 32, maxBatchTokens: 1024 },
  tok2048: { name: '2 threads, ≤ 2,048 tokens a batch, sorted', threads: 2, maxBatchSize: 32, maxBatchTokens: 2048 },
  tok4096: { name: '2 threads, ≤ 4,096 tokens a batch, sorted', threads: 2, maxBatchSize: 32, maxBatchTokens: 4096 },
  b64: { name: '2 threads, batch 64, sorted', threads: 2, maxBatchSize: 64 },
  unsorted: { name: '2 threads, batch 32, input order', threads: 2, maxBatchSize: 32, unsorted: true },
  spin: { name: '2 threads, sorted, batches sized to the model, spinning threads', threads: 2, spinning: true },
};

async function main(): Promise<void> {
  const m = machine();
  const peak = m.cores * m.ghz * 1e9 * m.flopsPerCycle;
  console.log(`${new Date().toISOString()}, ${m.model} × ${m.cores}, ${m.ghz.toFixed(3)} GHz, ${m.lanes} fp32 lanes (${m.lanes === 8 ? 'AVX2' : m.lanes === 16 ? 'AVX-512' : 'SSE'}), load ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`peak = ${m.cores} cores × ${m.ghz.toFixed(3)} GHz × (2 FMA × ${m.lanes} lanes × 2) = ${(peak / 1e9).toFixed(1)} GFLOP/s`);
  const fma = measuredPeak(m.cores);
  console.log(
    fma === undefined
      ? 'measured FMA peak: not available (needs cc and AVX2)'
      : `measured FMA peak (bench/fma-peak.c): ${fma.all.toFixed(1)} GFLOP/s on ${m.cores} cores (${((fma.all * 1e9) / peak).toFixed(2)} × nominal), ${fma.one.toFixed(1)} on one = ${(fma.one / 32).toFixed(2)} GHz × 32 FLOP/cycle`,
  );
  const gemm = await gemmReference(2);
  console.log(`onnxruntime GEMM 4096×512×2048, 2 threads: ${gemm.wall.toFixed(1)} GFLOP/s wall (${((100 * gemm.wall * 1e9) / peak).toFixed(0)}% of peak), ${gemm.perCpu.toFixed(1)} per CPU-second (${((100 * gemm.perCpu * 1e9) / (peak / m.cores)).toFixed(0)}% of one core's peak)`);

  const shapes: Array<[string, BertShape, number]> = [];
  for (const s of values.shapes.split(',')) {
    if (s === 'small') shapes.push(['bge-small-zh', BGE_SMALL_ZH_SHAPE, Number(values['texts-small'])]);
    if (s === 'base') shapes.push(['bge-base-zh', BGE_BASE_ZH_SHAPE, Number(values['texts-base'])]);
  }
  const rows: string[] = [];
  const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-throughput-'));
  try {
    for (const [name, shape, count] of shapes) {
      const texts = benchTexts(count);
      const dir = await modelDir(name, shape, benchTexts(4000));
      for (const dtype of values.dtypes.split(',') as BertDtype[]) {
        for (const key of values.variants.split(',')) {
          const variant = VARIANTS[key];
          if (!variant) throw new Error(`unknown variant ${key}`);
          const embedder = await loadTransformersEmbedder(
            { id: name, source: { kind: 'local', dir }, pooling: 'cls', dtype },
            {
              threads: variant.threads,
              spinning: variant.spinning === true,
              ...(variant.maxBatchSize === undefined ? {} : { batchLimits: { maxBatchSize: variant.maxBatchSize, maxBatchTokens: variant.maxBatchTokens ?? 16_384 } }),
            },
          );
          const limits = embedder.batchLimits;
          const settings = `${variant.name}${variant.maxBatchSize === undefined ? ` (≤ ${limits.maxBatchSize} rows, ≤ ${limits.maxBatchTokens} tokens)` : ''}`;
          const lengths = texts.map((t) => Math.min(embedder.countTokens(t) + 2, 512));
          const tokens = lengths.reduce((a, b) => a + b, 0);
          const attnSeq = lengths.reduce((a, l) => a + l * l, 0) / tokens;
          const flopsPerToken = 2 * (weightMacsPerToken(shape) + attentionMacsPerToken(shape, attnSeq));
          const ceiling = peak / flopsPerToken;
          await embedder.embedDocuments(texts.slice(0, 8));
          const load0 = os.loadavg()[0]!.toFixed(2);
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          if (variant.unsorted) {
            for (let i = 0; i < texts.length; i += 32) await embedder.embedDocuments(texts.slice(i, i + 32));
          } else {
            await embedder.embedDocuments(texts);
          }
          const seconds = (performance.now() - t0) / 1000;
          const cpu = process.cpuUsage(cpu0);
          const cpuSeconds = (cpu.user + cpu.system) / 1e6;
          await embedder.dispose();
          const perSecond = tokens / seconds;
          const perCpu = tokens / cpuSeconds;
          const coreCeiling = ceiling / m.cores;
          const sorted = [...lengths].sort((a, b) => a - b);
          const measured = fma === undefined ? '–' : `${((perSecond * flopsPerToken) / (fma.all * 1e9)).toFixed(2)}`;
          const line = `| ${name} | ${dtype} | ${settings} | ${texts.length} texts, ${tokens} tokens (mean ${(tokens / texts.length).toFixed(0)}, median ${sorted[sorted.length >> 1]}, max ${sorted[sorted.length - 1]}) | ${(flopsPerToken / 1e6).toFixed(1)} | ${ceiling.toFixed(0)} | ${seconds.toFixed(1)} | ${perSecond.toFixed(0)} | **${(perSecond / ceiling).toFixed(2)}** | **${measured}** | ${perCpu.toFixed(0)} | **${(perCpu / coreCeiling).toFixed(2)}** | ${load0}→${os.loadavg()[0]!.toFixed(2)} |`;
          console.log(line);
          rows.push(line);
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log('\n| shape | dtype | settings | texts | MFLOP/token | nominal ceiling tokens/s | wall s | tokens/s | ÷ nominal ceiling | ÷ measured FMA peak | tokens per CPU-s | ÷ one-core nominal ceiling | load |');
  console.log('|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const row of rows) console.log(row);
}

await main();
