import { existsSync } from 'node:fs';
import os from 'node:os';
import { EmbeddingCache } from '../embed/cache.js';
import { defaultCacheDir, folderName, VECTORS_FILE } from '../embed/cache-dir.js';
import { characterLength, chunkDocument } from '../ingest/chunk.js';
import path from 'node:path';
import type { ResolveOptions } from '../embed/types.js';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { packageVersion } from '../version.js';
import type { ChunkCache } from '../ingest/chunk-cache.js';
import type { LoadNotice } from '../ingest/discover.js';
import { loadSources } from '../ingest/load.js';
import type { LoadedSources } from '../ingest/load.js';
import { openChunkCache, writeDocuments } from '../ingest/pipeline.js';
import { chunkingFor } from '../ingest/chunking.js';
import { DEFAULT_MODEL } from '../embed/registry.js';
import { openModelFor } from '../embed/open-model.js';
import { assertAdapterFits, withQueryAdapter, type QueryAdapter } from '../embed/query-adapter.js';
import { withRememberedQueries } from '../embed/wrap-queries.js';
import type { ModelChoice } from '../embed/open-model.js';
import type { LoadedDocument } from '../ingest/types.js';
import type { ChunkingOptions } from '../model/chunking.js';
import type { Chunk } from '../model/document.js';
import { lexicalScriptFold } from '../retrieve/open.js';
import { Bm25Retriever } from '../retrieve/lexical.js';
import { DEFAULT_FUSION, HybridRetriever } from '../retrieve/hybrid.js';
import { DEFAULT_RERANK_DEPTH, RerankingRetriever } from '../retrieve/rerank.js';
import { openReranker } from '../rerank/open-reranker.js';
import { cachedReranker, defaultRerankCacheDir } from '../rerank/cached-reranker.js';
import type { Reranker } from '../rerank/types.js';
import { findModel } from '../embed/aliases.js';
import { bytesPerVector } from '../store/quantized.js';
import { BYTES_PER_WEIGHT, modelCard, weightSizes, type WeightDtype } from '../embed/model-cards.js';
import { planEval, planRowCount, type EvalAxes, type PlanRow } from './plan.js';
import { CountingReranker, makeVariant, readFullVectors, TimedDenseRetriever, Timings, type VectorVariant } from './vector-variants.js';
import type { TextEncoding } from '../ingest/encoding.js';
import type { Retriever } from '../retrieve/types.js';
import { dropIndex, lockEvalTables, openIndex } from '../store/open.js';
import { isPostgresLocation } from '../store/pg/location.js';
import type { IndexReader } from '../store/reader.js';
import { checkDocuments, datasetInfo, evalQueries, loadDataset, removeSelfMatches } from './dataset.js';
import type { LabeledDataset } from './dataset.js';
import { DEFAULT_KS, evaluateRun } from './metrics.js';
import { compareToFirst } from './compare.js';
import { NO_SEGMENT, readQuerySegments, scoreSegments } from './segments.js';
import { createWorkDir, type WorkDir } from './work-dir.js';
import type { ComparisonOptions } from './compare.js';
import { RESULTS_FORMAT_VERSION, TOP_DOCUMENTS } from './types.js';
import { ragWarning, type RagWarning } from '../warnings.js';
import type { DatasetWarnings, DocumentPreview, EvalResults, JsonValue, PerQueryResult, RetrievalMode, RunResult } from './types.js';

export type EvalEvent =
  /** `warnings`: labels dropped for naming unknown documents or queries, duplicate labels (also in results.json). */
  | { type: 'dataset'; documents: number; queries: number; warnings: DatasetWarnings; encodings: Array<{ file: string; encoding: TextEncoding }> }
  | { type: 'run-start'; model: string; mode: RetrievalMode; index: number; total: number }
  | { type: 'embed-progress'; done: number; total: number }
  | { type: 'query-progress'; done: number; total: number }
  | { type: 'run-end'; run: RunResult }
  /** One (model, chunking) index is ready; `embedded`: chunks that reached the model (not the cache). */
  | { type: 'index-built'; model: string; chunking: ChunkingOptions; chunks: number; embedded: number; embedSeconds: number }
  | ({ type: 'waiting' } & RagWarning)
  /** A file skipped, failed or read in a legacy encoding: exactly the notices `rag ingest` gives. */
  | { type: 'notice'; notice: LoadNotice }
  /** E.g. a document id repeated in the corpus, as `rag ingest` warns (`message` is its English). */
  | ({ type: 'warning' } & RagWarning)
  /** Temporary index folders of earlier runs that died (SIGKILL, power loss), removed now. */
  | { type: 'stale-work-dirs'; removed: string[] }
  /** `adapter`: evaluated queries the adapter was trained on (their adapted scores are not held out). */
  | { type: 'adapter-overlap'; queries: number; examples: string[] }
  | { type: 'rankings'; model: string; mode: RetrievalMode; rankings: ReadonlyMap<string, ReadonlyArray<RankedDocument>> };

/** A document in a ranking, represented by its best chunk. */
export interface RankedDocument {
  docId: string;
  chunk: Chunk;
}

export interface EvalOptions {
  /** A BEIR folder (corpus.jsonl, queries.jsonl, qrels/) or a documents folder with queries.jsonl. */
  dataset: string;
  /** Models to evaluate (default: the built-in `hash`). */
  models?: ModelChoice[];
  /** How to load the models (dtype, pooling, offline, base URL ...). */
  modelOptions?: ResolveOptions;
  /** Retrieval modes (default: dense). Every model x mode combination is one run. */
  modes?: RetrievalMode[];
  ks?: number[];
  /** BEIR qrels split (default `test`). */
  split?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  /** Measure chunks in model tokens (default with a tokenizer) or characters. */
  chunkUnit?: ChunkingOptions['lengthUnit'];
  /** Drop retrieved documents whose id equals the query id (ArguAna-like sets). */
  ignoreIdenticalIds?: boolean;
  /** Evaluate only the first n labelled queries. */
  limit?: number;
  /** Use the on-disk embedding cache (default true). */
  cache?: boolean;
  cacheDir?: string;
  /** Where reranker scores are cached (default `<cache root>/rerank`, as `rag query --rerank`). */
  rerankCacheDir?: string;
  /** Parent folder of the temporary indexes (default the OS temp dir). */
  workDir?: string;
  /**
   * Where the per-model indexes go: a directory (like `workDir`), or a PostgreSQL URL, where
   * model i gets the tables `<table>_eval<i>` (dropped first if left over, and dropped afterwards).
   */
  index?: string;
  /** Read documents and dataset files in this encoding instead of detecting it (`--encoding`). */
  encoding?: TextEncoding;
  /** Seed of the bootstrap and randomization tests (default 42). */
  seed?: number;
  /** A queries.jsonl field (e.g. `language`): every run also gets its metrics per value of it. */
  segmentBy?: string;
  /** Correction, margin (TOST), effect (power) of the comparisons; see {@link ComparisonOptions}. */
  statistics?: Omit<ComparisonOptions, 'seed'>;
  /**
   * A query adapter (`rag tune adapter`): the model it was trained for gets a second run per
   * dense or hybrid mode, `<model>+adapter`, right after its plain run (and compared with the
   * first run like every run). No model matching it is refused as a model mismatch.
   */
  adapter?: QueryAdapter;
  /**
   * The trade-off axes (chunking, dimensions, precision, fusion, reranker), each a list: every
   * combination is one row, and each (model, chunking) index is embedded once (see plan.ts).
   */
  axes?: EvalAxes;
  /** How rerankers named in `axes.reranks` are reached (base URL ...). */
  rerankOptions?: Parameters<typeof openReranker>[1];
  onEvent?: (event: EvalEvent) => void;
  /**
   * Stops the evaluation (like Ctrl-C) at the next safe point: between embedding batches, queries
   * and runs. It then throws a RagError `interrupted`, after removing its temporary indexes.
   */
  signal?: AbortSignal;
}


/**
 * Evaluates every model x mode on one labelled dataset. Documents are loaded and labels validated
 * once; each model gets its own chunking (its own tokenizer) with the same settings, a real HNSW
 * index in a temporary folder, and the same queries. Relevance is judged per document: a
 * document's rank is the rank of its best chunk, and its other chunks do not count again.
 */
export async function evaluate(options: EvalOptions): Promise<EvalResults> {
  const emit = options.onEvent ?? (() => undefined);
  const modes: RetrievalMode[] = unique(options.modes?.length ? options.modes : ['dense']);
  const models = options.models?.length ? options.models : [DEFAULT_MODEL];
  const ks = [...new Set(options.ks?.length ? options.ks : [...DEFAULT_KS])].sort((a, b) => a - b);

  const dataset = await loadDataset(options.dataset, {
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
  });
  const encodingNotes = [...dataset.encodings];
  const loaded = await loadDocuments(dataset, options.encoding, (notice) => emit({ type: 'notice', notice }));
  const documents = loaded.documents.map((d) => d.doc);
  // Labels are checked against what actually loaded: a file that failed would otherwise count as a miss.
  const validated = checkDocuments(dataset, documents.map((d) => d.docId));
  let queries = evalQueries(validated);
  if (options.limit !== undefined) queries = queries.slice(0, options.limit);
  if (queries.length === 0) throw new RagError('dataset-invalid', `dataset ${options.dataset} has no labelled queries to evaluate`);
  if (options.adapter !== undefined) {
    const trained = new Set(options.adapter.provenance.trainQueryIds);
    const overlap = queries.filter((q) => trained.has(q.id)).map((q) => q.id);
    if (overlap.length > 0) emit({ type: 'adapter-overlap', queries: overlap.length, examples: overlap.slice(0, 3) });
  }
  const segmentOf = options.segmentBy === undefined ? undefined : await readQuerySegments(options.dataset, options.segmentBy);
  if (segmentOf !== undefined) queries = queries.map((q) => ({ ...q, segment: segmentOf.get(q.id) ?? NO_SEGMENT }));
  const qrels = new Map(queries.map((q) => [q.id, new Map(Object.entries(q.relevant))]));
  emit({ type: 'dataset', documents: documents.length, queries: queries.length, warnings: validated.warnings, encodings: encodingNotes });

  const maxK = ks[ks.length - 1]!;
  const runs: RunResult[] = [];
  const pgBase = options.index !== undefined && isPostgresLocation(options.index) ? options.index.trim() : undefined;
  const workParent = pgBase === undefined ? (options.index ?? options.workDir ?? os.tmpdir()) : os.tmpdir();
  const unlock = pgBase === undefined ? undefined : await lockEvalTables(pgBase, { onWait: (warning) => emit({ type: 'waiting', ...warning }) });
  let work: WorkDir;
  try {
    work = await createWorkDir(workParent);
  } catch (error) {
    await unlock?.();
    throw error;
  }
  if (work.removedStale.length > 0) emit({ type: 'stale-work-dirs', removed: work.removedStale });
  const workRoot = work.path;
  const signal = options.signal;
  const checkInterrupt = (): void => {
    if (signal?.aborted) throw interruptedEval();
  };
  const created: string[] = [];
  let adapterUsed = false;
  const axes = options.axes ?? {};
  const plan = planEval(models, modes, axes);
  const total = planRowCount(plan);
  // Opened before anything is embedded: a bad spec fails in a second, not after the first index.
  const rerankers = new Map<string, Reranker>();
  for (const spec of new Set(plan.flatMap((g) => g.rows.map((r) => r.rerank)))) {
    if (spec === null) continue;
    const reranker = openReranker(spec, options.rerankOptions ?? {});
    // Reranked runs are cached like embeddings: a re-run scores no (query, passage) pair twice.
    rerankers.set(spec, options.cache === false ? reranker : cachedReranker(reranker, { dir: options.rerankCacheDir ?? defaultRerankCacheDir() }));
  }
  const rerankDepth = axes.rerankDepth ?? DEFAULT_RERANK_DEPTH;
  try {
    for (const choice of models) {
      checkInterrupt();
      // Deferred: a warm re-run finds every chunk list and vector cached and never loads the model.
      const embedder = await openModelFor(undefined, choice, {
        deferLoad: true,
        ...options.modelOptions,
        cache: options.cache ?? true,
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      });
      try {
        const modelName = typeof choice === 'string' ? choice : embedder.info.id;
        checkDimensions(axes.dimensions, embedder, modelName, emit);
        for (const group of plan.filter((g) => g.model === choice)) {
          checkInterrupt();
          const chunking = chunkingFor(undefined, embedder, {
            ...options,
            ...(group.chunkSize === undefined ? {} : { chunkSize: group.chunkSize }),
            ...(group.chunkOverlap === undefined ? {} : { chunkOverlap: group.chunkOverlap }),
          });
          const location = pgBase === undefined ? path.join(workRoot, `m${created.length}`) : evalTable(pgBase, created.length);
          if (pgBase !== undefined) await dropIndex(location);
          created.push(location);
          const chunkCache = await openChunkCache(embedder, chunking, options);
          const built = await buildIndex(embedder, loaded, chunking, chunkCache, location, group.rows.some((r) => r.mode !== 'dense'), emit, signal).catch((error: unknown) => {
            // Ingest's writer stops on the same signal with its own error; the eval reports its own.
            throw signal?.aborted ? interruptedEval() : error;
          });
          emit({ type: 'index-built', model: modelName, chunking, chunks: built.store.chunkCount, embedded: built.embedded, embedSeconds: built.embedSeconds });
          try {
            const fits = options.adapter !== undefined && options.adapter.model.fingerprint === embedder.fingerprint;
            if (options.adapter !== undefined && models.length === 1) assertAdapterFits(options.adapter, embedder, '--adapter');
            adapterUsed ||= fits;
            // Every row of this group asks for the same query vectors: embedded once.
            const queryEmbedder = withRememberedQueries(embedder);
            const adapted = fits ? withQueryAdapter(queryEmbedder, options.adapter!) : undefined;
            const variants = (mode: RetrievalMode): Array<{ embedder: Embedder; suffix: string }> =>
              adapted !== undefined && mode !== 'bm25' ? [{ embedder: queryEmbedder, suffix: '' }, { embedder: adapted, suffix: '+adapter' }] : [{ embedder: queryEmbedder, suffix: '' }];
            const needsVectors = group.rows.some((r) => r.dimensions !== null || (r.precision !== null && r.precision !== 'float32'));
            const full = needsVectors ? await readFullVectors(built.store) : undefined;
            const copies = new Map<string, VectorVariant>();
            const copyFor = (row: PlanRow): VectorVariant | undefined => {
              if (full === undefined || row.precision === null || (row.dimensions === null && row.precision === 'float32')) return undefined;
              const key = `${row.dimensions}/${row.precision}/${row.rescore}`;
              let copy = copies.get(key);
              if (copy === undefined) copies.set(key, (copy = makeVariant(full, row.dimensions, row.precision, row.rescore ?? 0)));
              return copy;
            };
            const scriptFold = options.modelOptions?.scriptFold ?? lexicalScriptFold(built.store.manifest.model);
            let bm25: Bm25Retriever | undefined;
            const lexical = (): Bm25Retriever => (bm25 ??= new Bm25Retriever(built.store, scriptFold));
            for (const row of group.rows) for (const variant of variants(row.mode)) {
              checkInterrupt();
              const modelLabel = `${modelName}${group.suffix}${row.suffix}${variant.suffix}`;
              emit({ type: 'run-start', model: modelLabel, mode: row.mode, index: runs.length + 1, total });
              const started = performance.now();
              const copy = copyFor(row);
              const searchTimes = new Timings();
              const dense = (): TimedDenseRetriever =>
                new TimedDenseRetriever(built.store, variant.embedder, searchTimes, copy === undefined ? undefined : { vectors: copy, entries: full!.entries });
              let retriever: Retriever =
                row.mode === 'dense' ? dense() : row.mode === 'bm25' ? lexical() : new HybridRetriever(dense(), lexical(), undefined, row.fusion ?? undefined);
              const counting = row.rerank === null ? undefined : new CountingReranker(rerankers.get(row.rerank)!);
              if (counting !== undefined) retriever = new RerankingRetriever(retriever, counting, rerankDepth);
              const ranked = await rankDocuments(retriever, queries, maxK, built.store.chunkCount, options.ignoreIdenticalIds ?? false, emit, signal);
              checkInterrupt();
              const rankings = new Map([...ranked].map(([qid, docs]) => [qid, docs.map((d) => d.docId)]));
              emit({ type: 'rankings', model: modelLabel, mode: row.mode, rankings: ranked });
              const querySeconds = (performance.now() - started) / 1000;
              const scored = evaluateRun(rankings, qrels, ks);
              const perQuery: Record<string, PerQueryResult> = {};
              for (const [qid, metrics] of scored.perQuery) {
                const ranking = rankings.get(qid) ?? [];
                const ranks: Record<string, number | null> = {};
                for (const [docId, grade] of qrels.get(qid) ?? []) {
                  if (grade <= 0) continue;
                  const at = ranking.indexOf(docId);
                  ranks[docId] = at === -1 ? null : at + 1;
                }
                perQuery[qid] = { metrics, ranks, top: ranking.slice(0, TOP_DOCUMENTS) };
              }
              const mode = row.mode;
              const dimension = mode === 'bm25' ? null : (row.dimensions ?? embedder.info.dimension);
              const precision = row.precision ?? 'float32';
              const run: RunResult = {
                model: modelLabel,
                mode,
                config: runConfig(embedder, chunking, row, built, options, rerankDepth),
                metrics: scored.mean,
                evaluatedQueries: scored.evaluatedQueries,
                skippedQueries: scored.skippedQueries,
                unrankedQueries: scored.unrankedQueries,
                perQuery,
                cost: {
                  embedSeconds: mode === 'bm25' ? 0 : built.embedSeconds,
                  chunksPerSecond: mode === 'bm25' || built.embedSeconds === 0 ? null : built.embedded / built.embedSeconds,
                  chunks: built.store.chunkCount,
                  dimension,
                  indexBytes: mode === 'bm25' ? 0 : built.indexBytes,
                  truncatedChunks: mode === 'bm25' ? 0 : built.truncated,
                  querySeconds,
                  wallSeconds: querySeconds + (mode === 'bm25' ? built.chunkSeconds : built.buildSeconds),
                  ...(mode === 'bm25' ? {} : modelSize(typeof choice === 'string' ? choice : embedder.info.id, embedder)),
                  ...(dimension === null ? {} : { bytesPerVector: bytesPerVector(precision, dimension), vectorBytes: built.store.chunkCount * bytesPerVector(precision, dimension) }),
                  ...(searchTimes.ms.length === 0 ? {} : { searchMsP50: searchTimes.percentile(50)!, searchMsP95: searchTimes.percentile(95)! }),
                  ...(counting === undefined
                    ? {}
                    : { rerankCalls: counting.calls, rerankMsP50: counting.timings.percentile(50) ?? 0, rerankMsP95: counting.timings.percentile(95) ?? 0 }),
                },
              };
              if (segmentOf !== undefined) run.segments = scoreSegments(run, segmentOf);
              runs.push(run);
              emit({ type: 'run-end', run });
            }
          } finally {
            await built.store.close();
          }
        }
      } finally {
        await embedder.dispose?.();
      }
    }
    if (options.adapter !== undefined && !adapterUsed) {
      throw new RagError('model-mismatch', `the query adapter was trained for ${options.adapter.model.id}, and none of the evaluated models is that model under the same settings`, {
        hint: `add the model ${options.adapter.model.id}, or train an adapter for one of these models`,
        details: { advice: 'eval-adapter-model', model: options.adapter.model.id },
      });
    }
  } catch (error) {
    throw signal?.aborted ? interruptedEval() : error;
  } finally {
    await work.remove();
    try {
      for (const location of created) await dropIndex(location);
    } finally {
      await unlock?.();
    }
  }

  return {
    formatVersion: RESULTS_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    toolVersion: packageVersion(),
    dataset: { ...datasetInfo(validated), queries: queries.length },
    ks,
    queries: queries.map((q) => ({ id: q.id, text: q.text, relevant: q.relevant, ...(q.segment === undefined ? {} : { segment: q.segment }) })),
    ...(options.segmentBy === undefined ? {} : { segmentBy: options.segmentBy }),
    runs,
    comparisons: compareToFirst(runs, { ...options.statistics, seed: options.seed ?? 42 }),
    documents: previews(documents, runs),
  };
}

const SNIPPET_CHARS = 200;

/** Title and text start of the documents in any run's top documents, in corpus order. */
function previews(documents: readonly LoadedDocument[], runs: readonly RunResult[]): Record<string, DocumentPreview> {
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

/** The URL of eval's table for model `i`: `table=<table>_eval<i>`. */
function evalTable(base: string, i: number): string {
  const url = new URL(base);
  url.searchParams.set('table', `${url.searchParams.get('table') ?? 'rag_chunks'}_eval${i}`);
  return url.href;
}

interface BuiltIndex {
  store: IndexReader;
  /** Chunks embedded now (not served by the cache). */
  embedded: number;
  truncated: number;
  embedSeconds: number;
  chunkSeconds: number;
  /** Chunking + embedding + HNSW build. */
  buildSeconds: number;
  indexBytes: number;
}

/**
 * Builds the per-model index through ingest's own writer (change detection, chunk cache, embedding
 * groups), as one commit at the end and without fsync: the index is thrown away after the run.
 */
async function buildIndex(
  embedder: Embedder,
  loaded: LoadedSources,
  chunking: ChunkingOptions,
  chunkCache: ChunkCache | undefined,
  location: string,
  lexical: boolean,
  emit: (e: EvalEvent) => void,
  signal?: AbortSignal,
): Promise<BuiltIndex> {
  const started = performance.now();
  let written: IndexReader | undefined;
  const { summary, timings } = await writeDocuments({
    location,
    embedder,
    chunking,
    loaded,
    paths: [],
    commitEvery: null,
    durable: false,
    ...(signal === undefined ? {} : { signal }),
    lexicalPostings: lexical,
    onCommitted: (committed) => (written = committed),
    chunkCache,
    onEvent: (event) => {
      if (event.type === 'embed-progress') emit(event);
      else if (event.type === 'warning') emit(event);
    },
  });
  // A directory's store is used as committed; reading its files back cost a warm eval 8%.
  const store = written ?? (await openIndex(location));
  return {
    store,
    embedded: summary.chunks.embedded,
    truncated: summary.chunks.truncated,
    embedSeconds: timings.embedSeconds,
    chunkSeconds: timings.chunkSeconds,
    buildSeconds: (performance.now() - started) / 1000,
    indexBytes: await store.sizeBytes(),
  };
}

/**
 * Ranks documents for every query: chunks are retrieved deep enough to yield `maxK` distinct
 * documents, and each document takes the rank of its best chunk.
 */
async function rankDocuments(
  retriever: Retriever,
  queries: ReadonlyArray<{ id: string; text: string }>,
  maxK: number,
  chunkCount: number,
  ignoreIdenticalIds: boolean,
  emit: (e: EvalEvent) => void,
  signal?: AbortSignal,
): Promise<Map<string, RankedDocument[]>> {
  const rankings = new Map<string, RankedDocument[]>();
  let done = 0;
  for (const q of queries) {
    if (signal?.aborted) throw interruptedEval();
    let depth = Math.min(chunkCount, maxK * 2);
    let docs: RankedDocument[] = [];
    for (;;) {
      const hits = await retriever.search(q.text, depth);
      docs = [];
      const seen = new Set<string>();
      for (const hit of hits) {
        const id = hit.chunk.docId;
        if (seen.has(id)) continue;
        seen.add(id);
        docs.push({ docId: id, chunk: hit.chunk });
      }
      if (ignoreIdenticalIds) {
        const kept = new Set(removeSelfMatches(q.id, docs.map((d) => d.docId)));
        docs = docs.filter((d) => kept.has(d.docId));
      }
      if (docs.length >= maxK || depth >= chunkCount || hits.length < depth) break;
      depth = Math.min(chunkCount, depth * 2);
    }
    rankings.set(q.id, docs.slice(0, maxK));
    emit({ type: 'query-progress', done: ++done, total: queries.length });
  }
  return rankings;
}

function runConfig(
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

/**
 * Truncations must fit the model; truncating a model not trained for it (Matryoshka) still
 * runs, since measuring the loss is the point, but says so.
 */
function checkDimensions(dims: readonly number[] | undefined, embedder: Embedder, modelName: string, emit: (e: EvalEvent) => void): void {
  if (!dims?.length) return;
  const full = embedder.info.dimension;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1) throw new RagError('usage', `dimensions ${d}: expected positive whole numbers`, { details: { advice: 'dimensions-invalid', value: d } });
    if (d > full) {
      throw new RagError('usage', `dimensions ${d} is larger than ${modelName}'s ${full} dimensions`, {
        hint: `use values up to ${full}`,
        details: { advice: 'dimensions-too-large', value: d, model: modelName, full },
      });
    }
  }
  if (dims.some((d) => d < full) && !isMatryoshka(modelName)) {
    emit({ type: 'warning', ...ragWarning('dimensions-not-matryoshka', { model: modelName, dimensions: dims.filter((d) => d < full).join(',') }) });
  }
}

/** Models whose cards say they were trained for truncation (the registry's `matryoshka` flag). */
function isMatryoshka(modelName: string): boolean {
  return findModel(modelName)?.matryoshka === true;
}

/**
 * The dataset's documents, loaded as `rag ingest` loads a folder (same discovery, loaders and
 * notices), so eval and ingest agree on what a folder holds.
 */
async function loadDocuments(dataset: LabeledDataset, encoding: TextEncoding | undefined, onNotice: (notice: LoadNotice) => void): Promise<LoadedSources> {
  // No size limit: a labelled dataset is read whole on purpose, and one BEIR corpus.jsonl holds
  // every document (ingest's --max-file-size is about stray huge files in a folder).
  const loaded = await loadSources([dataset.documentsPath], {
    maxFileSize: Number.POSITIVE_INFINITY,
    ...(encoding === undefined ? {} : { encoding }),
    skipFiles: new Set(dataset.excludeFromDocuments.map((rel) => path.resolve(dataset.documentsPath, rel))),
    onNotice,
  });
  if (loaded.documents.length === 0) throw new RagError('dataset-invalid', `dataset ${dataset.root} has no documents to index`);
  return loaded;
}


function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** What an interrupted evaluation reports: nothing half-done is left anywhere. */
function interruptedEval(): RagError {
  return new RagError('interrupted', 'eval interrupted: no reports were written and its temporary indexes are removed');
}

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

/** The model's weight size for the Pareto chart, where a model card publishes it (or its parameters). */
function modelSize(alias: string, embedder: Embedder): { modelBytes?: number; modelBytesEstimated?: boolean } {
  const dtype = embedder.info.params?.['dtype'];
  const size = weightSizes(modelCard(alias))[typeof dtype === 'string' && dtype in BYTES_PER_WEIGHT ? (dtype as WeightDtype) : 'fp32'];
  return size === undefined ? {} : { modelBytes: size.bytes, modelBytesEstimated: size.estimated };
}
