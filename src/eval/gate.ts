/**
 * CI regression gate: compare this evaluation with a committed baseline results.json and with
 * absolute floors, and list every violated check. The caller exits non-zero when `passed` is false.
 */
import { RagError } from '../errors.js';
import { compareRuns } from './compare.js';
import type { ComparisonOptions } from './compare.js';
import { describeEquivalence } from './equivalence.js';
import { METRIC_NAMES, parseMetricKey } from './metrics.js';
import type { BaselineResults } from './report/results-json.js';
import { alignByQuery } from './stats.js';
import type { RunComparison, RunKey } from './types.js';
import { runLabel } from './types.js';

/** Metrics `--max-drop` watches, per run. */
export const HEADLINE_METRICS = ['ndcg_at_10', 'recall_at_10', 'mrr_at_10'] as const;

/** An absolute floor from `--min METRIC=VALUE`. */
export interface MetricFloor {
  metric: string;
  value: number;
}

/** Options of {@link checkGate}. */
export interface GateOptions {
  /**
   * Largest allowed drop of a headline metric against the baseline, in metric units
   * (0.02 = two nDCG points). Undefined: no drop check.
   */
  maxDrop?: number;
  /** Absolute floors every run must reach. */
  min?: readonly MetricFloor[];
  /** Metrics the drop check watches; default {@link HEADLINE_METRICS}. */
  metrics?: readonly string[];
  /** The baseline's file name, for messages and reports. */
  baselineFile?: string;
  /**
   * Statistics of the paired comparisons against the baseline's per-query scores (margin,
   * correction, seed); the metric defaults to nDCG@10.
   */
  statistics?: ComparisonOptions;
  /**
   * Fail unless every comparison is equivalent within `statistics.margin` (TOST): each run against
   * the same run in the baseline when there is one, else each run against the first run.
   */
  failUnlessEquivalent?: boolean;
}

/** One evaluated condition of the gate. */
export interface GateCheck {
  run: RunKey;
  metric: string;
  kind: 'max-drop' | 'min' | 'equivalence';
  /** Baseline value (max-drop, equivalence) or null (min). */
  baseline: number | null;
  current: number;
  /** The allowed drop (max-drop), the floor (min) or the margin (equivalence). */
  threshold: number;
  passed: boolean;
  /** One line a person can act on. */
  message: string;
}

export interface GateResult {
  passed: boolean;
  /** Every check made, passed or not, in run order. */
  checks: GateCheck[];
  /** The failed checks. */
  violations: GateCheck[];
  /** Current runs with no baseline run of the same (model, mode): reported, not failing. */
  missingFromBaseline: RunKey[];
  /** Baseline runs this evaluation did not produce: reported, not failing. */
  missingFromCurrent: RunKey[];
  /** Other things worth a line in the report (dataset changed since the baseline, ...). */
  notes: string[];
  /** The same notes as data, in the same order: for callers that word them themselves (the CLI, in the user's language). */
  noteDetails: GateNote[];
  /** The baseline file the drops were measured against, or null without one. */
  baselineFile: string | null;
  /**
   * Paired comparisons of each run with the same run in the baseline file (baseline = A,
   * current = B), for runs whose per-query scores are in both; Holm/BH over these together.
   */
  baselineComparisons: RunComparison[];
}

/** A note of the gate as data: `notes[i]` is `noteDetails[i]` in English. */
export type GateNote =
  | { kind: 'dataset-changed'; baseline: string; current: string }
  | { kind: 'baseline-metric-missing'; run: RunKey; metric: string };

/** What the gate needs from the current evaluation (an EvalResults fits). */
export interface GateInput {
  dataset?: { fingerprint: string };
  runs: ReadonlyArray<RunKey & { metrics: Record<string, number>; perQuery?: Record<string, { metrics: Record<string, number> }> }>;
  /** The evaluation's own comparisons (each run against the first), for `failUnlessEquivalent` without a baseline. */
  comparisons?: readonly RunComparison[];
}

/** Accepts `ndcg_at_10` and the common `ndcg@10` spelling; throws a RagError for anything else. */
export function normalizeMetricName(name: string): string {
  const key = name.trim().toLowerCase().replace(/@/, '_at_');
  if (parseMetricKey(key) === undefined) {
    throw new RagError('usage', 
      `unknown metric "${name}": use NAME_at_K with NAME one of ${METRIC_NAMES.join(', ')} (e.g. ndcg_at_10)`,
    );
  }
  return key;
}

/** Parses `--min ndcg_at_10=0.6`. */
export function parseMetricFloor(spec: string): MetricFloor {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new RagError('usage', `invalid metric floor "${spec}": expected METRIC=VALUE, e.g. ndcg_at_10=0.6`, { details: { advice: 'min-format', spec } });
  const metric = normalizeMetricName(spec.slice(0, eq));
  const text = spec.slice(eq + 1).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RagError('usage', `invalid metric floor "${spec}": the value must be a number between 0 and 1`, { details: { advice: 'min-value', spec } });
  }
  return { metric, value };
}

/** Parses `--max-drop 0.02`. */
export function parseMaxDrop(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RagError('usage', `invalid maxDrop "${text}": expected a number between 0 and 1 (0.02 = two points of nDCG)`, { details: { advice: 'max-drop', text } });
  }
  return value;
}

// Metrics are means of floats: a drop equal to the threshold must not fail on rounding noise.
const EPSILON = 1e-9;

const fmt = (x: number): string => x.toFixed(4);

function sameRun(a: RunKey, b: RunKey): boolean {
  return a.model === b.model && a.mode === b.mode;
}

function currentValue(run: RunKey & { metrics: Record<string, number> }, metric: string): number {
  const v = run.metrics[metric];
  if (v === undefined) {
    const label = runLabel(run);
    throw new RagError('usage', `the gate needs ${metric} but ${label} did not compute it: add its k to the ks option`, { details: { advice: 'gate-metric-k', metric, run: label } });
  }
  return v;
}

/**
 * Evaluates the gate. Without a baseline only the floors are checked; without options nothing is
 * checked and the gate passes.
 */
export function checkGate(current: GateInput, baseline: BaselineResults | undefined, options: GateOptions): GateResult {
  const watched = (options.metrics ?? HEADLINE_METRICS).map(normalizeMetricName);
  const floors = (options.min ?? []).map((f) => ({ metric: normalizeMetricName(f.metric), value: f.value }));
  const checks: GateCheck[] = [];
  const missingFromBaseline: RunKey[] = [];
  const noteDetails: GateNote[] = [];

  if (baseline !== undefined && options.maxDrop !== undefined) {
    const maxDrop = options.maxDrop;
    if (
      current.dataset !== undefined &&
      baseline.datasetFingerprint !== undefined &&
      baseline.datasetFingerprint !== current.dataset.fingerprint
    ) {
      noteDetails.push({ kind: 'dataset-changed', baseline: baseline.datasetFingerprint, current: current.dataset.fingerprint });
    }
    for (const run of current.runs) {
      const base = baseline.runs.find((b) => sameRun(b, run));
      if (base === undefined) {
        missingFromBaseline.push({ model: run.model, mode: run.mode });
        continue;
      }
      for (const metric of watched) {
        const now = currentValue(run, metric);
        const before = base.metrics[metric];
        if (before === undefined) {
          noteDetails.push({ kind: 'baseline-metric-missing', run: { model: run.model, mode: run.mode }, metric });
          continue;
        }
        const drop = before - now;
        const passed = drop <= maxDrop + EPSILON;
        checks.push({
          run: { model: run.model, mode: run.mode },
          metric,
          kind: 'max-drop',
          baseline: before,
          current: now,
          threshold: maxDrop,
          passed,
          message: passed
            ? `${runLabel(run)}: ${metric} ${fmt(now)} (baseline ${fmt(before)}, change ${drop > 0 ? '-' : '+'}${fmt(Math.abs(drop))}) within --max-drop ${maxDrop}`
            : `${runLabel(run)}: ${metric} dropped ${fmt(drop)} (${fmt(before)} -> ${fmt(now)}), more than --max-drop ${maxDrop}`,
        });
      }
    }
  }

  for (const run of current.runs) {
    for (const floor of floors) {
      const now = currentValue(run, floor.metric);
      const passed = now >= floor.value - EPSILON;
      checks.push({
        run: { model: run.model, mode: run.mode },
        metric: floor.metric,
        kind: 'min',
        baseline: null,
        current: now,
        threshold: floor.value,
        passed,
        message: passed
          ? `${runLabel(run)}: ${floor.metric} ${fmt(now)} reaches --min ${floor.value}`
          : `${runLabel(run)}: ${floor.metric} ${fmt(now)} is below --min ${floor.value}`,
      });
    }
  }

  const baselineComparisons = baseline === undefined ? [] : compareWithBaseline(current, baseline, options.statistics ?? {});
  if (options.failUnlessEquivalent) {
    const margin = options.statistics?.margin;
    if (margin === undefined) throw new RagError('usage', 'failUnlessEquivalent needs statistics.margin (e.g. 0.01)', { details: { advice: 'equivalence-margin' } });
    const against = baseline === undefined ? (current.comparisons ?? []) : baselineComparisons;
    const where = baseline === undefined ? '' : ` in ${options.baselineFile ?? 'the baseline file'}`;
    for (const c of against) checks.push(equivalenceCheck(c, margin, where));
    if (baseline !== undefined) {
      for (const run of current.runs) {
        if (baselineComparisons.some((c) => sameRun(c.candidate, run))) continue;
        if (!baseline.runs.some((b) => sameRun(b, run))) continue;
        checks.push({
          run: { model: run.model, mode: run.mode },
          metric: options.statistics?.metric ?? 'ndcg_at_10',
          kind: 'equivalence',
          baseline: null,
          current: currentValue(run, options.statistics?.metric ?? 'ndcg_at_10'),
          threshold: margin,
          passed: false,
          message: `${runLabel(run)}: equivalence within ±${margin} cannot be shown: ${options.baselineFile ?? 'the baseline'} has no per-query scores for it (re-create it with this rag)`,
        });
      }
    }
  }

  const missingFromCurrent =
    baseline === undefined || options.maxDrop === undefined
      ? []
      : baseline.runs.filter((b) => !current.runs.some((r) => sameRun(r, b))).map((b) => ({ model: b.model, mode: b.mode }));
  const violations = checks.filter((c) => !c.passed);
  return {
    passed: violations.length === 0,
    checks,
    violations,
    missingFromBaseline,
    missingFromCurrent,
    notes: noteDetails.map(noteText),
    noteDetails,
    baselineFile: baseline === undefined ? null : (options.baselineFile ?? null),
    baselineComparisons,
  };
}

function perQueryOf(perQuery: Record<string, { metrics: Record<string, number> }> | Record<string, Record<string, number>>, metric: string, nested: boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const [qid, v] of Object.entries(perQuery)) {
    const metrics = nested ? (v as { metrics: Record<string, number> }).metrics : (v as Record<string, number>);
    out.set(qid, metrics[metric] ?? 0);
  }
  return out;
}

/** Each current run against the same run of the baseline file, paired by query id. */
function compareWithBaseline(current: GateInput, baseline: BaselineResults, statistics: ComparisonOptions): RunComparison[] {
  const metric = statistics.metric ?? 'ndcg_at_10';
  const pairs: Array<{ baseline: RunKey; candidate: RunKey; a: number[]; b: number[] }> = [];
  for (const run of current.runs) {
    const base = baseline.runs.find((b) => sameRun(b, run));
    if (base?.perQuery === undefined || run.perQuery === undefined) continue;
    const { a, b } = alignByQuery(perQueryOf(base.perQuery, metric, false), perQueryOf(run.perQuery, metric, true));
    if (a.length === 0) continue;
    pairs.push({ baseline: { model: base.model, mode: base.mode }, candidate: { model: run.model, mode: run.mode }, a, b });
  }
  return compareRuns(pairs, metric, statistics);
}

function equivalenceCheck(c: RunComparison, margin: number, where: string): GateCheck {
  const e = c.equivalence;
  const passed = e?.verdict === 'equivalent';
  const ci = e === null ? '' : `, ${Math.round((1 - 2 * e.alpha) * 100)}% CI [${fmtSigned(e.ci[0])}, ${fmtSigned(e.ci[1])}]`;
  const head = `${runLabel(c.candidate)} vs ${runLabel(c.baseline)}${where}: ${c.metric} Δ ${fmtSigned(c.result.meanDiff)}${ci}`;
  return {
    run: c.candidate,
    metric: c.metric,
    kind: 'equivalence',
    baseline: c.result.meanA,
    current: c.result.meanB,
    threshold: margin,
    passed,
    message:
      e === null
        ? `${head}: too few paired queries for an equivalence test`
        : passed
          ? `${head}: ${describeEquivalence(e)} (TOST p ${e.pValue.toPrecision(2)})`
          : `${head}: not shown equivalent within ±${margin} (TOST p ${e.pValue.toPrecision(2)}${e.verdict === 'non-inferior' ? `; it is ${describeEquivalence(e)}` : ''}), required by --fail-unless-equivalent`,
  };
}

function noteText(note: GateNote): string {
  return note.kind === 'dataset-changed'
    ? `dataset differs from the baseline's (${note.baseline} vs ${note.current}): metric differences may come from the data`
    : `${runLabel(note.run)}: baseline has no ${note.metric}, drop not checked`;
}

function fmtSigned(x: number): string {
  return `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(4)}`;
}
