import type { Embedder } from '../embed/types.js';
import type { IndexStore } from '../store/index-store.js';
import type { RetrievedChunk, Retriever } from './types.js';

/** The model's query vector against the index's HNSW graph. */
export class DenseRetriever implements Retriever {
  readonly mode = 'dense' as const;
  constructor(
    private readonly store: IndexStore,
    private readonly embedder: Embedder,
  ) {}

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const vector = await this.embedder.embedQuery(query);
    return this.store.search(vector, k).map((hit) => ({ chunk: hit.chunk, document: hit.document, score: hit.similarity }));
  }
}
