import type { RetrievedChunk, Retriever } from './types.js';

/** Reciprocal-rank fusion constant from Cormack et al. (2009); 60 is the value most systems use. */
export const RRF_K = 60;

/**
 * How a hybrid search combines its dense and BM25 rankings.
 * - `rrf`: reciprocal-rank fusion, score = Σ 1 / (k + rank) (Cormack et al. 2009). Needs no score
 *   calibration between the two, which is why it is the usual default.
 * - `convex`: α · dense + (1 − α) · bm25 over scores min–max normalised within each ranking's
 *   retrieved depth (a chunk one side did not retrieve gets 0 from it). Bruch et al. (2023) found a
 *   tuned convex combination beats RRF when some labelled queries are there to tune α on.
 */
export type Fusion = { method: 'rrf'; k: number } | { method: 'convex'; alpha: number };

export const FUSION_METHODS = ['rrf', 'convex'] as const;
export const DEFAULT_FUSION: Fusion = { method: 'rrf', k: RRF_K };
/** The convex weight of the dense side when none is given: both sides alike. */
export const DEFAULT_ALPHA = 0.5;

/** A short name for a fusion, as shown in run labels: `rrf k=60`, `convex α=0.3`. */
export function describeFusion(fusion: Fusion): string {
  return fusion.method === 'rrf' ? `rrf k=${fusion.k}` : `convex α=${fusion.alpha}`;
}

/** Fuses dense and BM25 rankings (see {@link Fusion}); every hit keeps its rank in each. */
export class HybridRetriever implements Retriever {
  readonly mode = 'hybrid' as const;
  constructor(
    private readonly dense: Retriever,
    private readonly lexical: Retriever,
    /** How deep each ranking is read before fusing. */
    private readonly depth = 100,
    private readonly fusion: Fusion = DEFAULT_FUSION,
  ) {
    if (fusion.method === 'rrf' && !(fusion.k >= 0)) throw new RangeError(`RRF k must be ≥ 0, not ${fusion.k}`);
    if (fusion.method === 'convex' && !(fusion.alpha >= 0 && fusion.alpha <= 1)) throw new RangeError(`convex α must be in [0, 1], not ${fusion.alpha}`);
  }

  async search(query: string, k: number): Promise<RetrievedChunk[]> {
    const depth = Math.max(k, this.depth);
    const [a, b] = await Promise.all([this.dense.search(query, depth), this.lexical.search(query, depth)]);
    const denseRank = rankOf(a);
    const bm25Rank = rankOf(b);
    const fused = this.fusion.method === 'rrf' ? fuseRankings([a, b], k, this.fusion.k) : fuseConvex(a, b, this.fusion.alpha, k);
    return fused.map((hit) => ({
      ...hit,
      componentRanks: { dense: denseRank.get(hit.chunk.id) ?? null, bm25: bm25Rank.get(hit.chunk.id) ?? null },
    }));
  }
}

function rankOf(ranking: readonly RetrievedChunk[]): Map<string, number> {
  return new Map(ranking.map((hit, i) => [hit.chunk.id, i + 1]));
}

/** Reciprocal-rank fusion of several rankings; ties broken by chunk id so results never depend on input order. */
export function fuseRankings(rankings: readonly (readonly RetrievedChunk[])[], k: number, rrfK = RRF_K): RetrievedChunk[] {
  const fused = new Map<string, RetrievedChunk>();
  for (const ranking of rankings) {
    ranking.forEach((hit, i) => {
      const add = 1 / (rrfK + i + 1);
      const prev = fused.get(hit.chunk.id);
      fused.set(hit.chunk.id, prev ? { ...prev, score: prev.score + add } : { ...hit, score: add });
    });
  }
  return best(fused, k);
}

/**
 * α · dense + (1 − α) · bm25, each side's scores min–max normalised over the hits it returned
 * (all equal: 1). Ties broken by chunk id.
 */
export function fuseConvex(dense: readonly RetrievedChunk[], lexical: readonly RetrievedChunk[], alpha: number, k: number): RetrievedChunk[] {
  const fused = new Map<string, RetrievedChunk>();
  const add = (ranking: readonly RetrievedChunk[], weight: number): void => {
    if (ranking.length === 0 || weight === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const hit of ranking) {
      lo = Math.min(lo, hit.score);
      hi = Math.max(hi, hit.score);
    }
    for (const hit of ranking) {
      const part = weight * (hi > lo ? (hit.score - lo) / (hi - lo) : 1);
      const prev = fused.get(hit.chunk.id);
      fused.set(hit.chunk.id, prev ? { ...prev, score: prev.score + part } : { ...hit, score: part });
    }
  };
  add(dense, alpha);
  add(lexical, 1 - alpha);
  // A chunk only the zero-weighted side found still ranks (at 0), after every scored one.
  for (const hit of [...dense, ...lexical]) if (!fused.has(hit.chunk.id)) fused.set(hit.chunk.id, { ...hit, score: 0 });
  return best(fused, k);
}

function best(fused: Map<string, RetrievedChunk>, k: number): RetrievedChunk[] {
  return [...fused.values()]
    .sort((x, y) => y.score - x.score || (x.chunk.id < y.chunk.id ? -1 : x.chunk.id > y.chunk.id ? 1 : 0))
    .slice(0, k);
}
