/**
 * Rerankers: a second stage that scores (query, passage) pairs jointly, as a cross-encoder does,
 * and reorders a first-stage ranking by those scores.
 */

export interface RerankOptions {
  signal?: AbortSignal;
}

export interface Reranker {
  /** The spec as given, e.g. `api:jina-reranker-v2-base-multilingual`; recorded in results. */
  readonly id: string;
  /** Where it runs (scheme, host, path; never a key), for messages. */
  readonly endpoint: string;
  /** One relevance score per document, in the documents' order; higher is more relevant. */
  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<number[]>;
}
