/**
 * Every statistic a comparison of two runs carries, computed in one place so results.json, the
 * terminal table and the reports can never disagree: the paired bootstrap CI and randomization
 * p-value, wins/ties/losses, p-values adjusted over all comparisons of the evaluation, power
 * (MDE, queries needed) and, with a margin, TOST equivalence.
 */
import { RagError } from '../errors.js';
import { tost } from './equivalence.js';
import { metricKey } from './metrics.js';
import { benjaminiHochberg, holm } from './multiple-testing.js';
import type { Correction } from './multiple-testing.js';
import { minimumDetectableEffect, queriesNeeded, sampleSd } from './power.js';
import { alignByQuery, pairedComparison, winsTiesLosses } from './stats.js';
import type { PowerSummary, RunComparison, RunKey, RunResult } from './types.js';

/** Options of {@link compareRuns}; every field has a default. */
export interface ComparisonOptions {
  /** PRNG seed of the bootstrap and randomization tests; default 42. */
  seed?: number;
  resamples?: number;
  permutations?: number;
  /** Which adjusted p-value decides "significant"; default `holm`. */
  correction?: Correction;
  /** Significance level; default 0.05. */
  alpha?: number;
  /** Power the MDE and "queries needed" are computed for; default 0.8. */
  power?: number;
  /** Equivalence margin δ: run TOST and report a verdict (none without it). */
  margin?: number;
  /** The difference that matters to you: queries needed to detect it, underpowered flag. Default: `margin`. */
  effect?: number;
  /** Per-query metric compared; default nDCG@10, or nDCG at the largest k when 10 was not computed. */
  metric?: string;
}

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_POWER = 0.8;

/** One paired comparison before the family-wide correction. */
interface Pair {
  baseline: RunKey;
  candidate: RunKey;
  a: number[];
  b: number[];
}

/** nDCG@10 when computed, else nDCG at the largest k the runs have. */
export function headlineMetric(runs: readonly RunResult[]): string {
  const available = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
  if (available.has('ndcg_at_10') || available.size === 0) return 'ndcg_at_10';
  const ndcg = [...available].filter((k) => k.startsWith('ndcg_at_')).sort((x, y) => Number(y.slice(8)) - Number(x.slice(8)));
  return ndcg[0] ?? metricKey('ndcg', 10);
}

function perQuery(run: RunResult, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [qid, r] of Object.entries(run.perQuery)) out.set(qid, r.metrics[metric] ?? 0);
  return out;
}

function checkOptions(o: ComparisonOptions): void {
  const inUnit = (name: string, v: number | undefined, lo: number, hi: number): void => {
    if (v !== undefined && !(v > lo && v < hi)) throw new RagError('usage', `invalid ${name} ${v}: expected a number between ${lo} and ${hi}`);
  };
  inUnit('--margin', o.margin, 0, 1);
  inUnit('--effect', o.effect, 0, 1);
  inUnit('alpha', o.alpha, 0, 0.5);
  inUnit('power', o.power, 0, 1);
}

/** Every run after the first against the first, with the family of p-values corrected together. */
export function compareToFirst(runs: readonly RunResult[], options: ComparisonOptions = {}): RunComparison[] {
  const first = runs[0];
  if (!first) return [];
  const metric = options.metric ?? headlineMetric(runs);
  const base = perQuery(first, metric);
  const pairs: Pair[] = runs.slice(1).map((run) => {
    const { a, b } = alignByQuery(base, perQuery(run, metric));
    return { baseline: { model: first.model, mode: first.mode }, candidate: { model: run.model, mode: run.mode }, a, b };
  });
  return compareRuns(pairs, metric, options);
}

/**
 * Compares each (baseline, candidate) pair of aligned per-query scores; the p-values of all pairs
 * form one family for Holm and BH.
 */
export function compareRuns(
  pairs: ReadonlyArray<{ baseline: RunKey; candidate: RunKey; a: readonly number[]; b: readonly number[] }>,
  metric: string,
  options: ComparisonOptions = {},
): RunComparison[] {
  checkOptions(options);
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const power = options.power ?? DEFAULT_POWER;
  const correction = options.correction ?? 'holm';
  const effect = options.effect ?? options.margin;
  const results = pairs.map((p) =>
    pairedComparison(p.a, p.b, {
      seed: options.seed ?? 42,
      ...(options.resamples === undefined ? {} : { resamples: options.resamples }),
      ...(options.permutations === undefined ? {} : { permutations: options.permutations }),
    }),
  );
  const raw = results.map((r) => r.pValue);
  const pHolm = holm(raw);
  const pBH = benjaminiHochberg(raw);
  return pairs.map((p, i) => {
    const result = results[i]!;
    const diffs = p.b.map((x, j) => x - (p.a[j] ?? 0));
    const pAdjusted = correction === 'holm' ? pHolm[i]! : correction === 'bh' ? pBH[i]! : raw[i]!;
    const significant = pAdjusted < alpha;
    const sdDiff = sampleSd(diffs);
    const mde = minimumDetectableEffect(sdDiff, result.n, { alpha, power });
    const needed = effect === undefined ? null : queriesNeeded(sdDiff, effect, { alpha, power });
    const powerSummary: PowerSummary = {
      alpha,
      power,
      sdDiff,
      mde,
      effect: effect ?? null,
      queriesNeeded: needed,
      // With an effect that matters: fewer queries than it needs. Without: a non-significant
      // difference smaller than what the set can detect says nothing either way.
      underpowered: needed !== null ? result.n < needed : !significant && Math.abs(result.meanDiff) < mde,
    };
    return {
      baseline: p.baseline,
      candidate: p.candidate,
      metric,
      result,
      ...winsTiesLosses(p.a, p.b),
      pHolm: pHolm[i]!,
      pBH: pBH[i]!,
      correction,
      pAdjusted,
      alpha,
      significant,
      power: powerSummary,
      equivalence: options.margin === undefined || diffs.length < 2 ? null : tost(diffs, options.margin, alpha),
    };
  });
}
