import type { Chunk } from '../ingest/types.js';
import type { IndexStore, StoredDocument } from '../store/index-store.js';
import { Bm25Index } from './bm25.js';
import type { RetrievedChunk, Retriever } from './types.js';

/**
 * BM25 over the chunks of an index. The postings are built in memory when the retriever is
 * created (a second or two for ~10k chunks) rather than stored, so they can never go stale
 * against the chunk store.
 */
export class Bm25Retriever implements Retriever {
  readonly mode = 'bm25' as const;
  private readonly bm25 = new Bm25Index();
  private readonly chunks = new Map<string, { chunk: Chunk; document: StoredDocument }>();

  constructor(store: IndexStore) {
    for (const document of store.documents()) {
      for (const id of document.chunkIds) {
        const chunk = store.getChunk(id);
        if (!chunk) continue;
        this.chunks.set(id, { chunk, document });
        this.bm25.add(id, chunk.text);
      }
    }
  }

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const hits: RetrievedChunk[] = [];
    for (const { id, score } of this.bm25.search(query, k)) {
      const entry = this.chunks.get(id);
      if (entry) hits.push({ ...entry, score });
    }
    return hits;
  }
}
