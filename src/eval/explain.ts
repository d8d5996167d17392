/**
 * Per-query failure analysis: the queries where run B loses most against run A, with both runs'
 * top documents (relevant ones marked) and the rank each relevant document got. This is what a
 * person reads to learn *why* one model is worse; the averages cannot say.
 */
import { RagError } from '../errors.js';
import type { DocumentPreview, EvalResults, RunKey, RunResult } from './types.js';
import { runLabel } from './types.js';

/** Query ids in natural order: `q2` before `q10`, `13` before `128`. */
export function compareQueryIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

export interface ExplainedDocument {
  docId: string;
  title?: string;
  snippet?: string;
  /** Relevance grade from the labels; 0 when not relevant or not judged. */
  grade: number;
}

export interface ExplainedRun {
  run: RunKey;
  score: number;
  /** The run's top documents, best first (empty when results.json predates top documents). */
  top: ExplainedDocument[];
  /** Relevant document -> the rank this run gave it, or null if not retrieved. */
  ranks: Record<string, number | null>;
}

export interface ExplainedQuery {
  id: string;
  text: string;
  /** B − A on the metric (negative: B loses). */
  delta: number;
  a: ExplainedRun;
  b: ExplainedRun;
}

export interface Explanation {
  a: RunKey;
  b: RunKey;
  metric: string;
  /** Only queries of this `--segment-by` value, when given. */
  segment: string | null;
  /** Queries scored by both runs. */
  paired: number;
  /** Queries where B scores lower than A (all of them, not only the ones shown). */
  losses: number;
  /** The worst losses first, at most `limit`. */
  queries: ExplainedQuery[];
}

/** Finds a run by `MODEL`, `MODEL:MODE` or `MODEL (MODE)`; throws a usage error naming the runs otherwise. */
export function findRun(results: EvalResults, spec: string): RunResult {
  const m = /^(.*?)(?::(dense|bm25|hybrid)| \((dense|bm25|hybrid)\))?$/.exec(spec.trim());
  const model = (m?.[1] ?? spec).trim();
  const mode = m?.[2] ?? m?.[3];
  const matches = results.runs.filter((r) => r.model.toLowerCase() === model.toLowerCase() && (mode === undefined || r.mode === mode));
  const names = results.runs.map((r) => `${r.model}:${r.mode}`).join(', ');
  if (matches.length === 0) throw new RagError('usage', `no run "${spec}" in this evaluation (runs: ${names})`, { details: { advice: 'explain-run-missing', spec, names } });
  if (matches.length > 1) {
    const example = `${matches[0]!.model}:${matches[0]!.mode}`;
    throw new RagError('usage', `run "${spec}" names ${matches.length} runs; add the mode, e.g. ${example}`, {
      details: { advice: 'explain-run-ambiguous', spec, count: matches.length, example },
    });
  }
  return matches[0]!;
}

function explainRun(run: RunResult, qid: string, metric: string, relevant: Record<string, number>, docs: Record<string, DocumentPreview>): ExplainedRun {
  const r = run.perQuery[qid]!;
  return {
    run: { model: run.model, mode: run.mode },
    score: r.metrics[metric] ?? 0,
    top: (r.top ?? []).map((docId) => {
      const d = docs[docId];
      return {
        docId,
        ...(d?.title === undefined ? {} : { title: d.title }),
        ...(d === undefined ? {} : { snippet: d.snippet }),
        grade: relevant[docId] ?? 0,
      };
    }),
    ranks: { ...r.ranks },
  };
}

/** The queries where `b` loses most against `a` on `metric` (default nDCG@10), worst first. */
export function explainLosses(
  results: EvalResults,
  a: RunResult,
  b: RunResult,
  options: { limit?: number; metric?: string; segment?: string } = {},
): Explanation {
  const metric = options.metric ?? results.comparisons[0]?.metric ?? 'ndcg_at_10';
  const limit = options.limit ?? 10;
  const texts = new Map(results.queries.map((q) => [q.id, q]));
  const docs = results.documents ?? {};
  const deltas: Array<{ id: string; delta: number }> = [];
  for (const [qid, ra] of Object.entries(a.perQuery)) {
    const rb = b.perQuery[qid];
    if (rb === undefined) continue;
    if (options.segment !== undefined && texts.get(qid)?.segment !== options.segment) continue;
    deltas.push({ id: qid, delta: (rb.metrics[metric] ?? 0) - (ra.metrics[metric] ?? 0) });
  }
  const losses = deltas.filter((d) => d.delta < -1e-12).sort((x, y) => x.delta - y.delta || compareQueryIds(x.id, y.id));
  return {
    a: { model: a.model, mode: a.mode },
    b: { model: b.model, mode: b.mode },
    metric,
    segment: options.segment ?? null,
    paired: deltas.length,
    losses: losses.length,
    queries: losses.slice(0, limit).map(({ id, delta }) => {
      const q = texts.get(id);
      const relevant = q?.relevant ?? {};
      return { id, text: q?.text ?? '', delta, a: explainRun(a, id, metric, relevant, docs), b: explainRun(b, id, metric, relevant, docs) };
    }),
  };
}

/** The explanation as plain text lines for the terminal. */
export function explanationLines(e: Explanation): string[] {
  const scope = e.segment === null ? '' : `, segment ${e.segment}`;
  const out = [`where ${runLabel(e.b)} loses most against ${runLabel(e.a)} (${e.metric}${scope}): ${e.queries.length} of ${e.losses} losing queries (${e.paired} paired)`];
  for (const q of e.queries) {
    out.push('', `${q.id}  Δ ${q.delta.toFixed(4)}  ${q.text}`);
    for (const side of [q.a, q.b]) {
      out.push(`  ${runLabel(side.run)}: ${side.score.toFixed(4)}; relevant ranks ${Object.entries(side.ranks).map(([d, r]) => `${d} ${r === null ? 'not retrieved' : `#${r}`}`).join(', ') || '(none)'}`);
      side.top.forEach((d, i) => {
        const mark = d.grade > 0 ? `✓${d.grade > 1 ? d.grade : ''}` : ' ';
        out.push(`    ${i + 1}. ${mark} ${d.docId}${d.title ? ` · ${d.title}` : ''}${d.snippet ? ` · ${d.snippet.slice(0, 80)}` : ''}`);
      });
    }
  }
  return out;
}
