/**
 * Equivalence and non-inferiority of two runs: "is the small model within 0.01 nDCG of the large
 * one?" A non-significant difference does not say that; two one-sided tests (TOST, Schuirmann
 * 1987) do. Equivalent within ±δ when both H0: μ ≤ −δ and H0: μ ≥ +δ are rejected at α, which is
 * the same as the (1 − 2α) confidence interval of the mean paired difference lying inside (−δ, δ).
 * Non-inferior ("not worse by more than δ") when only the first is rejected.
 *
 * Uses the paired t statistic (the classic TOST) on the per-query differences candidate − baseline.
 */
import { studentTCdf, studentTQuantile } from './distributions.js';
import { sampleSd } from './power.js';

export type EquivalenceVerdict = 'equivalent' | 'non-inferior' | 'not-shown';

export interface EquivalenceResult {
  /** δ: differences within ±δ count as no real difference. */
  margin: number;
  alpha: number;
  /** TOST p-value: max(pLower, pUpper). Below alpha means equivalent. */
  pValue: number;
  /** p of H0: mean difference ≤ −δ (rejecting it: candidate not worse by more than δ). */
  pLower: number;
  /** p of H0: mean difference ≥ +δ (rejecting it: candidate not better by more than δ). */
  pUpper: number;
  /** The (1 − 2α) paired t confidence interval of the mean difference. */
  ci: [number, number];
  verdict: EquivalenceVerdict;
}

/** Two one-sided paired t tests of `diffs` (candidate − baseline per query) against ±`margin`. */
export function tost(diffs: readonly number[], margin: number, alpha = 0.05): EquivalenceResult {
  if (!(margin > 0)) throw new RangeError(`margin must be positive, got ${margin}`);
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`alpha must be in (0, 0.5), got ${alpha}`);
  const n = diffs.length;
  if (n < 2) throw new RangeError(`TOST needs at least 2 paired queries, got ${n}`);
  let mean = 0;
  for (const d of diffs) mean += d;
  mean /= n;
  const se = sampleSd(diffs) / Math.sqrt(n);
  const df = n - 1;
  let pLower: number;
  let pUpper: number;
  if (se === 0) {
    // Every query moved by the same amount: the mean is known exactly.
    pLower = mean > -margin ? 0 : 1;
    pUpper = mean < margin ? 0 : 1;
  } else {
    pLower = 1 - studentTCdf((mean + margin) / se, df);
    pUpper = studentTCdf((mean - margin) / se, df);
  }
  const half = se === 0 ? 0 : studentTQuantile(1 - alpha, df) * se;
  const pValue = Math.max(pLower, pUpper);
  const verdict: EquivalenceVerdict = pValue < alpha ? 'equivalent' : pLower < alpha ? 'non-inferior' : 'not-shown';
  return { margin, alpha, pValue, pLower, pUpper, ci: [mean - half, mean + half], verdict };
}

/** The verdict as a person reads it: "equivalent within ±0.01", "not worse by more than 0.01", "not shown". */
export function describeEquivalence(e: Pick<EquivalenceResult, 'margin' | 'verdict'>): string {
  if (e.verdict === 'equivalent') return `equivalent within ±${e.margin}`;
  if (e.verdict === 'non-inferior') return `not worse by more than ${e.margin}`;
  return `equivalence within ±${e.margin} not shown`;
}
