/** An embedder in front of the embedding cache: only texts not cached yet reach the model. */
import { RagError } from '../errors.js';
import type { EmbeddingCache } from './cache.js';
import type { EmbedBatchResult, EmbedOptions, Embedder } from './types.js';

/** A cached embedder, with counts of how its lookups went. */
export interface CachedEmbedder extends Embedder {
  /** Documents served from the cache / embedded by the wrapped model, since creation. */
  readonly stats: { hits: number; misses: number };
  /** Queries served from the cache / embedded by the wrapped model, since creation. */
  readonly queryStats: { hits: number; misses: number };
}

/**
 * Wraps an embedder: documents are looked up first and only misses are embedded, in batches of
 * `batchSize` distinct texts, each written to the cache as soon as it is done (a crash loses at
 * most one batch). Queries are cached too, under keys of their own kind (see {@link CacheKind}).
 * `dispose()` disposes the wrapped embedder and
 * closes the cache: the wrapper owns both. Wrap only embedders whose `cacheable` is true.
 */
export function withCache(embedder: Embedder, cache: EmbeddingCache, options: { batchSize?: number } = {}): CachedEmbedder {
  if (cache.dimension !== embedder.info.dimension || cache.fingerprint !== embedder.fingerprint) {
    throw new RagError('usage', `embedding cache ${cache.file} was opened for another model than ${embedder.info.id}`);
  }
  const batchSize = options.batchSize ?? 256;
  const stats = { hits: 0, misses: 0 };
  const queryStats = { hits: 0, misses: 0 };
  const maxTokens = embedder.info.maxTokens;
  const countTokens = embedder.countTokens?.bind(embedder);
  const load = embedder.load?.bind(embedder);

  const embedDocuments = async (texts: readonly string[], embedOptions?: EmbedOptions): Promise<EmbedBatchResult> => {
    // Counting the tokens of cache hits needs the tokenizer, unless the caller knows the counts.
    if (countTokens !== undefined && maxTokens !== undefined && embedOptions?.tokenCounts === undefined && texts.length > 0) await load?.();
    const vectors = new Array<Float32Array | undefined>(texts.length);
    const missing = new Map<string, number[]>(); // text -> positions asking for it
    let truncated = 0;
    texts.forEach((text, i) => {
      const positions = missing.get(text);
      if (positions !== undefined) {
        positions.push(i);
        return;
      }
      const hit = cache.get(text);
      if (hit === undefined) {
        missing.set(text, [i]);
        return;
      }
      vectors[i] = hit;
      stats.hits++;
      // The truncation count of a cached text is recomputed when the model can count tokens.
      if (countTokens !== undefined && maxTokens !== undefined && (embedOptions?.tokenCounts?.[i] ?? countTokens(text)) > maxTokens) truncated++;
    });
    const total = texts.length;
    let done = total - [...missing.values()].reduce((sum, p) => sum + p.length, 0);
    if (done > 0) embedOptions?.onProgress?.({ done, total });
    const todo = [...missing.keys()];
    for (let start = 0; start < todo.length; start += batchSize) {
      embedOptions?.signal?.throwIfAborted();
      const batch = todo.slice(start, start + batchSize);
      const result = await embedder.embedDocuments(batch, embedOptions?.signal === undefined ? {} : { signal: embedOptions.signal });
      truncated += result.truncated;
      stats.misses += batch.length;
      await cache.putMany(batch.map((text, n) => [text, result.vectors[n] as Float32Array] as const));
      batch.forEach((text, n) => {
        for (const i of missing.get(text) ?? []) vectors[i] = result.vectors[n];
        done += missing.get(text)?.length ?? 0;
      });
      embedOptions?.onProgress?.({ done, total });
    }
    return { vectors: vectors as Float32Array[], truncated };
  };

  const wrapped: CachedEmbedder = {
    info: embedder.info,
    fingerprint: embedder.fingerprint,
    cacheable: embedder.cacheable,
    stats,
    embedDocuments,
    queryStats,
    embedQuery: async (text) => {
      const hit = cache.get(text, 'query');
      if (hit !== undefined) {
        queryStats.hits++;
        return hit;
      }
      const vector = await embedder.embedQuery(text);
      queryStats.misses++;
      await cache.putMany([[text, vector]], 'query');
      return vector;
    },
    dispose: async () => {
      await embedder.dispose?.();
      await cache.close();
    },
    ...(countTokens === undefined ? {} : { countTokens }),
    ...(load === undefined ? {} : { load }),
    ...(embedder.corpusStatistics === undefined ? {} : { corpusStatistics: embedder.corpusStatistics }),
  };
  return wrapped;
}

