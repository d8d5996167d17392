/** Pooling strategies an encoder model can use to turn token states into one vector. */
export type Pooling = 'cls' | 'mean' | 'last_token' | 'none';

/** Everything about a model that a user needs to see and that changes the vectors it produces. */
export interface ModelInfo {
  /** What the user typed or the registry alias (`hash`, `bge-small-zh`, `openai:text-embedding-3-small`). */
  id: string;
  provider: 'builtin' | 'transformers' | 'openai' | 'ollama' | 'langchain';
  /** Provider-side model name (hub id, API model name). */
  name: string;
  /** Model revision or version string when known. */
  revision?: string;
  dimension: number;
  pooling?: Pooling;
  /** Prepended to queries (may contain the full instruction template). */
  queryPrefix?: string;
  /** Prepended to documents. */
  passagePrefix?: string;
  normalize: boolean;
  /** Maximum input tokens; longer inputs are truncated (and counted). */
  maxTokens?: number;
  languages?: string[];
  /** Extra settings that change vectors (dtype, dimensions parameter, hashing parameters ...). */
  params?: Record<string, string | number | boolean>;
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
