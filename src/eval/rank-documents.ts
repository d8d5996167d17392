import type { Retriever } from '../retrieve/types.js';
import { removeSelfMatches } from './dataset.js';
import type { EvalEvent, RankedDocument } from './eval-options.js';
import { interruptedEval } from './interrupted.js';

/**
 * Ranks documents for every query: chunks are retrieved deep enough to yield `maxK` distinct
 * documents, and each document takes the rank of its best chunk.
 */
export async function rankDocuments(
  retriever: Retriever,
  queries: ReadonlyArray<{ id: string; text: string }>,
  maxK: number,
  chunkCount: number,
  ignoreIdenticalIds: boolean,
  emit: (e: EvalEvent) => void,
  signal?: AbortSignal,
): Promise<Map<string, RankedDocument[]>> {
  const rankings = new Map<string, RankedDocument[]>();
  let done = 0;
  for (const q of queries) {
    if (signal?.aborted) throw interruptedEval();
    let depth = Math.min(chunkCount, maxK * 2);
    let docs: RankedDocument[] = [];
    for (;;) {
      const hits = await retriever.search(q.text, depth);
      docs = [];
      const seen = new Set<string>();
      for (const hit of hits) {
        const id = hit.chunk.docId;
        if (seen.has(id)) continue;
        seen.add(id);
        docs.push({ docId: id, chunk: hit.chunk });
      }
      if (ignoreIdenticalIds) {
        const kept = new Set(removeSelfMatches(q.id, docs.map((d) => d.docId)));
        docs = docs.filter((d) => kept.has(d.docId));
      }
      if (docs.length >= maxK || depth >= chunkCount || hits.length < depth) break;
      depth = Math.min(chunkCount, depth * 2);
    }
    rankings.set(q.id, docs.slice(0, maxK));
    emit({ type: 'query-progress', done: ++done, total: queries.length });
  }
  return rankings;
}
