import os from 'node:os';
import path from 'node:path';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { packageVersion } from '../version.js';
import { openChunkCache } from '../ingest/pipeline.js';
import { chunkingFor } from '../ingest/chunking.js';
import { DEFAULT_MODEL } from '../embed/registry.js';
import { openModelFor } from '../embed/open-model.js';
import { assertAdapterFits, withQueryAdapter } from '../embed/query-adapter.js';
import { withRememberedQueries } from '../embed/wrap-queries.js';
import { lexicalScriptFold } from '../retrieve/open.js';
import { Bm25Retriever } from '../retrieve/lexical.js';
import { HybridRetriever } from '../retrieve/hybrid.js';
import { DEFAULT_RERANK_DEPTH, RerankingRetriever } from '../retrieve/rerank.js';
import { openReranker } from '../rerank/open-reranker.js';
import { cachedReranker, defaultRerankCacheDir } from '../rerank/cached-reranker.js';
import type { Reranker } from '../rerank/types.js';
import { bytesPerVector } from '../store/quantized.js';
import { planEval, planRowCount, unique, type PlanRow } from './plan.js';
import { CountingReranker, makeVariant, readFullVectors, TimedDenseRetriever, Timings, type VectorVariant } from './vector-variants.js';
import type { Retriever } from '../retrieve/types.js';
import { dropIndex, lockEvalTables } from '../store/open.js';
import { isPostgresLocation } from '../store/pg/location.js';
import { datasetInfo, evalQueries, loadDataset } from './dataset.js';
import { checkDocuments } from './dataset-labels.js';
import { DEFAULT_KS, evaluateRun } from './metrics.js';
import { compareToFirst } from './compare.js';
import { NO_SEGMENT, readQuerySegments, scoreSegments } from './segments.js';
import { createWorkDir, type WorkDir } from './work-dir.js';
import { RESULTS_FORMAT_VERSION, TOP_DOCUMENTS } from './types.js';
import type { EvalResults, PerQueryResult, RetrievalMode, RunResult } from './types.js';
import type { EvalOptions } from './eval-options.js';
import { interruptedEval } from './interrupted.js';
import { buildIndex, evalTable, loadDocuments } from './per-model-index.js';
import { rankDocuments } from './rank-documents.js';
import { checkDimensions } from './check-dimensions.js';
import { modelSize, previews, runConfig } from './run-result.js';

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
