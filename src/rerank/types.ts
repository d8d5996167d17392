/**
 * Rerankers: a second stage that scores (query, passage) pairs jointly, as a cross-encoder does,
 * and reorders a first-stage ranking by those scores.
 */

export interface RerankOptions {
  signal?: AbortSignal;
}

/** What a reranker has done since it was opened, for reports. */
export interface RerankStats {
  /** `rerank()` calls that scored at least one pair (cache hits excluded for a cached reranker). */
  calls: number;
  /** (query, document) pairs scored by the model or endpoint. */
  pairs: number;
  /** Pairs cut to the model's maximum length before scoring (local cross-encoders only). */
  truncated: number;
  /** Pairs answered from the score cache ({@link CachedReranker} only). */
  cacheHits?: number;
  /** Pairs the score cache did not have ({@link CachedReranker} only). */
  cacheMisses?: number;
}

export interface Reranker {
  /** The spec as given, e.g. `api:jina-reranker-v2-base-multilingual`; recorded in results. */
  readonly id: string;
  /** Where it runs (scheme, host, path; never a key), for messages. */
  readonly endpoint: string;
  /**
   * What decides its scores (model and revision, or model and endpoint): two rerankers with the
   * same fingerprint score a pair alike, so the score cache keys on it. Default: `id` and `endpoint`.
   */
  readonly fingerprint?: string;
  /** One relevance score per document, in the documents' order; higher is more relevant. */
  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<number[]>;
  /** Counters since it was opened. */
  stats?(): RerankStats;
  /** Frees a local model's ONNX session. */
  dispose?(): Promise<void>;
}
