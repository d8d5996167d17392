import type { Chunk } from '../model/document.js';
import type { StoredDocument } from '../model/document.js';
import type { IndexReader } from '../store/reader.js';
import { Bm25Index } from './bm25.js';
import { DEFAULT_SCRIPT_FOLD, type ScriptFold } from '../text/script-fold.js';
import type { RetrievedChunk, Retriever } from './types.js';

/**
 * BM25 over the chunks of an index. The postings are built in memory from all chunks (a second
 * or two for ~10k chunks) rather than stored, so they can never go stale against the chunk
 * store; with PostgreSQL that means the chunk text is read from the table once per retriever
 * and held in memory. Built on the first search (the read is async for PostgreSQL).
 */
export class Bm25Retriever implements Retriever {
  readonly mode = 'bm25' as const;
  private readonly bm25: Bm25Index;
  private readonly chunks = new Map<string, { chunk: Chunk; document: StoredDocument }>();
  private built: Promise<void> | undefined;

  /**
   * `scriptFold` applies to the chunks and the queries alike; the postings are rebuilt from the
   * original chunk text on every open, so any fold may be used with any index.
   */
  constructor(
    private readonly store: IndexReader,
    readonly scriptFold: ScriptFold = DEFAULT_SCRIPT_FOLD,
  ) {
    this.bm25 = new Bm25Index({ scriptFold });
  }

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    this.built ??= this.build();
    await this.built;
    const hits: RetrievedChunk[] = [];
    for (const { id, score } of this.bm25.search(query, k)) {
      const entry = this.chunks.get(id);
      if (entry) hits.push({ ...entry, score });
    }
    return hits;
  }

  private async build(): Promise<void> {
    for await (const { chunk, document } of this.store.allChunks()) {
      this.chunks.set(chunk.id, { chunk, document });
      this.bm25.add(chunk.id, chunk.text);
    }
  }
}
