import { existsSync } from 'node:fs';
import { EmbeddingCache } from '../embed/cache.js';
import { defaultCacheDir, folderName, VECTORS_FILE } from '../embed/cache-dir.js';
import { characterLength, chunkDocument } from '../ingest/chunk.js';
import path from 'node:path';
import type { Embedder } from '../embed/types.js';
import { chunkingFor } from '../ingest/chunking.js';
import { DEFAULT_MODEL } from '../embed/registry.js';
import { openModelFor } from '../embed/open-model.js';
import type { ChunkingOptions } from '../model/chunking.js';
import { openReranker } from '../rerank/open-reranker.js';
import { planEval, unique } from './plan.js';
import { evalQueries, loadDataset } from './dataset.js';
import { checkDocuments } from './dataset-labels.js';
import type { RetrievalMode } from './types.js';
import type { EvalOptions } from './eval-options.js';
import { loadDocuments } from './per-model-index.js';
import { checkDimensions } from './check-dimensions.js';

/** What `rag eval --dry-run` shows: the rows and what building their indexes would cost. */
export interface EvalDryRun {
  dataset: { documents: number; queries: number };
  /** One per (model, chunking): built and embedded once, all its rows scored from it. */
  indexes: Array<{
    model: string;
    chunking: ChunkingOptions;
    chunks: number;
    /** Distinct chunk texts (what an embedding model is asked for). */
    texts: number;
    /** Texts already in the on-disk embedding cache; null when the model is not cached (like `hash`) or --no-cache. */
    cacheHits: number | null;
    /** Texts the model would embed. */
    embedCalls: number;
    rows: number;
    /**
     * Embedding time extrapolated from timing the model on a sample of the texts it would embed
     * (`estimateSample` of them, spread over the corpus); null for remote models, where a sample
     * would be a real (possibly paid) request, and 0 when nothing is to be embedded.
     */
    estimatedEmbedSeconds: number | null;
    estimateSample: number;
  }>;
  rows: Array<{ model: string; mode: RetrievalMode; index: number; dimensions: number | null; precision: string | null; rescore: number | null; fusion: string | null; rerank: string | null }>;
  embedCalls: number;
  cacheHits: number;
  /** Sum over the indexes; null when any index that embeds has no estimate. Queries not included. */
  estimatedEmbedSeconds: number | null;
  /** Reranker calls: one per query per reranked row (more when a ranking has to be read deeper). */
  rerankCalls: number;
  /** Query-adapter rows (`+adapter`) are added when the run starts and the adapter's model is known; not counted here. */
  adapterRowsNotCounted: boolean;
}

/**
 * Plans the evaluation without embedding anything: loads the dataset, opens each model without
 * loading its weights (a tokenizer may load, to chunk in tokens), chunks the documents and looks
 * the chunk texts up in the embedding cache.
 */
export async function planEvaluation(options: EvalOptions): Promise<EvalDryRun> {
  const modes: RetrievalMode[] = unique(options.modes?.length ? options.modes : ['dense']);
  const models = options.models?.length ? options.models : [DEFAULT_MODEL];
  const dataset = await loadDataset(options.dataset, {
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
  });
  const loaded = await loadDocuments(dataset, options.encoding, () => undefined);
  const validated = checkDocuments(dataset, loaded.documents.map((d) => d.doc.docId));
  let queries = evalQueries(validated);
  if (options.limit !== undefined) queries = queries.slice(0, options.limit);
  const axes = options.axes ?? {};
  const plan = planEval(models, modes, axes);
  for (const spec of new Set(plan.flatMap((g) => g.rows.map((r) => r.rerank)))) if (spec !== null) openReranker(spec, options.rerankOptions ?? {});
  const out: EvalDryRun = { dataset: { documents: loaded.documents.length, queries: queries.length }, indexes: [], rows: [], embedCalls: 0, cacheHits: 0, estimatedEmbedSeconds: 0, rerankCalls: 0, adapterRowsNotCounted: options.adapter !== undefined };
  for (const choice of models) {
    const embedder = await openModelFor(undefined, choice, { deferLoad: true, ...options.modelOptions, cache: false });
    try {
      const modelName = typeof choice === 'string' ? choice : embedder.info.id;
      checkDimensions(axes.dimensions, embedder, modelName, () => undefined);
      const cache = options.cache === false || !embedder.cacheable ? undefined : await openExistingCache(embedder, options.cacheDir);
      try {
        for (const group of plan.filter((g) => g.model === choice)) {
          const chunking = chunkingFor(undefined, embedder, {
            ...options,
            ...(group.chunkSize === undefined ? {} : { chunkSize: group.chunkSize }),
            ...(group.chunkOverlap === undefined ? {} : { chunkOverlap: group.chunkOverlap }),
          });
          const tokens = chunking.lengthUnit === 'tokens' && embedder.countTokens !== undefined;
          if (tokens) await embedder.load?.();
          const length = tokens ? (text: string) => embedder.countTokens!(text) : characterLength;
          const texts = new Set<string>();
          let chunks = 0;
          for (const { doc } of loaded.documents) {
            for (const chunk of chunkDocument(doc, chunking, length)) {
              chunks++;
              texts.add(chunk.text);
            }
          }
          const dense = group.rows.some((r) => r.mode !== 'bm25');
          const missing = dense ? [...texts].filter((t) => cache === undefined || !cache.has(t)) : [];
          const cached = cache === undefined ? null : texts.size - [...texts].filter((t) => !cache.has(t)).length;
          const embedCalls = missing.length;
          const estimate = await estimateEmbedSeconds(embedder, missing);
          const index = out.indexes.length;
          out.indexes.push({ model: modelName, chunking, chunks, texts: texts.size, cacheHits: cached, embedCalls, rows: group.rows.length, ...estimate });
          if (estimate.estimatedEmbedSeconds !== null && out.estimatedEmbedSeconds !== null) out.estimatedEmbedSeconds += estimate.estimatedEmbedSeconds;
          else if (embedCalls > 0) out.estimatedEmbedSeconds = null;
          out.embedCalls += embedCalls;
          out.cacheHits += cached ?? 0;
          for (const row of group.rows) {
            out.rows.push({
              model: `${modelName}${group.suffix}${row.suffix}`,
              mode: row.mode,
              index,
              dimensions: row.mode === 'bm25' ? null : (row.dimensions ?? embedder.info.dimension),
              precision: row.precision,
              rescore: row.rescore,
              fusion: row.fusion === null ? null : row.fusion.method === 'rrf' ? `rrf k=${row.fusion.k}` : `convex alpha=${row.fusion.alpha}`,
              rerank: row.rerank,
            });
            if (row.rerank !== null) out.rerankCalls += queries.length;
          }
        }
      } finally {
        await cache?.close();
      }
    } finally {
      await embedder.dispose?.();
    }
  }
  return out;
}

/** The model's embedding cache when one exists (a dry run creates no cache files). */
async function openExistingCache(embedder: Embedder, cacheDir: string | undefined): Promise<EmbeddingCache | undefined> {
  const file = path.join(cacheDir ?? defaultCacheDir(), folderName(embedder.fingerprint), VECTORS_FILE);
  if (!existsSync(file)) return undefined;
  return EmbeddingCache.open(embedder.fingerprint, embedder.info.dimension, { ...(cacheDir === undefined ? {} : { dir: cacheDir }) });
}

/** How many texts a dry run times a local model on: enough to smooth batching, seconds at most. */
const ESTIMATE_SAMPLE = 32;

/**
 * Times the model on a sample of the texts it would embed, spread over them (long and short
 * chunks alike), and extrapolates. Only local models (built-in, ONNX): for an HTTP model the
 * sample would be a real request to someone's endpoint, so there is no estimate.
 */
async function estimateEmbedSeconds(embedder: Embedder, texts: readonly string[]): Promise<{ estimatedEmbedSeconds: number | null; estimateSample: number }> {
  if (texts.length === 0) return { estimatedEmbedSeconds: 0, estimateSample: 0 };
  if (embedder.info.provider !== 'builtin' && embedder.info.provider !== 'transformers') return { estimatedEmbedSeconds: null, estimateSample: 0 };
  const step = Math.max(1, Math.floor(texts.length / ESTIMATE_SAMPLE));
  const sample = texts.filter((_, i) => i % step === 0).slice(0, ESTIMATE_SAMPLE);
  await embedder.load?.();
  // One text first, untimed: the first call pays for warm-up (JIT, ONNX session, tables) once,
  // which extrapolated over the corpus would inflate the estimate several times.
  await embedder.embedDocuments(sample.slice(0, 1));
  const started = performance.now();
  await embedder.embedDocuments(sample);
  const seconds = (performance.now() - started) / 1000;
  return { estimatedEmbedSeconds: (seconds / sample.length) * texts.length, estimateSample: sample.length };
}
