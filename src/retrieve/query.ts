import type { ResolveOptions } from '../embed/registry.js';
import { RagError } from '../errors.js';
import { DEFAULT_INDEX_DIR, openModelFor } from '../ingest/settings.js';
import type { ModelChoice } from '../ingest/settings.js';
import { assertIndexPathUsable } from '../store/index-path.js';
import { openIndex, resolveLocation } from '../store/open.js';
import { displayLocation, isPostgresLocation } from '../store/pg/location.js';
import { openRetriever } from './open.js';
import { makeSnippet } from './snippet.js';
import type { Snippet } from './snippet.js';
import type { RetrievalMode } from './types.js';

export interface QueryOptions {
  text: string;
  /** Index directory (default `.rag`) or PostgreSQL URL (see IngestOptions.index). */
  index?: string;
  /** How many chunks to return (default 5). */
  k?: number;
  /** Default `dense`. */
  mode?: RetrievalMode;
  /** Defaults to the model the index was built with; anything else must match it. */
  model?: ModelChoice;
  /** How to load the model (dtype, offline, base URL ...). */
  modelOptions?: ResolveOptions;
}

export interface QueryHit {
  rank: number;
  /** Similarity, higher is better: cosine for dense, BM25 score for bm25, fused reciprocal rank for hybrid. */
  score: number;
  docId: string;
  source: string;
  title: string | null;
  page: number | null;
  chunkId: string;
  /** Character offsets of the chunk in its document's extracted text. */
  start: number;
  end: number;
  headings: string[];
  text: string;
  snippet: Snippet;
}

export interface QueryResult {
  /** The index directory, or the PostgreSQL URL without its password. */
  index: string;
  model: string;
  mode: RetrievalMode;
  query: string;
  k: number;
  results: QueryHit[];
  seconds: number;
}

/** Searches an index and returns the top-k chunks with their source, location and a highlighted snippet. */
export async function query(options: QueryOptions): Promise<QueryResult> {
  const started = performance.now();
  const text = options.text.trim();
  if (!text) throw new RagError('the query is empty; pass the text to search for');
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new RagError(`-k must be a positive integer, got ${k}`);
  const mode = options.mode ?? 'dense';
  const indexDir = resolveLocation(options.index ?? DEFAULT_INDEX_DIR);
  if (!isPostgresLocation(indexDir)) await assertIndexPathUsable(indexDir, options.index ?? DEFAULT_INDEX_DIR);
  const store = await openIndex(indexDir);
  let embedder: Awaited<ReturnType<typeof openModelFor>> | undefined;
  try {
    if (store.chunkCount === 0) {
      throw new RagError(`index ${displayLocation(options.index ?? DEFAULT_INDEX_DIR)} is empty; run \`rag ingest <paths>\` to add documents`);
    }
    embedder = await openModelFor(store, options.model, options.modelOptions);
    const stats = store.corpusStatistics();
    if (embedder.corpusStatistics && stats) embedder.corpusStatistics.load(stats);
    const hits = await openRetriever(store, embedder, mode).search(text, k);
    return {
      index: displayLocation(indexDir),
      model: embedder.info.id,
      mode,
      query: text,
      k,
      results: hits.map((hit, i) => ({
        rank: i + 1,
        score: hit.score,
        docId: hit.chunk.docId,
        source: hit.document.source,
        title: hit.document.title ?? null,
        page: hit.chunk.page,
        chunkId: hit.chunk.id,
        start: hit.chunk.start,
        end: hit.chunk.end,
        headings: hit.chunk.headings,
        text: hit.chunk.text,
        snippet: makeSnippet(text, hit.chunk.text),
      })),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await embedder?.dispose?.();
    await store.close();
  }
}
