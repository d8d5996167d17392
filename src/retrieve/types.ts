import type { Chunk } from '../ingest/types.js';
import type { StoredDocument } from '../store/index-store.js';

export type RetrievalMode = 'dense' | 'bm25' | 'hybrid';
export const RETRIEVAL_MODES: readonly RetrievalMode[] = ['dense', 'bm25', 'hybrid'];

/** One retrieved chunk. `score` is a similarity: higher is better, comparable only within one mode. */
export interface RetrievedChunk {
  chunk: Chunk;
  document: StoredDocument;
  score: number;
}

/** Turns a query into ranked chunks of one index. */
export interface Retriever {
  readonly mode: RetrievalMode;
  search(query: string, k: number): Promise<RetrievedChunk[]>;
}
