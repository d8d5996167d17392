/** Adapters between our {@link Embedder} and LangChain's `Embeddings`, in both directions. */
import { Embeddings, type EmbeddingsInterface } from '@langchain/core/embeddings';
import { RagError } from '../errors.js';
import { fingerprintOf } from '../model/fingerprint.js';
import { batches, l2Normalize, toVector } from './http.js';
import type { EmbedBatchResult, EmbedOptions, Embedder } from './types.js';
import type { ModelInfo } from '../model/model-info.js';

/** Our embedder seen through LangChain's interface; queries keep their own prefix/instruction. */
class RagEmbeddings extends Embeddings {
  readonly embedder: Embedder;

  constructor(embedder: Embedder) {
    super({});
    this.embedder = embedder;
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const { vectors } = await this.embedder.embedDocuments(documents);
    return vectors.map((v) => Array.from(v));
  }

  override async embedQuery(document: string): Promise<number[]> {
    return Array.from(await this.embedder.embedQuery(document));
  }
}

/**
 * Hands one of our models to LangChain code (vector stores, retrievers):
 * `embedDocuments` returns `number[][]`, `embedQuery` `number[]`. Retries and batching are the
 * model's own; LangChain's AsyncCaller is not used.
 */
export function toLangChainEmbeddings(embedder: Embedder): Embeddings {
  return new RagEmbeddings(embedder);
}

/** Options for {@link fromLangChainEmbeddings}. */
export interface FromLangChainOptions {
  /** Name for this model in reports, indexes and the cache (e.g. `lc:cohere-embed-v3`). */
  id: string;
  /** Vector length; probed with one `embedQuery` call when left out. */
  dimension?: number;
  /**
   * Anything that changes the vectors and that we cannot see inside a LangChain object (model
   * version, settings). Part of the fingerprint: change it when the vectors change, or indexes
   * and cached vectors from the old setup will be reused as if nothing happened.
   */
  revision?: string;
  /** Prepended to queries before `embedQuery`. */
  queryPrefix?: string;
  /** Prepended to documents before `embedDocuments`. */
  passagePrefix?: string;
  /** Documents per `embedDocuments` call (progress and cancellation happen between calls). Default 64. */
  batchSize?: number;
}

/**
 * Accepts any LangChain `Embeddings` object as a model. Vectors are L2-normalised (many
 * LangChain providers are not), so `info.normalize` is true. Cacheable: the fingerprint covers
 * `id`, `dimension`, `revision` and the prefixes.
 */
export async function fromLangChainEmbeddings(lc: EmbeddingsInterface, options: FromLangChainOptions): Promise<Embedder> {
  if (options.id.trim() === '') throw new RagError('usage', 'a LangChain model needs an id');
  const batchSize = options.batchSize ?? 64;
  const check = (value: unknown, dimension: number | undefined): Float32Array => {
    const vector = toVector(value);
    if (vector === undefined) throw new RagError('model-invalid', `LangChain model ${options.id} returned something that is not a list of numbers`);
    if (dimension !== undefined && vector.length !== dimension) {
      throw new RagError('model-invalid', `LangChain model ${options.id} returned a ${vector.length}-dimensional vector, expected ${dimension}`);
    }
    return l2Normalize(vector);
  };
  const dimension = options.dimension ?? check(await lc.embedQuery('dimension probe'), undefined).length;
  const info: ModelInfo = {
    id: options.id,
    provider: 'langchain',
    name: options.id,
    dimension,
    normalize: true,
    ...(options.revision === undefined ? {} : { revision: options.revision }),
    ...(options.queryPrefix === undefined ? {} : { queryPrefix: options.queryPrefix }),
    ...(options.passagePrefix === undefined ? {} : { passagePrefix: options.passagePrefix }),
  };
  const passagePrefix = options.passagePrefix ?? '';
  const queryPrefix = options.queryPrefix ?? '';
  return {
    info,
    fingerprint: fingerprintOf(info),
    cacheable: true,
    async embedDocuments(texts: readonly string[], embedOptions?: EmbedOptions): Promise<EmbedBatchResult> {
      const vectors: Float32Array[] = [];
      for (const batch of batches(texts, batchSize)) {
        embedOptions?.signal?.throwIfAborted();
        const out = await lc.embedDocuments(batch.map((t) => passagePrefix + t));
        if (!Array.isArray(out) || out.length !== batch.length) {
          throw new RagError('model-invalid', `LangChain model ${options.id} returned ${Array.isArray(out) ? out.length : 0} vectors for ${batch.length} texts`);
        }
        for (const value of out) vectors.push(check(value, dimension));
        embedOptions?.onProgress?.({ done: vectors.length, total: texts.length });
      }
      return { vectors, truncated: 0 };
    },
    async embedQuery(text: string): Promise<Float32Array> {
      return check(await lc.embedQuery(queryPrefix + text), dimension);
    },
  };
}
