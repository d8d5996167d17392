/**
 * How many queries a comparison needs. For a paired design with per-query differences of
 * standard deviation sd, a two-sided test at level α has power 1 − β against an effect Δ when
 * n ≈ ((z_{1−α/2} + z_{1−β}) · sd / Δ)²; turned around, n queries detect
 * MDE ≈ (z_{1−α/2} + z_{1−β}) · sd / √n (2.80 · sd / √n at α = 0.05, power 0.8).
 * A normal approximation: fine for the hundreds of queries evaluations use, optimistic below ~30.
 */
import { normalQuantile } from './distributions.js';

export interface PowerOptions {
  /** Two-sided significance level; default 0.05. */
  alpha?: number;
  /** 1 − β; default 0.8. */
  power?: number;
}

function checkLevels(alpha: number, power: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`);
}

/** z_{1−α/2} + z_{1−β}: 2.8016 at α = 0.05, power 0.8. */
export function powerMultiplier(options: PowerOptions = {}): number {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  checkLevels(alpha, power);
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
}

/** Sample standard deviation (n − 1 in the denominator); 0 for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** The smallest mean paired difference `n` queries detect with the given α and power. */
export function minimumDetectableEffect(sdDiff: number, n: number, options: PowerOptions = {}): number {
  if (!(n >= 1)) throw new RangeError(`n must be at least 1, got ${n}`);
  if (!(sdDiff >= 0)) throw new RangeError(`sd must be non-negative, got ${sdDiff}`);
  return (powerMultiplier(options) * sdDiff) / Math.sqrt(n);
}

/**
 * Queries needed to detect a mean paired difference `effect` (> 0), rounded up; at least 2 (a
 * standard deviation needs two).
 */
export function queriesNeeded(sdDiff: number, effect: number, options: PowerOptions = {}): number {
  if (!(effect > 0)) throw new RangeError(`effect must be positive, got ${effect}`);
  if (!(sdDiff >= 0)) throw new RangeError(`sd must be non-negative, got ${sdDiff}`);
  const n = ((powerMultiplier(options) * sdDiff) / effect) ** 2;
  // Guard the ceiling against 100.00000000000001-style float noise.
  return Math.max(2, Math.ceil(n - 1e-9));
}
