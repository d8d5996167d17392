import type { Embedder } from '../embed/types.js';
import type { IndexReader } from '../store/reader.js';
import type { RetrievedChunk, Retriever } from './types.js';

/** The model's query vector against the index's vectors (HNSW graph or pgvector). */
export class DenseRetriever implements Retriever {
  readonly mode = 'dense' as const;
  constructor(
    private readonly store: IndexReader,
    private readonly embedder: Embedder,
  ) {}

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const vector = await this.embedder.embedQuery(query);
    return (await this.store.searchVector(vector, k)).map((hit) => ({ chunk: hit.chunk, document: hit.document, score: hit.similarity }));
  }
}
