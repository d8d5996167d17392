/**
 * `rag ingest` against the pipeline users write with LangChain.js, on the same corpus, chunk
 * size (characters) and embedding model, each pipeline in its own process (peak RSS = that
 * process's maxRSS), all in one run so the ratios share the machine's load.
 *
 *   npm run bench:ingest -- [--skip-scifact] [--generated-chunks 100000] [--hash-dim 256]
 *                           [--hidden 256] [--layers 1] [--rounds 1] [--systems rag,lc-default,...]
 *                           [--rss-limit-mb 16000]
 *
 * Corpora:
 * - SciFact (`../shared/datasets/scifact/corpus.jsonl`; skipped when absent) with a generated
 *   1-layer BERT (random weights, vocabulary learned from the corpus, mean pooling, so LangChain's
 *   default mean pooling computes the same vectors): rag, LangChain defaults, LangChain with
 *   batchSize 32; then the built-in `hash` model in both pipelines.
 * - A generated mixed Chinese/English corpus of about `--generated-chunks` chunks with `hash`
 *   and, for the ONNX systems named in `--systems`, the same kind of generated BERT
 *   (through toLangChainEmbeddings on the LangChain side).
 *
 * `--rss-limit-mb` (default 16000) kills a pipeline whose resident memory passes it and reports
 * how far it got: LangChain's defaults start every batch at once (2.2 GB at SciFact's 8.5k
 * chunks), and this machine has no swap.
 *
 * The model folder is generated at bench time (bench/bench-models.ts) and reused by later runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { corpusTexts, smallBertFor } from './bench-models.js';
import { writeGeneratedCorpus } from './generated-corpus.js';
import type { WorkerJob, WorkerResult } from './ingest-worker.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCIFACT = path.join(REPO, '..', 'shared', 'datasets', 'scifact', 'corpus.jsonl');
const WORKER = path.join(REPO, 'bench', 'ingest-worker.ts');

const { values } = parseArgs({
  options: {
    'skip-scifact': { type: 'boolean', default: false },
    'skip-generated': { type: 'boolean', default: false },
    'generated-chunks': { type: 'string', default: '100000' },
    'hash-dim': { type: 'string', default: '256' },
    hidden: { type: 'string', default: '128' },
    layers: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    systems: { type: 'string', default: 'rag,lc-default,lc-batch32,rag-hash,lc-hash' },
    'chunk-size': { type: 'string', default: '800' },
    'chunk-overlap': { type: 'string', default: '100' },
    'rss-limit-mb': { type: 'string', default: '16000' },
  },
});
const chunkSize = Number(values['chunk-size']);
const chunkOverlap = Number(values['chunk-overlap']);
const systems = new Set(values.systems.split(','));

function load(): string {
  return os.loadavg()[0]!.toFixed(2);
}

/** A worker stopped by the RSS watchdog: how far it got. */
interface Stopped {
  system: string;
  rssMb: number;
  seconds: number;
  cpuSeconds: number;
}

/** Resident set size and CPU seconds of a process and all its threads, from /proc (Linux). */
function processUsage(pid: number): { rssMb: number; cpuSeconds: number } | undefined {
  try {
    const rssKb = Number(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return { rssMb: rssKb / 1024, cpuSeconds: ticks / 100 };
  } catch {
    return undefined;
  }
}

/**
 * Runs one pipeline in its own process. A process whose RSS passes `--rss-limit-mb` is killed
 * before the machine runs out of memory (there is no swap here), and reported as stopped.
 */
async function runWorker(job: WorkerJob): Promise<(WorkerResult & { processSeconds: number }) | Stopped> {
  const started = performance.now();
  const limitMb = Number(values['rss-limit-mb']);
  const child = execFileAsync(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(job)], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
  });
  const pid = child.child.pid!;
  let stopped: Stopped | undefined;
  const watchdog = setInterval(() => {
    const usage = processUsage(pid);
    if (usage && usage.rssMb > limitMb && stopped === undefined) {
      stopped = { system: job.system, ...usage, seconds: (performance.now() - started) / 1000 };
      child.child.kill('SIGKILL');
    }
  }, 250);
  try {
    const { stdout } = await child;
    const processSeconds = (performance.now() - started) / 1000;
    const line = stdout.trim().split('\n').pop() ?? '';
    return { ...(JSON.parse(line) as WorkerResult), processSeconds };
  } catch (error) {
    if (stopped) return stopped;
    throw error;
  } finally {
    clearInterval(watchdog);
  }
}

interface Row extends WorkerResult {
  processSeconds: number;
  load: string;
}

async function runCorpus(label: string, corpus: string, work: string, jobs: Array<Omit<WorkerJob, 'corpus' | 'out' | 'cacheDir' | 'chunkSize' | 'chunkOverlap'>>): Promise<Row[]> {
  const rounds = Number(values.rounds);
  const best = new Map<string, Row>();
  for (let r = 0; r < rounds; r++) {
    for (const job of jobs) {
      if (!systems.has(job.system)) continue;
      const out = path.join(work, `${label}-${job.system}-${r}`);
      const before = load();
      const result = await runWorker({ ...job, corpus, out, cacheDir: path.join(out, '.cache'), chunkSize, chunkOverlap });
      if (!('chunks' in result)) {
        console.log(
          `${label} ${job.system}: STOPPED at RSS ${result.rssMb.toFixed(0)} MB (limit ${values['rss-limit-mb']} MB) after ${result.seconds.toFixed(1)} s, cpu ${result.cpuSeconds.toFixed(1)} s, load ${before}→${load()}`,
        );
        await rm(out, { recursive: true, force: true });
        continue;
      }
      const row: Row = { ...result, load: `${before}→${load()}` };
      console.log(`${label} ${job.system}: ${result.seconds.toFixed(1)} s, ${result.chunks} chunks, peak RSS ${result.maxRssMb.toFixed(0)} MB, cpu ${result.cpuSeconds.toFixed(1)} s, load ${row.load}`);
      const previous = best.get(job.system);
      if (!previous || row.seconds < previous.seconds) best.set(job.system, row);
      await rm(out, { recursive: true, force: true });
    }
  }
  return [...best.values()];
}

function table(label: string, rows: Row[], baselines: string[]): void {
  console.log(`\n### ${label}\n`);
  const heads = baselines.flatMap((b) => [`${b} ÷ this, wall`, `${b} ÷ this, CPU`]);
  console.log(`| pipeline | chunks | wall s | process s | CPU s | peak RSS MB | ${heads.join(' | ')} | RSS ÷ ${baselines[0]} | load |`);
  console.log(`|---|---:|---:|---:|---:|---:|${heads.map(() => '---:|').join('')}---:|---|`);
  for (const row of rows) {
    const speedups = baselines.flatMap((b) => {
      const base = rows.find((x) => x.system === b);
      return base ? [`${(base.seconds / row.seconds).toFixed(2)}×`, `${(base.cpuSeconds / row.cpuSeconds).toFixed(2)}×`] : ['–', '–'];
    });
    const base0 = rows.find((x) => x.system === baselines[0]);
    const rss = base0 ? (row.maxRssMb / base0.maxRssMb).toFixed(3) : '–';
    console.log(
      `| ${row.system} | ${row.chunks} | ${row.seconds.toFixed(1)} | ${row.processSeconds.toFixed(1)} | ${row.cpuSeconds.toFixed(1)} | ${row.maxRssMb.toFixed(0)} | ${speedups.join(' | ')} | ${rss} | ${row.load} |`,
    );
  }
  console.log('\n(baseline ÷ this: above 1 means this pipeline is faster; CPU = user + system seconds of its process)');
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-ingest-'));
  console.log(`${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, load ${load()}`);
  try {
    const hashDimension = Number(values['hash-dim']);
    if (!values['skip-scifact']) {
      if (!existsSync(SCIFACT)) {
        console.log(`SciFact skipped: ${SCIFACT} is absent`);
      } else {
        const modelDir = await smallBertFor('ingest-scifact', () => corpusTexts(SCIFACT), { layers: Number(values.layers), hidden: Number(values.hidden) });
        console.log(`model: ${modelDir} (${values.layers} layer, hidden ${values.hidden}, vocabulary 21128, random weights, mean pooling)`);
        const rows = await runCorpus('scifact', SCIFACT, work, [
          { system: 'rag', modelDir },
          { system: 'lc-default', modelDir },
          { system: 'lc-batch32', modelDir },
          { system: 'rag-hash', hashDimension },
          { system: 'lc-hash', hashDimension },
        ]);
        table('SciFact, 1-layer BERT (ONNX)', rows.filter((r) => !r.system.endsWith('hash')), ['lc-default', 'lc-batch32']);
        table(`SciFact, hash (${hashDimension} dims)`, rows.filter((r) => r.system.endsWith('hash')), ['lc-hash']);
      }
    }
    if (!values['skip-generated']) {
      const chunks = Number(values['generated-chunks']);
      // About chunkSize − overlap new characters per chunk.
      const made = await writeGeneratedCorpus(path.join(work, 'generated'), chunks * (chunkSize - chunkOverlap));
      console.log(`generated corpus: ${made.documents} documents for ~${chunks} chunks (${made.file})`);
      const onnxSystems = (['rag', 'lc-default', 'lc-batch32'] as const).filter((s) => systems.has(s));
      // The vocabulary only needs every character of the generator (WordPiece falls back to them):
      // the first 5,000 documents have them all, and learning from 100k chunks would take minutes.
      const modelDir =
        onnxSystems.length > 0
          ? await smallBertFor(`ingest-generated-${chunks}`, () => corpusTexts(made.file).slice(0, 5000), {
              layers: Number(values.layers),
              hidden: Number(values.hidden),
            })
          : undefined;
      const rows = await runCorpus('generated', made.file, work, [
        ...(modelDir === undefined ? [] : onnxSystems.map((system) => ({ system, modelDir }))),
        { system: 'rag-hash', hashDimension },
        { system: 'lc-hash', hashDimension },
      ]);
      const baselines = ['lc-default', 'lc-batch32'].filter((s) => rows.some((r) => r.system === s));
      if (modelDir !== undefined && baselines.length > 0) {
        table(`generated zh/en corpus, ${values.layers}-layer BERT (ONNX)`, rows.filter((r) => !r.system.endsWith('hash')), baselines);
      }
      table(`generated zh/en corpus, hash (${hashDimension} dims)`, rows.filter((r) => r.system.endsWith('hash')), ['lc-hash']);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
