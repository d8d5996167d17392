import type { ResolveOptions } from '../embed/types.js';
import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { DEFAULT_INDEX_DIR } from '../store/index-path.js';
import { assertAdapterFits, readIndexAdapter, withQueryAdapter, type QueryAdapter } from '../embed/query-adapter.js';
import { withEmbedQuery } from '../embed/wrap-queries.js';
import type { ModelChoice } from '../embed/open-model.js';
import { assertIndexPathUsable } from '../store/index-path.js';
import { openIndex, resolveLocation } from '../store/open.js';
import { displayLocation, isPostgresLocation } from '../store/pg/location.js';
import { openRetriever } from './open.js';
import { makeSnippet } from './snippet.js';
import type { Snippet } from './snippet.js';
import { DEFAULT_K, DEFAULT_MODE, type RetrievalMode } from './types.js';
import { lexicalScriptFold } from './open.js';
import { DEFAULT_FUSION, type Fusion } from './hybrid.js';
import { DEFAULT_RERANK_DEPTH, RerankingRetriever } from './rerank.js';
import type { Reranker } from '../rerank/types.js';
import type { ScriptFold } from '../text/script-fold.js';
import { bm25Analyzer } from '../text/analyze.js';
import { ragWarning, type RagWarning } from '../warnings.js';

export interface QueryOptions {
  text: string;
  /** Index directory (default `.rag`) or PostgreSQL URL (see IngestOptions.index). */
  index?: string;
  /** How many chunks to return (default 5). */
  k?: number;
  /** Default `dense`. */
  mode?: RetrievalMode;
  /**
   * Defaults to the model the index was built with; anything else must match it. bm25 mode loads
   * no model unless this names one.
   */
  model?: ModelChoice;
  /** How to load the model (dtype, offline, base URL ...). */
  modelOptions?: ResolveOptions;
  /**
   * Simplified/Traditional folding for BM25 and highlights; default the one the index's `hash`
   * model was built with, else `t2s`. A `hash` index built with another fold is refused.
   */
  scriptFold?: ScriptFold;
  /** Hybrid mode: how the dense and BM25 rankings are fused (default RRF, k = 60). */
  fusion?: Fusion;
  /** A second stage: the top `rerankDepth` chunks of the mode's ranking, reordered by this reranker. */
  rerank?: Reranker;
  /** How many first-stage chunks the reranker scores (default 100, at least k). */
  rerankDepth?: number;
  /**
   * A query adapter (`rag tune adapter`) for the index's model; another model's is refused.
   * Default: the one saved in the index folder (`adapter.json`, by `rag tune adapter --index`),
   * if any; `false` searches without one.
   */
  adapter?: QueryAdapter | false;
}

export interface QueryHit {
  rank: number;
  /**
   * Higher is better: cosine for dense, BM25 score for bm25, the fused score for hybrid, and
   * the reranker's relevance score when a reranker ran.
   */
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
  /** Hybrid mode: the chunk's rank in the dense and the BM25 ranking (null: not in that one's top 100). */
  componentRanks?: { dense: number | null; bm25: number | null };
  /** With a reranker: the chunk's rank before reranking. */
  firstStageRank?: number;
}

export interface QueryResult {
  /** The index directory, or the PostgreSQL URL without its password. */
  index: string;
  model: string;
  mode: RetrievalMode;
  /** The Simplified/Traditional fold used for BM25 and highlights. */
  scriptFold: ScriptFold;
  /** Hybrid mode only: how the rankings were fused. */
  fusion?: Fusion;
  /** With a reranker: which, and how deep it read the first stage. */
  rerank?: { id: string; depth: number };
  query: string;
  k: number;
  results: QueryHit[];
  /**
   * What was done to the query: a query cut to {@link MAX_QUERY_CHARS}, one of only stop words
   * (then `results` is empty), the index's query adapter applied. The CLI prints them on stderr.
   */
  notices: RagWarning[];
  seconds: number;
  /** Where those seconds went. */
  timings: QueryTimings;
}

/** Seconds spent in each step of one {@link query} call (they add up to about `seconds`). */
export interface QueryTimings {
  /**
   * Reading the index: manifest and chunk file. The vectors and graph are read by the first
   * vector search (so they count in `search`), and never in bm25 mode.
   */
  indexLoad: number;
  /**
   * Opening the embedding model (for a local ONNX model: reading it and starting a session); 0 in
   * bm25 mode, which opens no model unless `model` names one (to check it against the index).
   */
  modelLoad: number;
  /** Embedding the query text (0 in bm25 mode). */
  embed: number;
  /** Searching the index, collecting the chunks and making snippets. */
  search: number;
}

/**
 * Characters of a query that are searched. Past this a query is a pasted document: BM25 and the
 * snippets slow down with its length (a 1 MB query took 17-25 s), while an embedding model reads
 * only its first few hundred tokens anyway.
 */
export const MAX_QUERY_CHARS = 8192;

/** `text` cut to `max` characters, at the last whitespace before it when there is one. */
function capQuery(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.search(/\s\S*$/);
  return (space > max / 2 ? cut.slice(0, space) : cut).trimEnd();
}

/** Searches an index and returns the top-k chunks with their source, location and a highlighted snippet. */
export async function query(options: QueryOptions): Promise<QueryResult> {
  const started = performance.now();
  const whole = options.text.trim();
  if (!whole) throw new RagError('usage', 'the query is empty; pass the text to search for');
  const notices: RagWarning[] = [];
  const text = capQuery(whole, MAX_QUERY_CHARS);
  if (text.length < whole.length) {
    notices.push(ragWarning('query-truncated', { length: whole.length, searched: text.length }));
  }
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1) throw new RagError('usage', `-k must be a positive integer, got ${k}`);
  const mode = options.mode ?? DEFAULT_MODE;
  const indexDir = resolveLocation(options.index ?? DEFAULT_INDEX_DIR);
  if (!isPostgresLocation(indexDir)) await assertIndexPathUsable(indexDir, options.index ?? DEFAULT_INDEX_DIR);
  // Closed below: its documents and chunks are read only for the hits.
  const store = await openIndex(indexDir, { oneShot: true });
  const indexLoaded = performance.now();
  let modelLoaded = indexLoaded;
  let embedder: Embedder | undefined;
  try {
    if (store.chunkCount === 0) {
      throw new RagError('index-empty', `index ${displayLocation(options.index ?? DEFAULT_INDEX_DIR)} is empty`, {
        details: { location: displayLocation(options.index ?? DEFAULT_INDEX_DIR) },
        hint: 'ingest documents into it first',
      });
    }
    const modelOptions = options.scriptFold === undefined ? options.modelOptions : { ...options.modelOptions, scriptFold: options.scriptFold };
    // BM25 reads no vectors, so it needs the model only to check one asked for by name: not
    // loading it (nor its corpus statistics, 15 ms for `hash` on SciFact; a neural model's
    // weights) is most of what a one-shot bm25 query saves over a dense one.
    if (mode !== 'bm25' || options.model !== undefined) {
      const { openModelFor } = await import('../embed/open-model.js');
      embedder = await openModelFor(store, options.model, modelOptions);
    }
    const scriptFold = options.scriptFold ?? lexicalScriptFold(store.manifest.model);
    modelLoaded = performance.now();
    const stats = store.corpusStatistics();
    if (embedder?.corpusStatistics && stats && mode !== 'bm25') embedder.corpusStatistics.load(stats);
    // The model as the index recorded it stands in for the loaded one (openModelFor checks they agree).
    const model = embedder ?? { info: store.manifest.model, fingerprint: store.manifest.modelFingerprint };
    const embedTime = { ms: 0 };
    // Nothing to match: without this, BM25 finds nothing and a dense model ranks by noise,
    // printing arbitrary chunks with scores near 0.
    const onlyStopWords = bm25Analyzer(scriptFold)(text).length === 0;
    if (onlyStopWords) notices.push(ragWarning('query-stop-words'));
    let adapter = options.adapter === false ? undefined : options.adapter;
    if (options.adapter === undefined && !isPostgresLocation(indexDir)) {
      const saved = await readIndexAdapter(indexDir);
      if (saved !== undefined) {
        if (saved.adapter.model.fingerprint !== model.fingerprint) {
          throw new RagError('model-mismatch', `${saved.file} was trained for ${saved.adapter.model.id} under other settings than this index's model ${model.info.id}`, {
            hint: 'train a new one for this index, delete the file, or pass adapter: false',
            details: { advice: 'adapter-index-stale', file: saved.file },
          });
        }
        adapter = saved.adapter;
        notices.push(ragWarning('query-adapter', { file: saved.file }));
      }
    }
    if (adapter !== undefined) assertAdapterFits(adapter, model);
    const queryEmbedder = embedder === undefined || adapter === undefined ? embedder : withQueryAdapter(embedder, adapter);
    const first = openRetriever(store, queryEmbedder && timingQueries(queryEmbedder, embedTime), mode, { scriptFold, ...(options.fusion === undefined ? {} : { fusion: options.fusion }) });
    const rerankDepth = Math.max(k, options.rerankDepth ?? DEFAULT_RERANK_DEPTH);
    const retriever = options.rerank === undefined ? first : new RerankingRetriever(first, options.rerank, rerankDepth);
    const hits = onlyStopWords ? [] : await retriever.search(text, k);
    const results: QueryHit[] = hits.map((hit, i) => ({
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
      snippet: makeSnippet(text, hit.chunk.text, { scriptFold }),
      ...(hit.componentRanks === undefined ? {} : { componentRanks: hit.componentRanks }),
      ...(hit.firstStageRank === undefined ? {} : { firstStageRank: hit.firstStageRank }),
    }));
    const finished = performance.now();
    return {
      index: displayLocation(indexDir),
      model: model.info.id,
      mode,
      scriptFold,
      ...(mode === 'hybrid' ? { fusion: options.fusion ?? DEFAULT_FUSION } : {}),
      ...(options.rerank === undefined ? {} : { rerank: { id: options.rerank.id, depth: rerankDepth } }),
      query: text,
      k,
      results,
      notices,
      seconds: (finished - started) / 1000,
      timings: {
        indexLoad: (indexLoaded - started) / 1000,
        modelLoad: (modelLoaded - indexLoaded) / 1000,
        embed: embedTime.ms / 1000,
        search: (finished - modelLoaded - embedTime.ms) / 1000,
      },
    };
  } finally {
    await embedder?.dispose?.();
    await store.close();
  }
}

/** The same embedder, adding the time its `embedQuery` calls take to `total.ms`. */
function timingQueries(embedder: Embedder, total: { ms: number }): Embedder {
  return withEmbedQuery(embedder, async (text) => {
    const t = performance.now();
    try {
      return await embedder.embedQuery(text);
    } finally {
      total.ms += performance.now() - t;
    }
  });
}
