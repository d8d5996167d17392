/**
 * Is run B really better than run A on this query set, or is the difference noise?
 * Paired statistics over per-query scores (e.g. nDCG@10), reproducible through a seeded PRNG.
 */
import { RagError } from '../errors.js';
import { mulberry32 } from '../random.js';

// The PRNG lives in one place; re-exported because stats callers pass seeds around.
export { mulberry32 };

/** Uniform float in [0, 1) from a uint32 generator. */
function uniform(next: () => number): number {
  return next() / 4294967296;
}

/** Options of {@link pairedComparison}. */
export interface PairedComparisonOptions {
  /** PRNG seed; default 42. */
  seed?: number;
  /** Bootstrap resamples for the confidence interval; default 10,000. */
  resamples?: number;
  /** Random sign-flip permutations for the p-value; default 10,000. */
  permutations?: number;
  /** Confidence level of the interval; default 0.95. */
  confidence?: number;
}

/** Outcome of a paired comparison of candidate B against baseline A (difference = B − A). */
export interface PairedComparison {
  /** Number of paired queries. */
  n: number;
  meanA: number;
  meanB: number;
  /** Mean of the per-query differences B − A (positive: B is better). */
  meanDiff: number;
  /** Percentile paired-bootstrap confidence interval of `meanDiff`. */
  ci: [number, number];
  confidence: number;
  /** Two-sided paired randomization (sign-flip) test p-value, with the +1 correction. */
  pValue: number;
  /** The parameters, so a reader can reproduce the numbers. */
  method: {
    ci: 'paired-bootstrap-percentile';
    test: 'paired-sign-flip-randomization';
    seed: number;
    resamples: number;
    permutations: number;
  };
}

// Differences of means that agree to this many ulps-ish are treated as equal, so that
// floating-point noise in summing the same numbers in another order never decides a p-value.
const TIE_EPSILON = 1e-12;

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length === 0 ? 0 : s / xs.length;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RagError('usage', `invalid ${name} ${String(v)}: expected a positive integer`);
}

/**
 * Compares two runs query by query. `a[i]` and `b[i]` must be the scores of the same query
 * (see {@link alignByQuery}).
 *
 * - Confidence interval: resample the n query differences with replacement `resamples` times and
 *   take the (1−confidence)/2 and (1+confidence)/2 percentiles of the resampled means.
 * - p-value: under the null hypothesis each difference is equally likely to have either sign; flip
 *   signs at random `permutations` times and count means at least as extreme as the observed one:
 *   p = (count + 1) / (permutations + 1), which is never 0 and is exactly 1 for identical runs.
 */
export function pairedComparison(
  a: readonly number[],
  b: readonly number[],
  options: PairedComparisonOptions = {},
): PairedComparison {
  if (a.length !== b.length) {
    throw new Error(`pairedComparison: arrays differ in length (${a.length} vs ${b.length}); align them by query id first`);
  }
  const n = a.length;
  if (n === 0) throw new RagError('usage', 'cannot compare runs: they have no evaluated queries in common');
  const seed = options.seed ?? 42;
  const resamples = options.resamples ?? 10_000;
  const permutations = options.permutations ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  checkPositiveInt('number of resamples', resamples);
  checkPositiveInt('number of permutations', permutations);
  if (!(confidence > 0 && confidence < 1)) throw new RagError('usage', `invalid confidence ${confidence}: expected a value between 0 and 1`);
  if (!Number.isInteger(seed)) throw new RagError('usage', `invalid seed ${seed}: expected an integer`);

  const diffs = new Float64Array(n);
  for (let i = 0; i < n; i += 1) diffs[i] = (b[i] ?? 0) - (a[i] ?? 0);
  const meanDiff = mean([...diffs]);

  // Two independent streams so changing one parameter does not shift the other's numbers.
  const bootRng = mulberry32(seed);
  const permRng = mulberry32((seed ^ 0x9e3779b9) >>> 0);

  const bootMeans = new Float64Array(resamples);
  for (let r = 0; r < resamples; r += 1) {
    let s = 0;
    for (let i = 0; i < n; i += 1) s += diffs[Math.floor(uniform(bootRng) * n)] ?? 0;
    bootMeans[r] = s / n;
  }
  bootMeans.sort();
  const alpha = 1 - confidence;
  const lo = bootMeans[Math.max(0, Math.floor((alpha / 2) * resamples))] ?? 0;
  const hi = bootMeans[Math.min(resamples - 1, Math.ceil((1 - alpha / 2) * resamples) - 1)] ?? 0;

  const observed = Math.abs(meanDiff);
  let extreme = 0;
  for (let p = 0; p < permutations; p += 1) {
    let s = 0;
    let bits = 0;
    for (let i = 0; i < n; i += 1) {
      if (i % 32 === 0) bits = permRng();
      const d = diffs[i] ?? 0;
      s += (bits >>> i % 32) & 1 ? d : -d;
    }
    if (Math.abs(s / n) >= observed - TIE_EPSILON) extreme += 1;
  }

  return {
    n,
    meanA: mean(a),
    meanB: mean(b),
    meanDiff,
    ci: [lo, hi],
    confidence,
    pValue: (extreme + 1) / (permutations + 1),
    method: {
      ci: 'paired-bootstrap-percentile',
      test: 'paired-sign-flip-randomization',
      seed,
      resamples,
      permutations,
    },
  };
}

/**
 * Exact two-sided sign-flip p-value by enumerating all 2^n sign patterns (n ≤ 24).
 * The reference the Monte Carlo test in {@link pairedComparison} approximates.
 */
export function exactSignFlipPValue(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  if (n !== b.length) throw new Error('exactSignFlipPValue: arrays differ in length');
  if (n === 0 || n > 24) throw new Error(`exactSignFlipPValue: n must be 1..24, got ${n}`);
  const diffs = a.map((x, i) => (b[i] ?? 0) - x);
  const observed = Math.abs(mean(diffs));
  const total = 2 ** n;
  let extreme = 0;
  for (let mask = 0; mask < total; mask += 1) {
    let s = 0;
    for (let i = 0; i < n; i += 1) s += (mask >>> i) & 1 ? (diffs[i] ?? 0) : -(diffs[i] ?? 0);
    if (Math.abs(s / n) >= observed - TIE_EPSILON) extreme += 1;
  }
  return extreme / total;
}

/**
 * Pairs two runs' per-query scores by query id. Only queries scored in both runs are paired;
 * the others are returned so the caller can report them.
 */
export function alignByQuery(
  baseline: ReadonlyMap<string, number>,
  candidate: ReadonlyMap<string, number>,
): { queryIds: string[]; a: number[]; b: number[]; onlyInBaseline: string[]; onlyInCandidate: string[] } {
  const queryIds: string[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const onlyInBaseline: string[] = [];
  for (const [qid, score] of baseline) {
    const other = candidate.get(qid);
    if (other === undefined) {
      onlyInBaseline.push(qid);
      continue;
    }
    queryIds.push(qid);
    a.push(score);
    b.push(other);
  }
  const onlyInCandidate = [...candidate.keys()].filter((qid) => !baseline.has(qid));
  return { queryIds, a, b, onlyInBaseline, onlyInCandidate };
}

/** Per-query outcome counts of candidate B against baseline A. */
export interface WinsTiesLosses {
  /** Queries where B scores higher than A. */
  wins: number;
  /** Queries where both score the same (within float noise). */
  ties: number;
  /** Queries where B scores lower than A. */
  losses: number;
}

/** Counts queries B wins, ties and loses against A (`a[i]`, `b[i]` the same query). */
export function winsTiesLosses(a: readonly number[], b: readonly number[]): WinsTiesLosses {
  if (a.length !== b.length) throw new Error(`winsTiesLosses: arrays differ in length (${a.length} vs ${b.length})`);
  let wins = 0;
  let ties = 0;
  let losses = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d > TIE_EPSILON) wins += 1;
    else if (d < -TIE_EPSILON) losses += 1;
    else ties += 1;
  }
  return { wins, ties, losses };
}
