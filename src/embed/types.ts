import type { ScriptFold } from '../text/script-fold.js';
import type { ModelInfo, Pooling } from '../model/model-info.js';

export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

export interface ResolveOptions {
  /** Which ONNX weights to load. Default 'fp32'. */
  dtype?: ModelDtype;
  /** Overrides the table, the folder's `1_Pooling/config.json`; required for folders without one. */
  pooling?: Pooling;
  /** Never use the network: hub models must already be in the cache. */
  offline?: boolean;
  /** Model cache directory. Default `<cache root>/models` (src/embed/cache-dir.ts: `$RAG_CACHE_DIR`, `$XDG_CACHE_HOME/rag` or `~/.cache/rag`). */
  cacheDir?: string;
  /** Replaces the model's query prefix/instruction ('' for none). */
  queryPrefix?: string;
  /** Replaces the model's passage prefix ('' for none). */
  passagePrefix?: string;
  /** API base URL for openai:/ollama: models. */
  baseUrl?: string;
  /** Shorter vectors: Matryoshka truncation for local models, the API parameter for openai:. */
  dimensions?: number;
  /** Input limit in tokens; default from the table or the model's config. */
  maxTokens?: number;
  /** Hub model revision (branch, tag or commit). Default 'main'. */
  revision?: string;
  /** ONNX threads. Default: all cores. */
  threads?: number;
  /** How long the hub may take to answer before giving up. Default 10 s. */
  hubTimeoutMs?: number;
  /**
   * Local models already on disk: return before loading the tokenizer and ONNX session, which
   * then load on first use or `load()` (see `TransformersLoadOptions.deferLoad`). Default false.
   */
  deferLoad?: boolean;
  /**
   * Simplified/Traditional folding for lexical models (`hash`; see script-fold.ts). Neural
   * models ignore it: they read the original text, having been trained on both scripts.
   */
  scriptFold?: ScriptFold;
}



export interface EmbedBatchResult {
  vectors: Float32Array[];
  /** How many of the inputs exceeded `maxTokens` and were truncated. */
  truncated: number;
}

export interface EmbedProgress {
  done: number;
  total: number;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  onProgress?: (p: EmbedProgress) => void;
  /**
   * Each text's length in the model's tokens, when the caller already knows it (parallel to the
   * texts): the embedding cache then reports truncation of cached texts without tokenizing them.
   */
  tokenCounts?: readonly number[];
}

/**
 * Corpus statistics a model keeps (the built-in `hash` model's document frequencies).
 * Stored vectors never depend on them: they are applied on the query side only, so
 * incremental ingest and resumed ingest give the same document vectors as a clean build.
 */
export interface CorpusStatistics {
  add(texts: readonly string[]): void;
  remove(texts: readonly string[]): void;
  serialize(): Buffer;
  load(data: Buffer): void;
}

/**
 * The one contract every model implements. Queries and documents are separate calls so
 * each model can apply its own query instruction and passage prefix.
 */
export interface Embedder {
  readonly info: ModelInfo;
  /** Hash of everything in `info` that changes vectors; an index built with another fingerprint is rejected. */
  readonly fingerprint: string;
  /** Whether vectors are worth caching on disk (false for models cheaper to run than to read). */
  readonly cacheable: boolean;
  embedDocuments(texts: readonly string[], options?: EmbedOptions): Promise<EmbedBatchResult>;
  embedQuery(text: string): Promise<Float32Array>;
  /** Length in the model's own tokens, when the model has a tokenizer (after {@link load}, when it has one). */
  countTokens?(text: string): number;
  /**
   * Present on models that can load lazily: finishes loading (idempotent; embedding calls it
   * by itself). {@link countTokens} needs it done first.
   */
  load?(): Promise<void>;
  /** Present when query vectors depend on statistics of the indexed corpus. */
  readonly corpusStatistics?: CorpusStatistics;
  dispose?(): Promise<void>;
}
