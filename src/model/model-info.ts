/** Pooling strategies an encoder model can use to turn token states into one vector. */
export type Pooling = 'cls' | 'mean' | 'last_token' | 'none';

/** Which family of code produces a model's vectors (src/embed has one provider per value). */
export type ProviderName = 'builtin' | 'transformers' | 'openai' | 'ollama' | 'langchain';

/**
 * Everything about a model that a user needs to see and that changes the vectors it produces.
 * An index stores it in its manifest; its fingerprint (fingerprint.ts) decides compatibility.
 */
export interface ModelInfo {
  /** What the user typed or the registry alias (`hash`, `bge-small-zh`, `openai:text-embedding-3-small`). */
  id: string;
  provider: ProviderName;
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
  /**
   * Base URL an HTTP model (openai:, ollama:) was reached at, never with credentials; queries on
   * the index go there. Left out of the fingerprint: where a model runs does not change its
   * vectors (the host, in `params`, already tells servers apart).
   */
  endpoint?: string;
  /**
   * Absolute folder of a local model (`local:` ids), so the index reopens it without --model;
   * `revision` holds the hash of its files. Not in the fingerprint: moving a folder does not change
   * its vectors.
   */
  path?: string;
}
