import { RagError } from '../errors.js';
import { bm25Analyzer } from '../text/analyze.js';
import type { ScriptFold } from '../text/script-fold.js';

/** BM25 parameters. */
export interface Bm25Options {
  /** Term-frequency saturation: 0 ignores repeats, larger values reward them longer. Default 1.5 (as bm25s). */
  k1?: number;
  /** Length normalization, 0 (none) to 1 (full). Default 0.75 (as bm25s). */
  b?: number;
  /**
   * Turns a text into tokens, for documents and queries alike. Default {@link analyzeForBm25}
   * (Chinese as character bigrams); pass e.g. jieba-based analysis to compare.
   */
  analyzer?: (text: string) => string[];
  /** Simplified/Traditional folding of the default analyzer (ignored with `analyzer`). Default `t2s`. */
  scriptFold?: ScriptFold;
}

/** One search result; `score` is a BM25 score, higher is better. */
export interface Bm25Hit {
  id: string;
  score: number;
}

interface IndexedDoc {
  /** Term -> frequency in this doc. */
  terms: Map<string, number>;
  /** Number of analyzed tokens (after stopword removal), the `|d|` of BM25. */
  length: number;
}

/**
 * Okapi BM25 over tokens from {@link analyzeForBm25} (English stopwords + Porter stemming, Chinese
 * character bigrams), with an inverted index so a search only touches documents that share a term
 * with the query.
 *
 * score(q, d) = Σ over query tokens t of idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl)),
 * idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)) (the always-positive Lucene/bm25s form).
 * A query token repeated in the query counts each time. Statistics (N, df, avgdl) are always those
 * of the documents currently in the index, so adding then removing a document restores every score.
 *
 * @example
 * const index = new Bm25Index();
 * index.add('a', 'Vector databases speed up retrieval');
 * index.add('b', '向量数据库可以加快检索速度');
 * index.search('retrieval speed', 10); // [{ id: 'a', score: ... }]
 */
export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  readonly #analyze: (text: string) => string[];
  readonly #docs = new Map<string, IndexedDoc>();
  /** Term -> (doc id -> term frequency). */
  readonly #postings = new Map<string, Map<string, number>>();
  #totalLength = 0;

  constructor(options: Bm25Options = {}) {
    const k1 = options.k1 ?? 1.5;
    const b = options.b ?? 0.75;
    if (!Number.isFinite(k1) || k1 < 0) {
      throw new RagError('usage', `BM25: k1 must be a number >= 0, got ${String(options.k1)}`);
    }
    if (!Number.isFinite(b) || b < 0 || b > 1) {
      throw new RagError('usage', `BM25: b must be a number between 0 and 1, got ${String(options.b)}`);
    }
    this.k1 = k1;
    this.b = b;
    this.#analyze = options.analyzer ?? bm25Analyzer(options.scriptFold);
  }

  /** Number of indexed documents. */
  get size(): number {
    return this.#docs.size;
  }

  /** Whether a document with this id is indexed. */
  has(id: string): boolean {
    return this.#docs.has(id);
  }

  /** Indexes `text` under `id`; an id already present is replaced. */
  add(id: string, text: string): void {
    if (this.#docs.has(id)) this.remove(id);
    const tokens = this.#analyze(text);
    const terms = new Map<string, number>();
    for (const token of tokens) terms.set(token, (terms.get(token) ?? 0) + 1);
    for (const [term, tf] of terms) {
      let posting = this.#postings.get(term);
      if (posting === undefined) {
        posting = new Map();
        this.#postings.set(term, posting);
      }
      posting.set(id, tf);
    }
    this.#docs.set(id, { terms, length: tokens.length });
    this.#totalLength += tokens.length;
  }

  /** Removes a document; returns false when the id was not indexed. */
  remove(id: string): boolean {
    const doc = this.#docs.get(id);
    if (doc === undefined) return false;
    for (const term of doc.terms.keys()) {
      const posting = this.#postings.get(term);
      if (posting === undefined) continue;
      posting.delete(id);
      if (posting.size === 0) this.#postings.delete(term);
    }
    this.#docs.delete(id);
    this.#totalLength -= doc.length;
    return true;
  }

  /**
   * The `k` best documents for `query`, by score descending then id ascending (so equal scores
   * always come back in the same order). Documents sharing no term with the query are not returned.
   */
  search(query: string, k: number): Bm25Hit[] {
    const limit = Math.floor(k);
    const n = this.#docs.size;
    if (limit <= 0 || n === 0) return [];
    const avgLength = this.#totalLength / n;
    const { k1, b } = this;
    const scores = new Map<string, number>();
    // Each distinct term once, weighted by how often the query repeats it: the same scores as
    // summing per occurrence, without walking a posting list again per repeat (long queries).
    const queryTerms = new Map<string, number>();
    for (const token of this.#analyze(query)) queryTerms.set(token, (queryTerms.get(token) ?? 0) + 1);
    for (const [token, repeats] of queryTerms) {
      const posting = this.#postings.get(token);
      if (posting === undefined) continue;
      const df = posting.size;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (const [id, tf] of posting) {
        // avgLength is 0 only when every doc is empty, and then no posting exists.
        const length = this.#docs.get(id)!.length;
        const norm = k1 * (1 - b + (b * length) / avgLength);
        const add = repeats * idf * ((tf * (k1 + 1)) / (tf + norm));
        scores.set(id, (scores.get(id) ?? 0) + add);
      }
    }
    const hits: Bm25Hit[] = [];
    for (const [id, score] of scores) hits.push({ id, score });
    hits.sort(compareHits);
    if (hits.length > limit) hits.length = limit;
    return hits;
  }
}

function compareHits(x: Bm25Hit, y: Bm25Hit): number {
  if (x.score !== y.score) return y.score - x.score;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}
