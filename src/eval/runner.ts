import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultCacheDir } from '../embed/cache-dir.js';
import type { ResolveOptions } from '../embed/types.js';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { packageVersion } from '../version.js';
import { characterLength } from '../ingest/chunk.js';
import { ChunkCache, chunkDocumentsCached } from '../ingest/chunk-cache.js';
import { discoverFiles } from '../ingest/discover.js';
import { loadFile } from '../ingest/loaders/index.js';
import { chunkingFor } from '../ingest/chunking.js';
import { DEFAULT_MODEL } from '../embed/registry.js';
import { openModelFor } from '../embed/open-model.js';
import { assertAdapterFits, withQueryAdapter, type QueryAdapter } from '../embed/query-adapter.js';
import type { ModelChoice } from '../embed/open-model.js';
import type { LoadedDocument } from '../ingest/types.js';
import type { ChunkingOptions } from '../model/chunking.js';
import type { Chunk } from '../model/document.js';
import { openRetriever } from '../retrieve/open.js';
import type { TextEncoding } from '../ingest/encoding.js';
import type { Retriever } from '../retrieve/types.js';
import { dropIndex, lockEvalTables, openIndex, writeAnyIndex } from '../store/open.js';
import { isPostgresLocation } from '../store/pg/location.js';
import type { IndexReader } from '../store/reader.js';
import { checkDocuments, datasetInfo, evalQueries, loadDataset, removeSelfMatches } from './dataset.js';
import type { LabeledDataset } from './dataset.js';
import { DEFAULT_KS, evaluateRun } from './metrics.js';
import { compareToFirst } from './compare.js';
import { NO_SEGMENT, readQuerySegments, scoreSegments } from './segments.js';
import type { ComparisonOptions } from './compare.js';
import { RESULTS_FORMAT_VERSION, TOP_DOCUMENTS } from './types.js';
import type { DatasetWarnings, DocumentPreview, EvalResults, JsonValue, PerQueryResult, RetrievalMode, RunResult } from './types.js';

export type EvalEvent =
  /** `warnings`: labels dropped for naming unknown documents or queries, duplicate labels (also in results.json). */
  | { type: 'dataset'; documents: number; queries: number; warnings: DatasetWarnings; encodings: Array<{ file: string; encoding: TextEncoding }> }
  | { type: 'run-start'; model: string; mode: RetrievalMode; index: number; total: number }
  | { type: 'embed-progress'; done: number; total: number }
  | { type: 'query-progress'; done: number; total: number }
  | { type: 'run-end'; run: RunResult }
  | { type: 'waiting'; message: string }
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
  /** Drop retrieved documents whose id equals the query id (ArguAna-like sets). */
  ignoreIdenticalIds?: boolean;
  /** Evaluate only the first n labelled queries. */
  limit?: number;
  /** Use the on-disk embedding cache (default true). */
  cache?: boolean;
  cacheDir?: string;
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
  onEvent?: (event: EvalEvent) => void;
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
  const documents = await loadDocuments(dataset, options.encoding, encodingNotes);
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
  const total = models.length * modes.length;
  const pgBase = options.index !== undefined && isPostgresLocation(options.index) ? options.index.trim() : undefined;
  const workParent = pgBase === undefined ? (options.index ?? options.workDir ?? os.tmpdir()) : os.tmpdir();
  const unlock = pgBase === undefined ? undefined : await lockEvalTables(pgBase, { onWait: (message) => emit({ type: 'waiting', message }) });
  let workRoot: string;
  try {
    await mkdir(workParent, { recursive: true });
    workRoot = await mkdtemp(path.join(workParent, 'rag-eval-'));
  } catch (error) {
    await unlock?.();
    throw error;
  }
  const created: string[] = [];
  let adapterUsed = false;
  try {
    for (const choice of models) {
      // Deferred: a warm re-run finds every chunk list and vector cached and never loads the model.
      const embedder = await openModelFor(undefined, choice, {
        deferLoad: true,
        ...options.modelOptions,
        cache: options.cache ?? true,
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      });
      try {
        const chunking = chunkingFor(undefined, embedder, options);
        const location = pgBase === undefined ? path.join(workRoot, `m${runs.length}`) : evalTable(pgBase, created.length);
        if (pgBase !== undefined) await dropIndex(location);
        created.push(location);
        const chunkCache = await openChunkCache(embedder, chunking, options);
        const built = await buildIndex(embedder, documents, chunking, chunkCache, location, emit);
        try {
          const fits = options.adapter !== undefined && options.adapter.model.fingerprint === embedder.fingerprint;
          if (options.adapter !== undefined && models.length === 1) assertAdapterFits(options.adapter, embedder, '--adapter');
          adapterUsed ||= fits;
          const variants = (mode: RetrievalMode): Array<{ embedder: Embedder; suffix: string }> =>
            fits && mode !== 'bm25' ? [{ embedder, suffix: '' }, { embedder: withQueryAdapter(embedder, options.adapter!), suffix: '+adapter' }] : [{ embedder, suffix: '' }];
          for (const mode of modes) for (const variant of variants(mode)) {
            const modelLabel = `${typeof choice === 'string' ? choice : embedder.info.id}${variant.suffix}`;
            emit({ type: 'run-start', model: modelLabel, mode, index: runs.length + 1, total });
            const started = performance.now();
            const scriptFold = options.modelOptions?.scriptFold;
            const retriever = openRetriever(built.store, variant.embedder, mode, scriptFold === undefined ? {} : { scriptFold });
            const ranked = await rankDocuments(retriever, queries, maxK, built.store.chunkCount, options.ignoreIdenticalIds ?? false, emit);
            const rankings = new Map([...ranked].map(([qid, docs]) => [qid, docs.map((d) => d.docId)]));
            emit({ type: 'rankings', model: modelLabel, mode, rankings: ranked });
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
            const run: RunResult = {
              model: modelLabel,
              mode,
              config: runConfig(embedder, chunking, mode, built, options),
              metrics: scored.mean,
              evaluatedQueries: scored.evaluatedQueries,
              skippedQueries: scored.skippedQueries,
              unrankedQueries: scored.unrankedQueries,
              perQuery,
              cost: {
                embedSeconds: mode === 'bm25' ? 0 : built.embedSeconds,
                chunksPerSecond: mode === 'bm25' || built.embedSeconds === 0 ? null : built.embedded / built.embedSeconds,
                chunks: built.store.chunkCount,
                dimension: mode === 'bm25' ? null : embedder.info.dimension,
                indexBytes: mode === 'bm25' ? 0 : built.indexBytes,
                truncatedChunks: mode === 'bm25' ? 0 : built.truncated,
                querySeconds,
                wallSeconds: querySeconds + (mode === 'bm25' ? built.chunkSeconds : built.buildSeconds),
              },
            };
            if (segmentOf !== undefined) run.segments = scoreSegments(run, segmentOf);
            runs.push(run);
            emit({ type: 'run-end', run });
          }
        } finally {
          await built.store.close();
        }
      } finally {
        await embedder.dispose?.();
      }
    }
    if (options.adapter !== undefined && !adapterUsed) {
      throw new RagError('model-mismatch', `--adapter was trained for ${options.adapter.model.id}, and none of the evaluated models is that model under the same settings`, {
        hint: `add --model ${options.adapter.model.id}, or train an adapter for one of these models`,
      });
    }
  } finally {
    await rm(workRoot, { recursive: true, force: true });
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
 * The chunk cache for this model and chunking, beside the embedding cache, for the models whose
 * vectors are cached (a model cheap enough not to cache, like `hash`, chunks cheaply too).
 * Token-sized chunks depend on the tokenizer, known through the model's fingerprint.
 */
async function openChunkCache(embedder: Embedder, chunking: ChunkingOptions, options: EvalOptions): Promise<ChunkCache | undefined> {
  if (options.cache === false || !embedder.cacheable) return undefined;
  const tokens = chunking.lengthUnit === 'tokens';
  return ChunkCache.open(options.cacheDir ?? defaultCacheDir(), {
    chunking,
    lengthFingerprint: tokens ? embedder.fingerprint : 'characters',
  });
}

async function buildIndex(
  embedder: Embedder,
  documents: LoadedDocument[],
  chunking: ChunkingOptions,
  chunkCache: ChunkCache | undefined,
  dir: string,
  emit: (e: EvalEvent) => void,
): Promise<BuiltIndex> {
  const started = performance.now();
  const lengthOf = chunking.lengthUnit === 'tokens' && embedder.countTokens ? (t: string) => embedder.countTokens!(t) : characterLength;
  const { perDoc, tokens } = await chunkDocumentsCached(documents, chunking, lengthOf, chunkCache, async () => {
    if (lengthOf !== characterLength) await embedder.load?.();
  });
  await chunkCache?.save();
  const chunkSeconds = (performance.now() - started) / 1000;
  const texts = perDoc.flat().map((c) => c.text);
  const embedStart = performance.now();
  const result = await embedder.embedDocuments(texts, {
    onProgress: (p) => emit({ type: 'embed-progress', done: p.done, total: p.total }),
    ...(tokens === undefined ? {} : { tokenCounts: tokens }),
  });
  const embedSeconds = (performance.now() - embedStart) / 1000;
  const stats = embedder.corpusStatistics;
  // Documents record where they came from; for a database that is the dataset, not the URL.
  const origin = isPostgresLocation(dir) ? 'eval' : dir;
  let written: IndexReader | undefined;
  await writeAnyIndex(dir, { model: embedder.info, modelFingerprint: embedder.fingerprint, chunking }, async (tx) => {
    let offset = 0;
    documents.forEach((doc, i) => {
      const chunks = perDoc[i]!;
      tx.putDocument(
        {
          docId: doc.docId,
          source: doc.source,
          origin,
          format: doc.format,
          contentHash: doc.contentHash,
          chunkIds: chunks.map((c) => c.id),
          ...(doc.title === undefined ? {} : { title: doc.title }),
        },
        chunks,
        result.vectors.slice(offset, offset + chunks.length),
      );
      offset += chunks.length;
    });
    if (stats) {
      stats.add(texts);
      tx.setCorpusStatistics(stats.serialize());
    }
  }, { onCommitted: (committed) => (written = committed), durable: false });
  // A directory's store is used as committed; reading its files back cost a warm eval 8%.
  const store = written ?? (await openIndex(dir));
  return {
    store,
    embedded: texts.length,
    truncated: result.truncated,
    embedSeconds,
    chunkSeconds,
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
): Promise<Map<string, RankedDocument[]>> {
  const rankings = new Map<string, RankedDocument[]>();
  let done = 0;
  for (const q of queries) {
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
  mode: RetrievalMode,
  built: BuiltIndex,
  options: EvalOptions,
): { [key: string]: JsonValue } {
  const info = embedder.info;
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
  return {
    mode,
    model,
    chunking: { ...chunking },
    hnsw: { ...built.store.manifest.hnsw },
    fusion: mode === 'hybrid' ? { method: 'reciprocal-rank', k: 60, depth: 100 } : null,
    bm25: mode === 'dense' ? null : { k1: 1.5, b: 0.75 },
    ignoreIdenticalIds: options.ignoreIdenticalIds ?? false,
  };
}

async function loadDocuments(dataset: LabeledDataset, encoding: TextEncoding | undefined, notes: Array<{ file: string; encoding: TextEncoding }>): Promise<LoadedDocument[]> {
  // No size limit: a labelled dataset is read whole on purpose, and one BEIR corpus.jsonl holds
  // every document (ingest's --max-file-size is about stray huge files in a folder).
  const unlimited = { maxFileSize: Number.POSITIVE_INFINITY };
  const discovered = await discoverFiles([dataset.documentsPath], unlimited);
  const excluded = new Set(dataset.excludeFromDocuments);
  const docs: LoadedDocument[] = [];
  for (const file of discovered.files) {
    if (excluded.has(file.relPath)) continue;
    const loaded = await loadFile(file, encoding === undefined ? unlimited : { ...unlimited, encoding });
    // Which legacy encoding a document was read in is worth a notice.
    if (loaded.encoding !== undefined && loaded.encoding !== 'utf-8') notes.push({ file: file.absPath, encoding: loaded.encoding });
    docs.push(...loaded.documents);
  }
  if (docs.length === 0) throw new RagError('dataset-invalid', `dataset ${dataset.root} has no documents to index`);
  return docs;
}


function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
