/**
 * A score cache in front of any {@link Reranker}: a (query, document) pair scored once by a
 * model or endpoint is read back on every later run, so re-running an eval with a reranker
 * makes no model or HTTP calls for pairs it has seen.
 *
 * Storage is the embedding cache's file format and code (embed/cache.ts: atomic creation,
 * whole-batch appends on O_APPEND, torn-tail repair), one folder per reranker fingerprint under
 * `<cache root>/rerank` (embed/cache-dir.ts). A record's key is sha256 of the query and
 * document; its "vector" is the float64 score split into four exact float32 words, so a score
 * read back equals the one returned when it was computed.
 */
import path from 'node:path';
import { cacheRoot } from '../embed/cache-dir.js';
import { EmbeddingCache } from '../embed/cache.js';
import type { Reranker, RerankOptions, RerankStats } from './types.js';

/** The rerank cache folder when none is given: `<cache root>/rerank`. */
export function defaultRerankCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'rerank');
}

export interface CachedRerankerOptions {
  /** Default {@link defaultRerankCacheDir}. */
  dir?: string;
}

/** The identity scores are cached under: the reranker's fingerprint, else its id and endpoint. */
export function rerankerFingerprint(reranker: Reranker): string {
  return `rerank:${reranker.fingerprint ?? `${reranker.id}@${reranker.endpoint}`}`;
}

/** The pair as one unambiguous text for the cache's sha256 key (JSON quotes both parts). */
function pairText(query: string, document: string): string {
  return JSON.stringify([query, document]);
}

/**
 * The cache stores float32 components; a float64 score goes in as its four 16-bit words, each an
 * integer a float32 holds exactly, so it comes back bit for bit (a float32 would round it).
 */
const SLOTS = 4;

function encodeScore(score: number): Float32Array {
  const words = new Uint16Array(Float64Array.of(score).buffer);
  return Float32Array.from(words);
}

function decodeScore(slots: Float32Array): number {
  return new Float64Array(Uint16Array.from(slots).buffer)[0] as number;
}

/** Wraps `inner` with the on-disk score cache; the cache file opens on the first rerank. */
export function cachedReranker(inner: Reranker, options: CachedRerankerOptions = {}): CachedReranker {
  return new CachedReranker(inner, options);
}

export class CachedReranker implements Reranker {
  readonly id: string;
  readonly endpoint: string;
  readonly inner: Reranker;
  readonly #dir: string;
  #cache: Promise<EmbeddingCache> | undefined;
  #hits = 0;
  #misses = 0;

  constructor(inner: Reranker, options: CachedRerankerOptions = {}) {
    this.inner = inner;
    this.id = inner.id;
    this.endpoint = inner.endpoint;
    this.#dir = options.dir ?? defaultRerankCacheDir();
  }

  get fingerprint(): string | undefined {
    return this.inner.fingerprint;
  }

  /** The cache file, once opened. */
  async file(): Promise<string> {
    return (await this.#open()).file;
  }

  #open(): Promise<EmbeddingCache> {
    this.#cache ??= EmbeddingCache.open(rerankerFingerprint(this.inner), SLOTS, { dir: this.#dir, modelId: this.inner.id }).catch((error: unknown) => {
      this.#cache = undefined;
      throw error;
    });
    return this.#cache;
  }

  async rerank(query: string, documents: readonly string[], options: RerankOptions = {}): Promise<number[]> {
    if (documents.length === 0) return [];
    const cache = await this.#open();
    const scores = new Array<number>(documents.length);
    const missing: number[] = [];
    documents.forEach((document, i) => {
      const cached = cache.get(pairText(query, document));
      if (cached === undefined) missing.push(i);
      else scores[i] = decodeScore(cached);
    });
    this.#hits += documents.length - missing.length;
    this.#misses += missing.length;
    if (missing.length > 0) {
      const fresh = await this.inner.rerank(query, missing.map((i) => documents[i]!), options);
      const entries = missing.map((docIndex, n) => {
        scores[docIndex] = fresh[n]!;
        return [pairText(query, documents[docIndex]!), encodeScore(fresh[n]!)] as const;
      });
      await cache.putMany(entries);
    }
    return scores;
  }

  /** The inner reranker's counters (model or HTTP work only) plus cache hits and misses. */
  stats(): RerankStats {
    const inner = this.inner.stats?.() ?? { calls: 0, pairs: 0, truncated: 0 };
    return { ...inner, cacheHits: this.#hits, cacheMisses: this.#misses };
  }

  async dispose(): Promise<void> {
    const cache = await this.#cache?.catch(() => undefined);
    this.#cache = undefined;
    await cache?.close();
    await this.inner.dispose?.();
  }
}
