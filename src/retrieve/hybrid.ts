import type { RetrievedChunk, Retriever } from './types.js';

/** Reciprocal-rank fusion constant from Cormack et al. (2009); 60 is the value most systems use. */
export const RRF_K = 60;

/**
 * Fuses dense and BM25 rankings by reciprocal rank: score = Σ 1 / (RRF_K + rank).
 * Rank fusion needs no score calibration between the two, which is why it is the usual default.
 */
export class HybridRetriever implements Retriever {
  readonly mode = 'hybrid' as const;
  constructor(
    private readonly dense: Retriever,
    private readonly lexical: Retriever,
    /** How deep each ranking is read before fusing. */
    private readonly depth = 100,
  ) {}

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const depth = Math.max(k, this.depth);
    const [a, b] = await Promise.all([this.dense.search(query, depth), this.lexical.search(query, depth)]);
    const denseRank = rankOf(a);
    const bm25Rank = rankOf(b);
    return fuseRankings([a, b], k).map((hit) => ({
      ...hit,
      componentRanks: { dense: denseRank.get(hit.chunk.id) ?? null, bm25: bm25Rank.get(hit.chunk.id) ?? null },
    }));
  }
}

function rankOf(ranking: readonly RetrievedChunk[]): Map<string, number> {
  return new Map(ranking.map((hit, i) => [hit.chunk.id, i + 1]));
}

/** Reciprocal-rank fusion of several rankings; ties broken by chunk id so results never depend on input order. */
export function fuseRankings(rankings: readonly (readonly RetrievedChunk[])[], k: number): RetrievedChunk[] {
  const fused = new Map<string, RetrievedChunk>();
  for (const ranking of rankings) {
    ranking.forEach((hit, i) => {
      const add = 1 / (RRF_K + i + 1);
      const prev = fused.get(hit.chunk.id);
      fused.set(hit.chunk.id, prev ? { ...prev, score: prev.score + add } : { ...hit, score: add });
    });
  }
  return [...fused.values()]
    .sort((x, y) => y.score - x.score || (x.chunk.id < y.chunk.id ? -1 : x.chunk.id > y.chunk.id ? 1 : 0))
    .slice(0, k);
}
