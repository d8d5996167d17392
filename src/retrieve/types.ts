import type { Chunk } from '../model/document.js';
import type { StoredDocument } from '../model/document.js';

export type RetrievalMode = 'dense' | 'bm25' | 'hybrid';
export const RETRIEVAL_MODES: readonly RetrievalMode[] = ['dense', 'bm25', 'hybrid'];

/** What `query` returns when not told: the 5 best chunks by dense similarity. */
export const DEFAULT_K = 5;
export const DEFAULT_MODE: RetrievalMode = 'dense';

/** One retrieved chunk. `score` is a similarity: higher is better, comparable only within one mode. */
export interface RetrievedChunk {
  chunk: Chunk;
  document: StoredDocument;
  score: number;
  /**
   * Hybrid results: the chunk's 1-based rank in each fused ranking (null when that ranking did
   * not return it), since a fused score alone (0.033, 0.032 ...) says little.
   */
  componentRanks?: { dense: number | null; bm25: number | null };
  /** Reranked results: the chunk's 1-based rank in the first stage, before the reranker. */
  firstStageRank?: number;
}

/** Turns a query into ranked chunks of one index. */
export interface Retriever {
  readonly mode: RetrievalMode;
  search(query: string, k: number): Promise<RetrievedChunk[]>;
}
