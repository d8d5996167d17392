/**
 * Multiple-testing corrections, TOST equivalence, power and the distribution functions they use,
 * checked against worked examples and scipy reference values (scipy 1.17.1; the calls are named
 * next to each number so they can be re-run), plus property tests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalQuantile, studentTCdf, studentTQuantile } from '../src/eval/distributions.js';
import { adjustPValues, benjaminiHochberg, holm, parseCorrection } from '../src/eval/multiple-testing.js';
import { describeEquivalence, tost } from '../src/eval/equivalence.js';
import { minimumDetectableEffect, powerMultiplier, queriesNeeded, sampleSd } from '../src/eval/power.js';
import { mulberry32, winsTiesLosses } from '../src/eval/stats.js';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
}

function uniforms(seed: number, n: number): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => next() / 4294967296);
}

// Benjamini & Hochberg (1995), section 4: 15 p-values from a clinical trial. At 0.05 their
// procedure rejects the first four; Bonferroni (and Holm) only the first three.
const BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];

describe('holm', () => {
  it('matches the hand-computed step-down values on the BH 1995 example', () => {
    // (m − j + 1)·p_(j), made monotone: 15·.0001, 14·.0004, 13·.0019, 12·.0095, 11·.0201, 10·.0278,
    // max(9·.0298, .278), max(8·.0344, .278), 7·.0459, then min(1, 6·.324) = 1 onwards.
    const expected = [0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1, 1, 1, 1];
    holm(BH_1995).forEach((p, i) => close(p, expected[i]!, 1e-12, `p'[${i}]`));
    assert.equal(holm(BH_1995).filter((p) => p < 0.05).length, 3);
  });

  it('keeps input order for unsorted p-values and handles ties', () => {
    // Sorted .01, .02, .04: 3·.01 = .03, 2·.02 = .04, max(.04, 1·.04) = .04; back in input order.
    assert.deepEqual(holm([0.04, 0.01, 0.02]).map((p) => +p.toFixed(12)), [0.04, 0.03, 0.04]);
    assert.deepEqual(holm([0.01, 0.01]).map((p) => +p.toFixed(12)), [0.02, 0.02]);
    assert.deepEqual(holm([]), []);
    assert.deepEqual(holm([0.3]), [0.3]);
  });

  it('property: never below the raw p, never above 1, monotone in the raw order, never below BH', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const m = 1 + (seed % 12);
      const ps = uniforms(seed, m).map((u) => u ** 3);
      const h = holm(ps);
      const b = benjaminiHochberg(ps);
      for (let i = 0; i < m; i += 1) {
        assert.ok(h[i]! >= ps[i]! - 1e-15 && h[i]! <= 1, `seed ${seed}`);
        assert.ok(b[i]! >= ps[i]! - 1e-15 && b[i]! <= h[i]! + 1e-15, `seed ${seed}: BH ${b[i]} > Holm ${h[i]}`);
        for (let j = 0; j < m; j += 1) {
          if (ps[i]! < ps[j]!) {
            assert.ok(h[i]! <= h[j]! + 1e-15, `holm not monotone, seed ${seed}`);
            assert.ok(b[i]! <= b[j]! + 1e-15, `bh not monotone, seed ${seed}`);
          }
        }
      }
    }
  });

  it('rejects p-values outside [0, 1]', () => {
    assert.throws(() => holm([0.5, 1.2]), /p-values must be in \[0, 1\]/);
    assert.throws(() => benjaminiHochberg([Number.NaN]), /p-values must be in \[0, 1\]/);
  });
});

describe('benjaminiHochberg', () => {
  it('matches the hand-computed step-up values on the BH 1995 example (4 rejections at 0.05)', () => {
    // m·p_(j)/j, then the running minimum from the largest p down.
    const expected = [
      0.0015, 0.003, 0.0095, 0.035625, 0.0603, 15 * 0.0298 / 7, 15 * 0.0298 / 7, 15 * 0.0344 / 8, 15 * 0.0459 / 9,
      15 * 0.324 / 10, 15 * 0.4262 / 11, 15 * 0.5719 / 12, 15 * 0.6528 / 13, 15 * 0.759 / 14, 1,
    ];
    benjaminiHochberg(BH_1995).forEach((p, i) => close(p, expected[i]!, 1e-12, `q[${i}]`));
    assert.equal(benjaminiHochberg(BH_1995).filter((p) => p < 0.05).length, 4);
  });
});

describe('adjustPValues / parseCorrection', () => {
  it('dispatches by method and parses the flag', () => {
    const ps = [0.01, 0.04, 0.03];
    assert.deepEqual(adjustPValues(ps, 'none'), ps);
    assert.deepEqual(adjustPValues(ps, 'holm'), holm(ps));
    assert.deepEqual(adjustPValues(ps, 'bh'), benjaminiHochberg(ps));
    assert.equal(parseCorrection('Holm'), 'holm');
    assert.throws(() => parseCorrection('bonferroni'), /: unknown correction "bonferroni"; use none, holm, bh$/);
  });
});

describe('distributions', () => {
  it('normalQuantile matches scipy.stats.norm.ppf', () => {
    close(normalQuantile(0.975), 1.959963984540054, 1e-14, 'ppf(.975)');
    close(normalQuantile(0.8), 0.8416212335729143, 1e-14, 'ppf(.8)');
    close(normalQuantile(0.3), -0.5244005127080409, 1e-14, 'ppf(.3)');
    close(normalQuantile(1e-10), -6.361340902404056, 1e-12, 'ppf(1e-10)');
    assert.equal(normalQuantile(0.5), 0);
  });

  it('studentTCdf and studentTQuantile match scipy.stats.t', () => {
    close(studentTCdf(2.0, 5), 0.9490302605850708, 1e-12, 't.cdf(2, 5)');
    close(studentTCdf(-1.3, 12), 0.10900858554175706, 1e-12, 't.cdf(-1.3, 12)');
    close(studentTCdf(0.5, 1), 0.6475836176504333, 1e-12, 't.cdf(.5, 1)');
    close(studentTCdf(3.1, 200), 0.9988929010508344, 1e-12, 't.cdf(3.1, 200)');
    close(studentTCdf(1.7, 29), 0.9500831042557654, 1e-12, 't.cdf(1.7, 29)');
    close(studentTQuantile(0.95, 9), 1.833112932656237, 1e-10, 't.ppf(.95, 9)');
    close(studentTQuantile(0.95, 99), 1.6603911560169906, 1e-10, 't.ppf(.95, 99)');
    close(studentTQuantile(0.975, 4), 2.7764451051977934, 1e-10, 't.ppf(.975, 4)');
  });
});

describe('tost', () => {
  // Mean 0.00625, sd 0.012996…, n 12. Reference: scipy.stats.ttest_1samp(d, -δ, alternative='greater')
  // and ttest_1samp(d, +δ, alternative='less'); CI from t.ppf(0.95, 11).
  const d = [0.02, -0.01, 0.03, 0.0, 0.01, -0.02, 0.015, 0.005, 0.0, 0.01, -0.005, 0.02];

  it('matches scipy one-sided t tests and the 90% CI', () => {
    const r = tost(d, 0.02);
    close(r.pLower, 2.4683798778301746e-5, 1e-12, 'pLower');
    close(r.pUpper, 0.0031635522527089493, 1e-12, 'pUpper');
    close(r.pValue, 0.0031635522527089493, 1e-12, 'p');
    close(r.ci[0], -0.0010920759876830877, 1e-12, 'ci lo');
    close(r.ci[1], 0.01359207598768309, 1e-12, 'ci hi');
    assert.equal(r.verdict, 'equivalent');
    assert.ok(r.ci[0] > -0.02 && r.ci[1] < 0.02, 'equivalent exactly when the 90% CI is inside the margins');
  });

  it('not worse by more than δ when only the lower test rejects', () => {
    const r = tost(d, 0.01);
    close(r.pLower, 0.0010890978893304873, 1e-12, 'pLower');
    close(r.pUpper, 0.18934012382211138, 1e-12, 'pUpper');
    assert.equal(r.verdict, 'non-inferior');
    assert.equal(describeEquivalence(r), 'not worse by more than 0.01');
    assert.equal(describeEquivalence({ margin: 0.02, verdict: 'equivalent' }), 'equivalent within ±0.02');
  });

  it('not shown when the runs are far apart or the set is tiny', () => {
    assert.equal(tost(d.map((x) => x - 0.05), 0.01).verdict, 'not-shown');
    assert.equal(tost([0.3, -0.3, 0.2], 0.01).verdict, 'not-shown');
  });

  it('property: symmetric (negating the differences swaps the two one-sided p-values)', () => {
    for (let seed = 1; seed <= 50; seed += 1) {
      const diffs = uniforms(seed, 5 + (seed % 40)).map((u) => (u - 0.45) * 0.2);
      const r = tost(diffs, 0.02);
      const s = tost(diffs.map((x) => -x), 0.02);
      close(r.pLower, s.pUpper, 1e-12, `seed ${seed}`);
      close(r.pUpper, s.pLower, 1e-12, `seed ${seed}`);
      close(r.pValue, s.pValue, 1e-12, `seed ${seed}`);
      // Equivalence ⇔ the (1 − 2α) CI inside (−δ, δ).
      assert.equal(r.verdict === 'equivalent', r.ci[0] > -0.02 && r.ci[1] < 0.02, `seed ${seed}`);
    }
  });

  it('constant differences: decided by the mean alone', () => {
    assert.equal(tost([0.005, 0.005, 0.005], 0.01).verdict, 'equivalent');
    assert.equal(tost([-0.02, -0.02], 0.01).verdict, 'not-shown');
    assert.throws(() => tost([0.1], 0.01), /at least 2/);
    assert.throws(() => tost(d, 0), /margin must be positive/);
  });
});

describe('power', () => {
  it('the multiplier is z_{0.975} + z_{0.8} = 2.8016 (REFERENCES: 2.80 · sd/√n)', () => {
    close(powerMultiplier(), 1.959963984540054 + 0.8416212335729143, 1e-13);
    close(powerMultiplier({ alpha: 0.01, power: 0.9 }), 2.5758293035489004 + 1.2815515655446004, 1e-12);
  });

  it('MDE and queries needed, by hand', () => {
    // sd 0.2, n 100: 2.80159 · 0.2 / 10 = 0.0560317.
    close(minimumDetectableEffect(0.2, 100), 0.2 * (1.959963984540054 + 0.8416212335729143) / 10, 1e-13);
    // sd 0.25, Δ 0.05: (2.80159 · 5)² = 196.22 → 197 queries.
    assert.equal(queriesNeeded(0.25, 0.05), 197);
    // Inverse of each other: n queries detect MDE(n), and MDE(n) needs n queries.
    for (const n of [10, 57, 300, 1000]) assert.equal(queriesNeeded(0.3, minimumDetectableEffect(0.3, n)), n);
    assert.equal(queriesNeeded(0, 0.01), 2);
    assert.throws(() => queriesNeeded(0.2, 0), /effect must be positive/);
  });

  it('sampleSd uses n − 1', () => {
    close(sampleSd([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-15);
    assert.equal(sampleSd([7]), 0);
  });
});

describe('winsTiesLosses', () => {
  it('counts per-query outcomes of B against A, float noise as a tie', () => {
    assert.deepEqual(winsTiesLosses([0.5, 0.2, 0.1, 0.3], [0.6, 0.2, 0.0, 0.1 + 0.2]), { wins: 1, ties: 2, losses: 1 });
    assert.throws(() => winsTiesLosses([1], []), /differ in length/);
  });
});
