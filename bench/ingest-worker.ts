/**
 * One ingest pipeline in its own process, so its peak RSS is this process's maxRSS. Started by
 * bench/ingest-vs-langchain.ts; prints one JSON line on stdout:
 * `{ system, seconds, chunks, maxRssMb, cpuSeconds }`.
 *
 *   node --import tsx bench/ingest-worker.ts '<json WorkerJob>'
 *
 * Systems:
 * - `rag`: the library `ingest()` (what `rag ingest` runs), chunks measured in characters.
 * - `lc-default`: LangChain as its docs show it: RecursiveCharacterTextSplitter →
 *   HuggingFaceTransformersEmbeddings (defaults: 512 texts per batch, all batches started at
 *   once) → HNSWLib.fromDocuments → save.
 * - `lc-batch32`: the same with `embeddings.batchSize = 32` set on the object (the constructor
 *   ignores a batchSize field in @langchain/community 1.1.29).
 * - `lc-hash`: the same LangChain pipeline with our `hash` model through toLangChainEmbeddings.
 * - `rag-hash`: `ingest()` with the same `hash` model object.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface WorkerJob {
  system: 'rag' | 'lc-default' | 'lc-batch32' | 'rag-hash' | 'lc-hash';
  /** A BEIR corpus.jsonl. */
  corpus: string;
  /** Output index directory (must not exist). */
  out: string;
  /** Model folder for the ONNX systems. */
  modelDir?: string;
  /** Dimension of the `hash` model for the hash systems. */
  hashDimension?: number;
  chunkSize: number;
  chunkOverlap: number;
  /** Embedding cache directory for `rag` (empty at start). */
  cacheDir: string;
}

export interface WorkerResult {
  system: WorkerJob['system'];
  seconds: number;
  chunks: number;
  maxRssMb: number;
  cpuSeconds: number;
}

/** `${title}\n${text}` as our BEIR loader builds a document. */
async function readCorpus(file: string): Promise<Array<{ id: string; text: string }>> {
  const rows: Array<{ id: string; text: string }> = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { _id: string; title?: string; text: string };
    rows.push({ id: row._id, text: row.title && row.title.trim() !== '' ? `${row.title}\n${row.text}` : row.text });
  }
  return rows;
}

async function runRag(job: WorkerJob): Promise<number> {
  const { ingest } = await import('../src/ingest/pipeline.js');
  let model: string | import('../src/embed/types.js').Embedder;
  if (job.system === 'rag-hash') {
    const { HashEmbedder } = await import('../src/embed/hash.js');
    model = new HashEmbedder({ dimension: job.hashDimension! });
  } else {
    model = job.modelDir!;
  }
  const summary = await ingest({
    paths: [job.corpus],
    index: job.out,
    model,
    chunkUnit: 'characters',
    chunkSize: job.chunkSize,
    chunkOverlap: job.chunkOverlap,
    cacheDir: job.cacheDir,
    // The whole corpus is one corpus.jsonl, larger than the default per-file limit at 100k chunks.
    maxFileSize: Number.MAX_SAFE_INTEGER,
  });
  if (summary.documents.failed > 0 || summary.chunks.total === 0) {
    throw new Error(`rag ingested nothing useful: ${JSON.stringify(summary.notices.slice(0, 3))}`);
  }
  return summary.chunks.total;
}

async function runLangChain(job: WorkerJob): Promise<number> {
  const { Document } = await import('@langchain/core/documents');
  const { RecursiveCharacterTextSplitter } = await import('@langchain/textsplitters');
  const { HNSWLib } = await import('@langchain/community/vectorstores/hnswlib');
  let embeddings: import('@langchain/core/embeddings').Embeddings;
  if (job.system === 'lc-hash') {
    const { HashEmbedder } = await import('../src/embed/hash.js');
    const { toLangChainEmbeddings } = await import('../src/embed/langchain.js');
    embeddings = toLangChainEmbeddings(new HashEmbedder({ dimension: job.hashDimension! }));
  } else {
    // transformers.js finds a local folder by name under env.localModelPath.
    const { env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(job.modelDir!);
    const { HuggingFaceTransformersEmbeddings } = await import('@langchain/community/embeddings/huggingface_transformers');
    const hf = new HuggingFaceTransformersEmbeddings({ model: path.basename(job.modelDir!) });
    if (job.system === 'lc-batch32') hf.batchSize = 32;
    embeddings = hf;
  }
  const rows = await readCorpus(job.corpus);
  const docs = rows.map((r) => new Document({ pageContent: r.text, metadata: { id: r.id } }));
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: job.chunkSize, chunkOverlap: job.chunkOverlap });
  const chunks = await splitter.splitDocuments(docs);
  const store = await HNSWLib.fromDocuments(chunks, embeddings);
  await store.save(job.out);
  return chunks.length;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const chunks = job.system === 'rag' || job.system === 'rag-hash' ? await runRag(job) : await runLangChain(job);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const result: WorkerResult = {
    system: job.system,
    seconds,
    chunks,
    // maxRSS is in kilobytes.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
