/** The parts of results.json that describe a run and its documents: configuration, model size, previews. */
import type { Embedder } from '../embed/types.js';
import type { LoadedDocument } from '../ingest/types.js';
import type { ChunkingOptions } from '../model/chunking.js';
import { DEFAULT_FUSION } from '../retrieve/hybrid.js';
import { BYTES_PER_WEIGHT, modelCard, weightSizes, type WeightDtype } from '../embed/model-cards.js';
import type { PlanRow } from './plan.js';
import type { DocumentPreview, JsonValue, RunResult } from './types.js';
import type { EvalOptions } from './eval-options.js';
import type { BuiltIndex } from './per-model-index.js';

export function runConfig(
  embedder: Embedder,
  chunking: ChunkingOptions,
  row: PlanRow,
  built: BuiltIndex,
  options: EvalOptions,
  rerankDepth: number,
): { [key: string]: JsonValue } {
  const info = embedder.info;
  const mode = row.mode;
  const model: { [key: string]: JsonValue } = {
    id: info.id,
    provider: info.provider,
    name: info.name,
    revision: info.revision ?? null,
    dimension: info.dimension,
    pooling: info.pooling ?? null,
    queryPrefix: info.queryPrefix ?? null,
    passagePrefix: info.passagePrefix ?? null,
    normalize: info.normalize,
    maxTokens: info.maxTokens ?? null,
    params: { ...(info.params ?? {}) },
    fingerprint: embedder.fingerprint,
  };
  const fusion = row.fusion ?? DEFAULT_FUSION;
  const vectors = mode !== 'bm25';
  const exact = row.dimensions !== null || (row.precision !== null && row.precision !== 'float32');
  return {
    mode,
    model,
    chunking: { ...chunking },
    chunkSize: chunking.chunkSize,
    chunkOverlap: chunking.chunkOverlap,
    hnsw: { ...built.store.manifest.hnsw },
    // How the vectors were searched: the index's own search (HNSW), or an exact scan of a copy.
    vectorSearch: !vectors ? null : exact ? (row.precision === 'binary' ? 'exact-hamming' : 'exact') : 'index',
    dimensions: vectors ? (row.dimensions ?? info.dimension) : null,
    precision: vectors ? (row.precision ?? 'float32') : null,
    rescore: row.precision === 'binary' ? (row.rescore ?? 0) : null,
    fusion:
      mode !== 'hybrid' ? null : fusion.method === 'rrf' ? { method: 'reciprocal-rank', k: fusion.k, depth: 100 } : { method: 'convex', alpha: fusion.alpha, depth: 100 },
    rerank: row.rerank === null ? null : { id: row.rerank, depth: rerankDepth },
    bm25: mode === 'dense' ? null : { k1: 1.5, b: 0.75 },
    ignoreIdenticalIds: options.ignoreIdenticalIds ?? false,
  };
}

/** The model's weight size for the Pareto chart, where a model card publishes it (or its parameters). */
export function modelSize(alias: string, embedder: Embedder): { modelBytes?: number; modelBytesEstimated?: boolean } {
  const dtype = embedder.info.params?.['dtype'];
  const size = weightSizes(modelCard(alias))[typeof dtype === 'string' && dtype in BYTES_PER_WEIGHT ? (dtype as WeightDtype) : 'fp32'];
  return size === undefined ? {} : { modelBytes: size.bytes, modelBytesEstimated: size.estimated };
}

const SNIPPET_CHARS = 200;

/** Title and text start of the documents in any run's top documents, in corpus order. */
export function previews(documents: readonly LoadedDocument[], runs: readonly RunResult[]): Record<string, DocumentPreview> {
  const shown = new Set(runs.flatMap((r) => Object.values(r.perQuery).flatMap((q) => q.top ?? [])));
  const out: Record<string, DocumentPreview> = {};
  for (const doc of documents) {
    if (!shown.has(doc.docId) || out[doc.docId] !== undefined) continue;
    const flat = doc.text.replace(/\s+/g, ' ').trim();
    const snippet = flat.length > SNIPPET_CHARS ? `${[...flat].slice(0, SNIPPET_CHARS).join('')}…` : flat;
    out[doc.docId] = { ...(doc.title === undefined ? {} : { title: doc.title }), snippet };
  }
  return out;
}
