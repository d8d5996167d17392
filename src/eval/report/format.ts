/**
 * Shared pieces of the human-readable reports: which columns to show, number formats, escaping.
 */
import type { DatasetWarnings, EvalResults, RunCost, RunResult } from '../types.js';
import { metricKey, parseMetricKey } from '../metrics.js';
import { judgedWarnings } from '../judged.js';

/** Metric columns of the summary tables, in order, when computed. */
const PREFERRED_COLUMNS = ['ndcg_at_10', 'recall_at_10', 'mrr_at_10', 'map_at_10', 'recall_at_100', 'judged_at_10'];

/** The metric columns to show: the preferred ones that exist, else nDCG and recall at each k. */
export function metricColumns(results: EvalResults): string[] {
  const available = new Set(results.runs.flatMap((r) => Object.keys(r.metrics)));
  const preferred = PREFERRED_COLUMNS.filter((k) => available.has(k));
  if (preferred.length > 0) return preferred;
  return results.ks.flatMap((k) => [metricKey('ndcg', k), metricKey('recall', k)]).filter((k) => available.has(k));
}

const FAMILY_LABELS: Record<string, string> = {
  ndcg: 'nDCG',
  recall: 'Recall',
  precision: 'P',
  mrr: 'MRR',
  map: 'MAP',
  hit_rate: 'Hit',
  judged: 'Judged',
};

/** `ndcg_at_10` -> `nDCG@10`. */
export function metricLabel(key: string): string {
  const p = parseMetricKey(key);
  return p === undefined ? key : `${FAMILY_LABELS[p.name] ?? p.name}@${p.k}`;
}

export function fmtMetric(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4);
}

export function fmtSigned(v: number): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;
}

export function fmtP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

function fmtNumber(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** Cost columns: header label and cell text. */
export const COST_COLUMNS: ReadonlyArray<{ label: string; cell: (c: RunCost) => string }> = [
  { label: 'Embed s', cell: (c) => fmtNumber(c.embedSeconds, 1) },
  { label: 'Chunks/s', cell: (c) => fmtNumber(c.chunksPerSecond, 0) },
  { label: 'Dim', cell: (c) => (c.dimension === null ? '–' : String(c.dimension)) },
  { label: 'Index MB', cell: (c) => (c.indexBytes > 0 ? (c.indexBytes / 1_048_576).toFixed(1) : '–') },
  { label: 'Truncated', cell: (c) => String(c.truncatedChunks) },
  { label: 'Wall s', cell: (c) => fmtNumber(c.wallSeconds, 1) },
];

/** Dataset notes as plain sentences (escaped by the caller). */
export function datasetNotes(results: EvalResults): string[] {
  const notes: string[] = [];
  const w: DatasetWarnings = results.dataset.warnings;
  const ex = (examples: string[], count: number): string =>
    examples.length === 0 ? '' : ` (e.g. ${examples.slice(0, 5).join(', ')}${count > 5 ? ', …' : ''})`;
  if (w.unknownDocuments.count > 0) {
    notes.push(`${w.unknownDocuments.count} label(s) dropped: document not in the corpus${ex(w.unknownDocuments.examples, w.unknownDocuments.count)}`);
  }
  if (w.unknownQueries.count > 0) {
    notes.push(`${w.unknownQueries.count} label(s) dropped: query not in queries.jsonl${ex(w.unknownQueries.examples, w.unknownQueries.count)}`);
  }
  if (w.duplicateLabels.count > 0) {
    notes.push(`${w.duplicateLabels.count} duplicate label(s); the last one was used${ex(w.duplicateLabels.examples, w.duplicateLabels.count)}`);
  }
  if (w.unjudgedQueries.count > 0) {
    notes.push(`${w.unjudgedQueries.count} query(ies) have no labels in this split and were not evaluated`);
  }
  const skipped = new Set<string>();
  const unranked = new Set<string>();
  for (const run of results.runs) {
    for (const q of run.skippedQueries) skipped.add(q);
    for (const q of run.unrankedQueries) unranked.add(q);
  }
  if (skipped.size > 0) {
    const list = [...skipped];
    notes.push(`${list.length} query(ies) skipped (no relevant document, not in the averages)${ex(list, list.length)}`);
  }
  if (unranked.size > 0) {
    const list = [...unranked];
    notes.push(`${list.length} query(ies) got no ranking and scored 0${ex(list, list.length)}`);
  }
  notes.push(...judgedWarnings(results.runs, results.dataset.path));
  return notes;
}

/** Per-query value of a metric for one run, for the evaluated queries. */
export function perQueryValues(run: RunResult, metric: string): number[] {
  return Object.values(run.perQuery).map((q) => q.metrics[metric] ?? 0);
}

/** Escapes text for HTML and XML content and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Escapes text for a Markdown table cell (GitHub also renders inline HTML, so `<` is escaped too). */
export function escapeMarkdownCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}
