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

/**
 * The same embedder answering each query text once: the rows of one eval group (dimensions,
 * precisions, fusions, rerankers over one index) ask for the same query vectors, and a neural
 * model spent more time embedding them again for every row than the rows spent searching
 * (issue 16). Each caller gets its own copy, so a caller that changes its vector changes no
 * other row's. Only for one index: a model whose query vectors depend on corpus statistics
 * (`hash`) gives other vectors over another index.
 */
export function withRememberedQueries(embedder: Embedder): Embedder {
  const vectors = new Map<string, Promise<Float32Array>>();
  return withEmbedQuery(embedder, async (text) => {
    let vector = vectors.get(text);
    if (vector === undefined) {
      vector = embedder.embedQuery(text);
      vectors.set(text, vector);
      // A failed call (a server down for a moment) is not remembered: the next row asks again.
      vector.catch(() => vectors.delete(text));
    }
    return (await vector).slice();
  });
}
