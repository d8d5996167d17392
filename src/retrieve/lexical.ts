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
 * BM25 scoring straight from stored postings: the same formula, statistics, additions in the same
 * order (each distinct query term once, weighted by its repeats) and tie order as
 * {@link Bm25Index.search}, so the scores are equal to the last bit, without indexing.
 */
class StoredBm25 {
  constructor(
    private readonly stored: StoredPostings,
    private readonly k1: number,
    private readonly b: number,
    private readonly analyze: (text: string) => string[],
  ) {}

  search(query: string, k: number): RetrievedChunk[] {
    const limit = Math.floor(k);
    const { count: n, lengths, totalLength } = this.stored;
    if (limit <= 0 || n === 0) return [];
    const avgLength = totalLength / n;
    const { k1, b } = this;
    const queryTerms = new Map<string, number>();
    for (const token of this.analyze(query)) queryTerms.set(token, (queryTerms.get(token) ?? 0) + 1);
    const scores = new Float64Array(n);
    const seen = new Uint8Array(n);
    const touched: number[] = [];
    for (const [token, repeats] of queryTerms) {
      const list = this.stored.postings(token);
      if (list === undefined) continue;
      const df = list.length / 2;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; i += 2) {
        const entry = list[i]!;
        const tf = list[i + 1]!;
        const norm = k1 * (1 - b + (b * lengths[entry]!) / avgLength);
        if (seen[entry] === 0) {
          seen[entry] = 1;
          touched.push(entry);
        }
        scores[entry] = scores[entry]! + repeats * idf * ((tf * (k1 + 1)) / (tf + norm));
      }
    }
    return this.top(scores, touched, limit).map(({ entry, score }) => ({ ...this.stored.entry(entry), score }));
  }

  /**
   * The best `limit` of the touched entries by score, then chunk id. Ids are looked up only for
   * the entries that can make the cut: those scoring at least the limit-th best score.
   */
  private top(scores: Float64Array, touched: readonly number[], limit: number): Array<{ entry: number; id: string; score: number }> {
    let candidates = touched;
    if (touched.length > limit) {
      const sorted = Float64Array.from(touched, (entry) => scores[entry]!).sort();
      const cut = sorted[sorted.length - limit]!;
      candidates = touched.filter((entry) => scores[entry]! >= cut);
    }
    const hits = candidates.map((entry) => ({ entry, id: this.stored.chunkId(entry), score: scores[entry]! }));
    hits.sort((x, y) => (x.score !== y.score ? y.score - x.score : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    if (hits.length > limit) hits.length = limit;
    return hits;
  }
}
