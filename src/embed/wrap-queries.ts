import type { Embedder } from './types.js';

/**
 * The same embedder with another `embedQuery` (documents, statistics, loading unchanged): what a
 * query adapter and query timing both wrap. Getters, so a lazily loaded model's info stays live.
 */
export function withEmbedQuery(embedder: Embedder, embedQuery: (text: string) => Promise<Float32Array>): Embedder {
  return {
    get info() {
      return embedder.info;
    },
    get fingerprint() {
      return embedder.fingerprint;
    },
    get cacheable() {
      return embedder.cacheable;
    },
    get corpusStatistics() {
      return embedder.corpusStatistics;
    },
    embedDocuments: (texts, options) => embedder.embedDocuments(texts, options),
    ...(embedder.countTokens === undefined ? {} : { countTokens: (text: string) => embedder.countTokens!(text) }),
    ...(embedder.load === undefined ? {} : { load: () => embedder.load!() }),
    embedQuery,
  };
}
