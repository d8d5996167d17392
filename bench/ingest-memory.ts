/**
 * Peak memory of ingesting ~100k chunks of 384 dimensions, against what the index must hold:
 * the vectors (4·d·n bytes) plus the HNSW graph file.
 *
 *   npm run bench:memory -- [--docs 21300] [--doc-chars 2900]
 *
 * The parent writes a BEIR corpus.jsonl (default 21,300 documents of ~2,900 characters: about
 * 100k chunks at the default 800/100-character chunking) and runs `ingest()` in a child process
 * (a fresh heap, so the peak is the ingest's own). The child embeds with a deterministic 384-d
 * bench embedder (clustered vectors chosen by a hash of the chunk text, so the HNSW build sees
 * realistic structure) and samples its RSS every 50 ms, noting the phase (load, embed, index);
 * at the end it reports the kernel's high-water mark (VmHWM). The table gives the peak against
 * vectors + graph, and against a bare Node process that loaded the same modules.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fingerprintOf } from '../src/model/fingerprint.js';
import type { EmbedBatchResult, Embedder } from '../src/embed/types.js';
import type { ModelInfo } from '../src/model/model-info.js';
import { ingest, type IngestEvent } from '../src/ingest/pipeline.js';
import { IndexStore } from '../src/store/index-store.js';
import { normalized } from '../src/store/exact-scan.js';
import { seededRandom } from '../src/random.js';
import { writeBigCorpus } from '../test/helpers/big-corpus.js';

const DIM = 384;

/** 384-d vectors around 1,000 fixed centres; the centre and the noise come from a hash of the text. */
class ClusteredBenchEmbedder implements Embedder {
  readonly info: ModelInfo = { id: 'bench-clustered-384', provider: 'builtin', name: 'bench-clustered', dimension: DIM, normalize: true };
  readonly fingerprint = fingerprintOf(this.info);
  readonly cacheable = false;
  private readonly centres: Float32Array[];

  constructor() {
    const rand = seededRandom(5);
    this.centres = Array.from({ length: 1000 }, () => normalized(Float32Array.from({ length: DIM }, () => rand() - 0.5)));
  }

  private embed(text: string): Float32Array {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    const rand = seededRandom(hash >>> 0);
    const centre = this.centres[(hash >>> 0) % this.centres.length]!;
    const v = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) v[i] = centre[i]! + 0.08 * (rand() - 0.5);
    return v;
  }

  async embedDocuments(texts: readonly string[]): Promise<EmbedBatchResult> {
    return { vectors: texts.map((t) => this.embed(t)), truncated: 0 };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embed(text);
  }
}

function vmHwmBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

interface ChildReport {
  vmHwm: number;
  peakByPhase: Record<string, number>;
  seconds: number;
  chunks: number;
  documents: number;
}

async function child(corpus: string, index: string, baselineOnly: boolean): Promise<void> {
  if (baselineOnly) {
    process.stdout.write(JSON.stringify({ vmHwm: vmHwmBytes() }));
    return;
  }
  let phase = 'load';
  const peakByPhase: Record<string, number> = {};
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    peakByPhase[phase] = Math.max(peakByPhase[phase] ?? 0, rss);
  };
  const timer = setInterval(sample, 50);
  const onEvent = (e: IngestEvent): void => {
    sample();
    if (e.type === 'loaded') phase = 'chunk + embed';
    if (e.type === 'indexing') phase = 'index (vectors, graph, write)';
  };
  const t = performance.now();
  // One corpus.jsonl of ~63 MB, above the default per-file limit.
  const summary = await ingest({ paths: [corpus], index, model: new ClusteredBenchEmbedder(), onEvent, maxFileSize: Number.MAX_SAFE_INTEGER });
  if (summary.documents.failed > 0) throw new Error(`ingest failed: ${JSON.stringify(summary.notices.slice(0, 3))}`);
  clearInterval(timer);
  sample();
  const report: ChildReport = {
    vmHwm: vmHwmBytes(),
    peakByPhase,
    seconds: (performance.now() - t) / 1000,
    chunks: summary.chunks.total,
    documents: summary.documents.added,
  };
  process.stdout.write(JSON.stringify(report));
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    child: { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    docs: { type: 'string', default: '21300' },
    'doc-chars': { type: 'string', default: '2900' },
  },
});

if (values.child) {
  await child(positionals[0]!, positionals[1]!, values.baseline);
} else {
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  const self = fileURLToPath(import.meta.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-memory-'));
  try {
    const docs = Number(values.docs);
    const docChars = Number(values['doc-chars']);
    const corpus = path.join(dir, 'corpus.jsonl');
    const written = await writeBigCorpus(corpus, (docs * docChars) / 1e6, 'needle sentence.', docChars);
    const index = path.join(dir, 'index');
    console.log(`# ingest memory: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, load ${os.loadavg()[0]!.toFixed(2)}`);
    console.log(`corpus: ${written.documents} documents, ${mb(written.textChars)} MB of text`);
    const run = (extra: string[]): ChildReport => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', ...extra, corpus, index], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as ChildReport;
    };
    const baseline = run(['--baseline']);
    const report = run([]);
    const store = await IndexStore.open(index);
    const files = store.manifest.files;
    const n = store.chunkCount;
    const vectorBytes = 4 * DIM * n;
    const graphBytes = files.vectors?.bytes ?? 0;
    const needed = vectorBytes + graphBytes;
    console.log(`ingest: ${report.documents} documents → ${report.chunks} chunks in ${report.seconds.toFixed(1)} s, load ${os.loadavg()[0]!.toFixed(2)}`);
    console.log(`files: chunks ${mb(files.chunks.bytes)} MB, vectors ${mb(files.flatVectors?.bytes ?? 0)} MB, graph ${mb(graphBytes)} MB\n`);
    console.log('| quantity | MB | ÷ (vectors + graph) |');
    console.log('|---|---:|---:|');
    console.log(`| vectors 4·d·n (n = ${n}, d = ${DIM}) | ${mb(vectorBytes)} | ${(vectorBytes / needed).toFixed(2)} |`);
    console.log(`| graph file | ${mb(graphBytes)} | ${(graphBytes / needed).toFixed(2)} |`);
    console.log(`| chunk text (chunk file) | ${mb(files.chunks.bytes)} | ${(files.chunks.bytes / needed).toFixed(2)} |`);
    for (const [phase, rss] of Object.entries(report.peakByPhase)) {
      console.log(`| peak RSS during ${phase} (sampled) | ${mb(rss)} | ${(rss / needed).toFixed(2)} |`);
    }
    console.log(`| bare process with the modules loaded (VmHWM) | ${mb(baseline.vmHwm)} | ${(baseline.vmHwm / needed).toFixed(2)} |`);
    console.log(`| **peak RSS of the ingest (VmHWM)** | **${mb(report.vmHwm)}** | **${(report.vmHwm / needed).toFixed(2)}** |`);
    console.log(`| peak − bare process | ${mb(report.vmHwm - baseline.vmHwm)} | ${((report.vmHwm - baseline.vmHwm) / needed).toFixed(2)} |`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
