import type { Chunk } from '../model/document.js';
import type { StoredDocument } from '../model/document.js';
import type { IndexReader } from '../store/reader.js';
import { Bm25Index } from './bm25.js';
import { bm25Analyzer } from '../text/analyze.js';
import type { StoredPostings } from '../store/reader.js';
import { DEFAULT_SCRIPT_FOLD, type ScriptFold } from '../text/script-fold.js';
import type { RetrievedChunk, Retriever } from './types.js';

/**
 * BM25 over the chunks of an index. An HNSW-file index stores its postings at ingest (per
 * generation, so they cannot go stale against its chunks) and those are used when they were
 * analysed with this retriever's script fold; otherwise (PostgreSQL, an older index, another
 * fold) they are built in memory from all chunks (a second or two for ~10k chunks), for
 * PostgreSQL reading the chunk text from the table once per retriever. Ready on the first search.
 */
export class Bm25Retriever implements Retriever {
  readonly mode = 'bm25' as const;
  private readonly bm25: Bm25Index;
  private readonly chunks = new Map<string, { chunk: Chunk; document: StoredDocument }>();
  private built: Promise<void> | undefined;
  /** The postings stored at ingest, when the index has them for this fold. */
  private stored: StoredBm25 | undefined;

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
    if (this.stored !== undefined) return this.stored.search(query, k);
    const hits: RetrievedChunk[] = [];
    for (const { id, score } of this.bm25.search(query, k)) {
      const entry = this.chunks.get(id);
      if (entry) hits.push({ ...entry, score });
    }
    return hits;
  }

  private async build(): Promise<void> {
    const stored = await this.store.lexicalPostings?.(this.scriptFold);
    if (stored !== undefined) {
      this.stored = new StoredBm25(stored, this.bm25.k1, this.bm25.b, bm25Analyzer(this.scriptFold));
      return;
    }
    for await (const { chunk, document } of this.store.allChunks()) {
      this.chunks.set(chunk.id, { chunk, document });
      this.bm25.add(chunk.id, chunk.text);
    }
  }
}

/**
 * BM25 scoring straight from stored postings: the same formula, statistics and tie order as
 * {@link Bm25Index.search} (scores add up per query token in query order), without indexing.
 */
class StoredBm25 {
  readonly #totalLength: number;

  constructor(
    private readonly stored: StoredPostings,
    private readonly k1: number,
    private readonly b: number,
    private readonly analyze: (text: string) => string[],
  ) {
    let total = 0;
    for (const length of stored.lengths) total += length;
    this.#totalLength = total;
  }

  search(query: string, k: number): RetrievedChunk[] {
    const limit = Math.floor(k);
    const { entries, chunkIds, lengths, postings } = this.stored;
    const n = entries.length;
    if (limit <= 0 || n === 0) return [];
    const avgLength = this.#totalLength / n;
    const { k1, b } = this;
    const scores = new Map<number, number>();
    for (const token of this.analyze(query)) {
      const list = postings.get(token);
      if (list === undefined) continue;
      const df = list.length / 2;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; i += 2) {
        const entry = list[i]!;
        const tf = list[i + 1]!;
        const norm = k1 * (1 - b + (b * lengths[entry]!) / avgLength);
        scores.set(entry, (scores.get(entry) ?? 0) + idf * ((tf * (k1 + 1)) / (tf + norm)));
      }
    }
    const hits: Array<{ entry: number; id: string; score: number }> = [];
    for (const [entry, score] of scores) hits.push({ entry, id: chunkIds?.[entry] ?? entries[entry]!.chunk.id, score });
    hits.sort((x, y) => (x.score !== y.score ? y.score - x.score : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    if (hits.length > limit) hits.length = limit;
    return hits.map(({ entry, score }) => ({ ...entries[entry]!, score }));
  }
}
