/**
 * Shared pieces of the human-readable reports: which columns to show, number formats, escaping.
 */
import { describeEquivalence } from '../equivalence.js';
import type { GateResult } from '../gate.js';
import type { DatasetWarnings, EvalResults, RunComparison, RunResult } from '../types.js';
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
/** Cost cells, "–" where a cost does not apply (bm25 embeds nothing), as the CLI prints "-". */
export const COST_COLUMNS: ReadonlyArray<{ label: string; cell: (run: RunResult) => string }> = [
  { label: 'Embed s', cell: (r) => (r.mode === 'bm25' || r.cost.dimension === null ? '–' : fmtNumber(r.cost.embedSeconds, 1)) },
  { label: 'Chunks/s', cell: (r) => fmtNumber(r.cost.chunksPerSecond, 0) },
  { label: 'Dim', cell: (r) => (r.cost.dimension === null ? '–' : String(r.cost.dimension)) },
  { label: 'Index MB', cell: (r) => (r.cost.indexBytes > 0 ? (r.cost.indexBytes / 1_048_576).toFixed(1) : '–') },
  { label: 'Truncated', cell: (r) => String(r.cost.truncatedChunks) },
  { label: 'Wall s', cell: (r) => fmtNumber(r.cost.wallSeconds, 1) },
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

/**
 * Escapes text for a Markdown table cell (GitHub also renders inline HTML, so `<` is escaped
 * too). `>` is left alone: without a `<` no tag can open, and `q1 -> a.md` must not read `-&gt;`
 * in a terminal or editor.
 */
export function escapeMarkdownCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/\r?\n/g, ' ');
}

const CORRECTION_LABELS: Record<RunComparison['correction'], string> = { none: 'uncorrected', holm: 'Holm', bh: 'BH' };

/** Header of the comparison tables (the equivalence column only when a margin was given). */
export function comparisonHeader(comparisons: readonly RunComparison[]): string[] {
  const c = comparisons[0];
  const adjusted = c === undefined || c.correction === 'none' ? [] : [`p (${CORRECTION_LABELS[c.correction]})`];
  const equivalence = comparisons.some((x) => x.equivalence !== null) ? ['Equivalence'] : [];
  return ['Model', 'Mode', 'Metric', 'Δ', '95% CI', 'p', ...adjusted, 'Significant', 'W/T/L', 'MDE', ...equivalence, 'Queries'];
}

/** One comparison's cells, in {@link comparisonHeader} order. */
export function comparisonCells(comparisons: readonly RunComparison[], c: RunComparison): string[] {
  const withAdjusted = comparisons[0]?.correction !== 'none';
  const withEquivalence = comparisons.some((x) => x.equivalence !== null);
  return [
    c.candidate.model,
    c.candidate.mode,
    metricLabel(c.metric),
    fmtSigned(c.result.meanDiff),
    `[${fmtSigned(c.result.ci[0])}, ${fmtSigned(c.result.ci[1])}]`,
    fmtP(c.result.pValue),
    ...(withAdjusted ? [fmtP(c.pAdjusted)] : []),
    significanceCell(c),
    `${c.wins}/${c.ties}/${c.losses}`,
    c.power.mde.toFixed(4),
    ...(withEquivalence ? [c.equivalence === null ? '–' : `${describeEquivalence(c.equivalence)} (p ${fmtP(c.equivalence.pValue)})`] : []),
    String(c.result.n),
  ];
}

/** "yes" / "no", with "(underpowered)" where the set could not have told; text, not colour. */
export function significanceCell(c: RunComparison): string {
  return `${c.significant ? 'yes' : 'no'}${c.power.underpowered ? ' (underpowered)' : ''}`;
}

/** How the comparison columns were computed, one paragraph. */
export function comparisonMethodNote(results: EvalResults): string {
  const c = results.comparisons[0];
  if (c === undefined) return '';
  const m = c.result.method;
  const correction =
    c.correction === 'none'
      ? `"Significant": raw p < ${c.alpha} (no correction for the ${results.comparisons.length} comparisons).`
      : `"Significant": ${CORRECTION_LABELS[c.correction]}-adjusted p < ${c.alpha} over all ${results.comparisons.length} comparison(s) of this evaluation (${c.correction === 'holm' ? 'family-wise error rate' : 'false discovery rate'}).`;
  const equivalence = results.comparisons.some((x) => x.equivalence !== null)
    ? ` Equivalence: two one-sided paired t tests (TOST) against ±margin at α = ${c.alpha}, i.e. the ${Math.round((1 - 2 * c.alpha) * 100)}% CI of Δ inside the margins.`
    : '';
  return (
    `Δ = candidate − baseline per query. ${Math.round(c.result.confidence * 100)}% CI: paired bootstrap (${m.resamples} resamples); ` +
    `p: two-sided paired sign-flip test (${m.permutations} permutations); seed ${m.seed}. ${correction} ` +
    `W/T/L: queries the candidate wins, ties, loses. MDE: smallest Δ this query set detects at α = ${c.power.alpha}, power ${c.power.power} ` +
    `((z₁₋α/₂ + z_power) · sd / √n).${equivalence}`
  );
}

/** One plain sentence per comparison that is underpowered, for the reports and the terminal. */
export function powerWarnings(results: EvalResults): string[] {
  return results.comparisons
    .filter((c) => c.power.underpowered)
    .map((c) => {
      const who = `${c.candidate.model} (${c.candidate.mode})`;
      const p = c.power;
      if (p.effect !== null && p.queriesNeeded !== null) {
        return `${who}: underpowered for Δ = ${p.effect}: ${c.result.n} queries, about ${p.queriesNeeded} needed (sd of differences ${p.sdDiff.toFixed(4)}); this set detects Δ ≥ ${p.mde.toFixed(4)}.`;
      }
      return `${who}: underpowered: the observed Δ ${fmtSigned(c.result.meanDiff)} is below the ${p.mde.toFixed(4)} this set of ${c.result.n} queries can detect, so "not significant" does not mean "no difference" (use --margin to test equivalence).`;
    });
}

/** "passed (9 checks)" or "FAILED: 2 of 9 checks failed". */
export function gateHeadline(gate: GateResult): string {
  const n = gate.checks.length;
  return gate.passed ? `passed (${n} check${n === 1 ? '' : 's'})` : `FAILED: ${gate.violations.length} of ${n} check${n === 1 ? '' : 's'} failed`;
}

/** Which baseline file the gate read, in words that do not confuse it with the first run. */
export function gateBaselineLine(gate: GateResult): string | undefined {
  if (gate.baselineFile === null) return undefined;
  return `Baseline file: ${gate.baselineFile} (each run is matched with the run of the same model and mode in it).`;
}

/** Checks with the failures first, each marked in words (not only by colour). */
export function orderedGateChecks(gate: GateResult): Array<{ mark: 'FAIL' | 'pass'; message: string }> {
  return [
    ...gate.checks.filter((c) => !c.passed).map((c) => ({ mark: 'FAIL' as const, message: c.message })),
    ...gate.checks.filter((c) => c.passed).map((c) => ({ mark: 'pass' as const, message: c.message })),
  ];
}

/** Header and rows of the per-segment table (one row per run × segment), or undefined without --segment-by. */
export function segmentTable(results: EvalResults): { header: string[]; rows: string[][] } | undefined {
  if (results.segmentBy === undefined) return undefined;
  const columns = metricColumns(results).slice(0, 3);
  const rows: string[][] = [];
  for (const run of results.runs) {
    for (const [seg, s] of Object.entries(run.segments ?? {})) {
      rows.push([run.model, run.mode, seg, String(s.queries), ...columns.map((k) => fmtMetric(s.metrics[k]))]);
    }
  }
  return { header: ['Model', 'Mode', results.segmentBy, 'Queries', ...columns.map(metricLabel)], rows };
}
