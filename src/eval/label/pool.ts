/**
 * Depth-k pooling (TREC style): the union of every run's top k documents per query, minus what is
 * already judged. Each pooled pair remembers which runs put it there and at which rank, and the
 * passage to show: the chunk that ranked the document best.
 */
import type { ModelChoice } from '../../embed/open-model.js';
import type { ResolveOptions } from '../../embed/types.js';
import type { RetrievalMode } from '../../retrieve/types.js';
import { evaluate } from '../runner.js';

export interface PooledPair {
  queryId: string;
  query: string;
  docId: string;
  /** Text of the document's best-ranked chunk. */
  passage: string;
  /** `model (mode)` -> 1-based rank of the document in that run. */
  ranks: Record<string, number>;
  /** Best rank over the runs: pairs are judged best-first within a query. */
  bestRank: number;
}

export interface Pool {
  depth: number;
  runs: string[];
  /** Every pooled pair, judged or not, in judging order (query order, then best rank, then id). */
  pairs: PooledPair[];
}

export interface PoolOptions {
  dataset: string;
  models?: ModelChoice[];
  modes?: RetrievalMode[];
  modelOptions?: ResolveOptions;
  depth: number;
  split?: string;
  cache?: boolean;
  onRun?: (run: string) => void;
}

export async function buildPool(options: PoolOptions): Promise<Pool> {
  const byPair = new Map<string, PooledPair>();
  const runs: string[] = [];
  const results = await evaluate({
    dataset: options.dataset,
    ...(options.models === undefined ? {} : { models: options.models }),
    ...(options.modes === undefined ? {} : { modes: options.modes }),
    ...(options.modelOptions === undefined ? {} : { modelOptions: options.modelOptions }),
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ks: [options.depth],
    onEvent: (event) => {
      if (event.type !== 'rankings') return;
      const run = `${event.model} (${event.mode})`;
      runs.push(run);
      options.onRun?.(run);
      for (const [queryId, ranked] of event.rankings) {
        ranked.slice(0, options.depth).forEach((d, i) => {
          const key = `${queryId}\t${d.docId}`;
          let pair = byPair.get(key);
          if (pair === undefined) {
            pair = { queryId, query: '', docId: d.docId, passage: d.chunk.text, ranks: {}, bestRank: i + 1 };
            byPair.set(key, pair);
          }
          pair.ranks[run] = i + 1;
          if (i + 1 < pair.bestRank) {
            pair.bestRank = i + 1;
            pair.passage = d.chunk.text;
          }
        });
      }
    },
  });
  const order = new Map(results.queries.map((q, i) => [q.id, i]));
  const text = new Map(results.queries.map((q) => [q.id, q.text]));
  const pairs = [...byPair.values()];
  for (const p of pairs) p.query = text.get(p.queryId) ?? '';
  pairs.sort((a, b) => (order.get(a.queryId) ?? 0) - (order.get(b.queryId) ?? 0) || a.bestRank - b.bestRank || (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  return { depth: options.depth, runs, pairs };
}
