import type { Reranker } from '../rerank/types.js';
import type { RetrievedChunk, Retriever } from './types.js';

/** How deep the first stage is read for reranking when not told otherwise. */
export const DEFAULT_RERANK_DEPTH = 100;

/**
 * A first-stage retriever followed by a reranker: the top `depth` chunks are scored by the
 * reranker against the query and returned best first, the reranker's score as `score` and the
 * first stage's rank kept. Ties keep the first stage's order.
 */
export class RerankingRetriever implements Retriever {
  readonly mode: Retriever['mode'];
  constructor(
    private readonly first: Retriever,
    private readonly reranker: Reranker,
    private readonly depth = DEFAULT_RERANK_DEPTH,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`rerank depth must be a positive integer, not ${depth}`);
    this.mode = first.mode;
  }

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const candidates = await this.first.search(query, Math.max(k, this.depth));
    const scores = await this.reranker.rerank(query, candidates.map((hit) => hit.chunk.text));
    return candidates
      .map((hit, i) => ({ hit: { ...hit, score: scores[i]!, firstStageRank: i + 1 }, i }))
      .sort((a, b) => b.hit.score - a.hit.score || a.i - b.i)
      .slice(0, k)
      .map(({ hit }) => hit);
  }
}
