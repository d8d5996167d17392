import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alignByQuery, exactSignFlipPValue, mulberry32, pairedComparison } from '../src/eval/stats.js';
import { RagError } from '../src/errors.js';

function series(seed: number, n: number): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => next() / 4294967296);
}

describe('mulberry32', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    assert.deepEqual(series(7, 5), series(7, 5));
    assert.notDeepEqual(series(7, 5), series(8, 5));
    const xs = series(1, 10_000);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(m - 0.5) < 0.02, `mean ${m}`);
  });
});

describe('pairedComparison', () => {
  it('identical runs: difference 0, CI [0, 0], p = 1', () => {
    const a = series(3, 50);
    const r = pairedComparison(a, [...a]);
    assert.equal(r.meanDiff, 0);
    assert.deepEqual(r.ci, [0, 0]);
    assert.equal(r.pValue, 1);
    assert.equal(r.n, 50);
    assert.deepEqual(r.method, {
      ci: 'paired-bootstrap-percentile',
      test: 'paired-sign-flip-randomization',
      seed: 42,
      resamples: 10_000,
      permutations: 10_000,
    });
  });

  it('a large consistent improvement: p < 0.01 and the CI excludes 0', () => {
    const a = series(4, 40).map((x) => x * 0.5);
    const noise = series(5, 40);
    const b = a.map((x, i) => x + 0.2 + 0.05 * (noise[i] ?? 0));
    const r = pairedComparison(a, b);
    assert.ok(r.meanDiff > 0.2 && r.meanDiff < 0.25, `diff ${r.meanDiff}`);
    assert.ok(r.pValue < 0.01, `p ${r.pValue}`);
    // every difference is positive, so no sign flip reaches it except the identity: p = 1/(P+1)
    assert.equal(r.pValue, 1 / 10_001);
    assert.ok(r.ci[0] > 0.2 && r.ci[1] < 0.25 && r.ci[0] <= r.meanDiff && r.meanDiff <= r.ci[1], `ci ${r.ci}`);
  });

  it('is symmetric: swapping the runs negates difference and CI, keeps p', () => {
    const a = series(10, 30);
    const b = series(11, 30);
    const ab = pairedComparison(a, b, { seed: 9 });
    const ba = pairedComparison(b, a, { seed: 9 });
    assert.ok(Math.abs(ab.meanDiff + ba.meanDiff) < 1e-15);
    assert.equal(ab.pValue, ba.pValue);
    assert.ok(Math.abs(ab.ci[0] + ba.ci[1]) < 1e-12 && Math.abs(ab.ci[1] + ba.ci[0]) < 1e-12);
  });

  it('is deterministic for a seed and records the parameters', () => {
    const a = series(20, 60);
    const b = series(21, 60);
    const opts = { seed: 123, resamples: 2000, permutations: 3000 };
    const r1 = pairedComparison(a, b, opts);
    const r2 = pairedComparison(a, b, opts);
    assert.deepEqual(r1, r2);
    assert.equal(r1.method.seed, 123);
    assert.equal(r1.method.resamples, 2000);
    assert.equal(r1.method.permutations, 3000);
    const r3 = pairedComparison(a, b, { ...opts, seed: 124 });
    assert.notDeepEqual(r1.ci, r3.ci);
  });

  it('matches the exact enumeration of all 1024 sign flips on 10 queries', () => {
    const cases: Array<[number[], number[]]> = [
      [series(30, 10), series(31, 10)],
      [series(32, 10), series(33, 10).map((x) => x + 0.15)],
      [
        [0.5, 0.2, 0.9, 0.1, 0.4, 0.7, 0.3, 0.6, 0.8, 0.0],
        [0.6, 0.3, 0.9, 0.3, 0.3, 0.8, 0.5, 0.6, 0.9, 0.1],
      ],
    ];
    for (const [a, b] of cases) {
      const exact = exactSignFlipPValue(a, b);
      const mc = pairedComparison(a, b, { permutations: 20_000, resamples: 100 });
      // Monte Carlo standard error at 20k permutations is <= 0.0036; allow 4 of them.
      assert.ok(Math.abs(mc.pValue - exact) < 0.015, `exact ${exact} vs monte carlo ${mc.pValue}`);
    }
    // Hand-check of the enumeration itself: differences all +1 -> only the identity and the
    // all-negative flip reach |mean| = 1, so p = 2 / 1024.
    assert.equal(exactSignFlipPValue(new Array(10).fill(0), new Array(10).fill(1)), 2 / 1024);
  });

  it('has a CI that covers the mean difference on noisy data', () => {
    const a = series(40, 200);
    const b = series(41, 200);
    const r = pairedComparison(a, b);
    assert.ok(r.ci[0] < r.meanDiff && r.meanDiff < r.ci[1]);
    assert.ok(r.pValue > 0 && r.pValue <= 1);
  });

  it('rejects empty and misaligned input', () => {
    assert.throws(() => pairedComparison([], []), {
      name: 'RagError',
      message: 'cannot compare runs: they have no evaluated queries in common',
    });
    assert.throws(() => pairedComparison([1], [1, 2]), /differ in length/);
    assert.throws(() => pairedComparison([1], [1], { resamples: 0 }), RagError);
    assert.throws(() => pairedComparison([1], [1], { confidence: 1 }), RagError);
  });
});

describe('alignByQuery', () => {
  it('pairs by id and reports the unpaired queries', () => {
    const r = alignByQuery(
      new Map([
        ['q1', 0.1],
        ['q2', 0.2],
        ['q3', 0.3],
      ]),
      new Map([
        ['q3', 0.9],
        ['q1', 0.5],
        ['q4', 1],
      ]),
    );
    assert.deepEqual(r.queryIds, ['q1', 'q3']);
    assert.deepEqual(r.a, [0.1, 0.3]);
    assert.deepEqual(r.b, [0.5, 0.9]);
    assert.deepEqual(r.onlyInBaseline, ['q2']);
    assert.deepEqual(r.onlyInCandidate, ['q4']);
  });
});
