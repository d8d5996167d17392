/**
 * Multiple-comparison corrections. One eval compares every run with the first; with ten runs
 * one of nine raw p-values below 0.05 is expected by chance alone. Adjusted p-values keep the
 * "significant" mark honest over the whole run.
 */
import { RagError } from '../errors.js';

/** How raw p-values are adjusted: `holm` controls the family-wise error rate, `bh` the false discovery rate. */
export type Correction = 'none' | 'holm' | 'bh';
export const CORRECTIONS: readonly Correction[] = ['none', 'holm', 'bh'];

export function parseCorrection(text: string): Correction {
  const c = CORRECTIONS.find((x) => x === text.trim().toLowerCase());
  if (c === undefined) {
    const choices = CORRECTIONS.join(', ');
    throw new RagError('usage', `unknown correction "${text}"; use ${choices}`, { details: { advice: 'correction-unknown', text, choices } });
  }
  return c;
}

function checkP(ps: readonly number[]): void {
  for (const p of ps) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  }
}

/** Indices of `ps` in ascending order of p (stable, so equal p-values keep their input order). */
function ascending(ps: readonly number[]): number[] {
  return ps.map((_, i) => i).sort((i, j) => ps[i]! - ps[j]! || i - j);
}

/**
 * Holm–Bonferroni step-down adjusted p-values, in input order:
 * with p_(1) ≤ … ≤ p_(m), p'_(i) = max_{j ≤ i} min(1, (m − j + 1) · p_(j)).
 * Never below the raw p-value; rejecting p' < α controls the family-wise error rate at α.
 */
export function holm(ps: readonly number[]): number[] {
  checkP(ps);
  const m = ps.length;
  const order = ascending(ps);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * ps[idx]!));
    out[idx] = running;
  });
  return out;
}

/**
 * Benjamini–Hochberg step-up adjusted p-values (q-values), in input order:
 * p'_(i) = min_{j ≥ i} min(1, m · p_(j) / j). Rejecting p' < α controls the false discovery rate at α.
 */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  checkP(ps);
  const m = ps.length;
  const order = ascending(ps);
  const out = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank -= 1) {
    const idx = order[rank]!;
    running = Math.min(running, Math.min(1, (m * ps[idx]!) / (rank + 1)));
    out[idx] = running;
  }
  return out;
}

/** The adjusted p-values under `correction` (`none` returns a copy). */
export function adjustPValues(ps: readonly number[], correction: Correction): number[] {
  if (correction === 'holm') return holm(ps);
  if (correction === 'bh') return benjaminiHochberg(ps);
  checkP(ps);
  return [...ps];
}
