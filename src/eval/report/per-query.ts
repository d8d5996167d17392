/**
 * per-query.jsonl: one line per labelled query with, for every run, the rank each relevant
 * document got (null if not retrieved) and the query's metrics. For finding the queries a model
 * gets wrong.
 */
import type { EvalResults } from '../types.js';

/** One line of per-query.jsonl. */
export interface PerQueryLine {
  id: string;
  text: string;
  /** Document id -> grade. */
  relevant: Record<string, number>;
  /** False for queries without any relevant document (left out of the averages). */
  evaluated: boolean;
  runs: Array<{
    model: string;
    mode: string;
    ranks: Record<string, number | null>;
    metrics: Record<string, number>;
    /** The run's first retrieved documents, best first (when recorded). */
    top?: string[];
  }>;
}

/** The lines of per-query.jsonl as objects, in dataset order. */
export function perQueryLines(results: EvalResults): PerQueryLine[] {
  return results.queries.map((q) => {
    const runs: PerQueryLine['runs'] = [];
    for (const run of results.runs) {
      const r = run.perQuery[q.id];
      if (r === undefined) continue;
      runs.push({ model: run.model, mode: run.mode, ranks: { ...r.ranks }, metrics: { ...r.metrics }, ...(r.top === undefined ? {} : { top: [...r.top] }) });
    }
    return { id: q.id, text: q.text, relevant: { ...q.relevant }, evaluated: runs.length > 0, runs };
  });
}

/** per-query.jsonl text. */
export function renderPerQueryJsonl(results: EvalResults): string {
  return perQueryLines(results)
    .map((l) => `${JSON.stringify(l)}\n`)
    .join('');
}
