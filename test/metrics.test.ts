import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_KS,
  evaluateRun,
  metricKeys,
  parseMetricKey,
  scoreQuery,
} from '../src/eval/metrics.js';
import { RagError } from '../src/errors.js';

const rel = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

function close(actual: number | undefined, expected: number, label: string): void {
  assert.ok(actual !== undefined, `${label} missing`);
  assert.ok(Math.abs(actual - expected) < 1e-12, `${label}: expected ${expected}, got ${actual}`);
}

const LOG2_3 = Math.log2(3);

describe('scoreQuery', () => {
  it('hand-worked binary example: [a, x, b] with a, b, c relevant', () => {
    const s = scoreQuery(['a', 'x', 'b'], rel({ a: 1, b: 1, c: 1 }), [1, 3, 5]);
    close(s.ndcg_at_1, 1, 'ndcg@1');
    // DCG@3 = 1 + 0 + 1/log2(4) = 1.5; IDCG@3 = 1 + 1/log2(3) + 1/2
    close(s.ndcg_at_3, 1.5 / (1.5 + 1 / LOG2_3), 'ndcg@3');
    close(s.ndcg_at_5, 1.5 / (1.5 + 1 / LOG2_3), 'ndcg@5');
    close(s.recall_at_1, 1 / 3, 'recall@1');
    close(s.recall_at_3, 2 / 3, 'recall@3');
    close(s.precision_at_1, 1, 'precision@1');
    close(s.precision_at_3, 2 / 3, 'precision@3');
    close(s.precision_at_5, 2 / 5, 'precision@5');
    close(s.mrr_at_1, 1, 'mrr@1');
    close(s.mrr_at_5, 1, 'mrr@5');
    // AP@3 = (1/1 + 2/3) / 3 relevant
    close(s.map_at_3, (1 + 2 / 3) / 3, 'map@3');
    close(s.map_at_1, 1 / 3, 'map@1');
    close(s.hit_rate_at_1, 1, 'hit_rate@1');
    assert.deepEqual(Object.keys(s), metricKeys([1, 3, 5]));
  });

  it('takes IDCG from all judged relevant documents, not from the retrieved list', () => {
    // Only a is retrieved (rank 2); b is relevant but never retrieved.
    const s = scoreQuery(['x', 'a'], rel({ a: 1, b: 1 }), [2]);
    // A wrong evaluator would use IDCG = 1 (ideal order of the retrieved list) and report 1/log2(3) = 0.63.
    close(s.ndcg_at_2, 1 / LOG2_3 / (1 + 1 / LOG2_3), 'ndcg@2');
    assert.ok((s.ndcg_at_2 ?? 1) < 0.39);
    close(s.mrr_at_2, 0.5, 'mrr@2');
    close(s.map_at_2, 0.5 / 2, 'map@2');
  });

  it('counts a duplicated id once, at its first rank: no score above 1', () => {
    const s = scoreQuery(['a', 'a', 'a'], rel({ a: 1 }), [1, 3]);
    close(s.ndcg_at_3, 1, 'ndcg@3');
    close(s.recall_at_3, 1, 'recall@3');
    close(s.precision_at_3, 1 / 3, 'precision@3');
    close(s.map_at_3, 1, 'map@3');
    for (const [key, value] of Object.entries(s)) assert.ok(value <= 1, `${key} = ${value}`);

    const later = scoreQuery(['x', 'x', 'a', 'a'], rel({ a: 1 }), [2]);
    // deduplicated ranking is [x, a]: a is at rank 2
    close(later.mrr_at_2, 0.5, 'mrr@2 after dedupe');
    close(later.recall_at_2, 1, 'recall@2 after dedupe');
    close(later.ndcg_at_2, 1 / LOG2_3, 'ndcg@2 after dedupe');
  });

  it('uses graded relevance with linear gain (grade 2 counts twice grade 1)', () => {
    const swapped = scoreQuery(['b', 'a'], rel({ a: 2, b: 1 }), [1, 2]);
    close(swapped.ndcg_at_1, 1 / 2, 'ndcg@1');
    close(swapped.ndcg_at_2, (1 + 2 / LOG2_3) / (2 + 1 / LOG2_3), 'ndcg@2');
    const ideal = scoreQuery(['a', 'b'], rel({ a: 2, b: 1 }), [1, 2]);
    close(ideal.ndcg_at_1, 1, 'ideal ndcg@1');
    close(ideal.ndcg_at_2, 1, 'ideal ndcg@2');
    // Binary metrics ignore the grade.
    close(swapped.recall_at_2, 1, 'recall@2');
    close(swapped.mrr_at_1, 1, 'mrr@1');
  });

  it('treats grade 0 and negative grades as not relevant', () => {
    const s = scoreQuery(['n', 'z', 'a'], rel({ a: 1, z: 0, n: -1 }), [3]);
    close(s.mrr_at_3, 1 / 3, 'mrr@3');
    close(s.ndcg_at_3, 1 / 2, 'ndcg@3');
    close(s.recall_at_3, 1, 'recall@3');
  });

  it('handles k larger than the ranking: precision divides by k', () => {
    const s = scoreQuery(['a'], rel({ a: 1 }), [10, 100]);
    close(s.ndcg_at_10, 1, 'ndcg@10');
    close(s.recall_at_100, 1, 'recall@100');
    close(s.precision_at_10, 0.1, 'precision@10');
    close(s.precision_at_100, 0.01, 'precision@100');
    close(s.map_at_100, 1, 'map@100');
  });

  it('divides MAP@k by all relevant documents (trec_eval map_cut)', () => {
    const s = scoreQuery(['a', 'b'], rel({ a: 1, b: 1, c: 1, d: 1 }), [2]);
    close(s.map_at_2, 0.5, 'map@2');
  });

  it('scores 0 everywhere for a query without relevant documents', () => {
    const s = scoreQuery(['a', 'b'], rel({ a: 0 }), [1, 10]);
    for (const [key, value] of Object.entries(s)) assert.equal(value, 0, key);
    const empty = scoreQuery([], new Map(), [5]);
    assert.equal(empty.ndcg_at_5, 0);
  });

  it('scores an empty ranking 0', () => {
    const s = scoreQuery([], rel({ a: 1 }), [1, 5]);
    for (const [key, value] of Object.entries(s)) assert.equal(value, 0, key);
  });

  it('rejects invalid cut-offs with a RagError', () => {
    assert.throws(() => scoreQuery(['a'], rel({ a: 1 }), [0]), {
      name: 'RagError',
      message: 'invalid cut-off k=0: k must be a positive integer',
    });
    assert.throws(() => scoreQuery(['a'], rel({ a: 1 }), [2.5]), RagError);
    assert.throws(() => scoreQuery(['a'], rel({ a: 1 }), []), RagError);
  });

  it('agrees with a direct per-k reference implementation on random rankings', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const ks = [1, 2, 3, 5, 8, 20];
    for (let trial = 0; trial < 300; trial += 1) {
      const pool = Array.from({ length: 12 }, (_, i) => `d${i}`);
      const labels = new Map<string, number>();
      for (const d of pool) if (rand() < 0.3) labels.set(d, Math.floor(rand() * 4)); // grades 0..3
      const ranked = Array.from({ length: Math.floor(rand() * 15) }, () => pool[Math.floor(rand() * 12)] ?? 'd0');
      const got = scoreQuery(ranked, labels, ks);
      const want = reference(ranked, labels, ks);
      for (const key of Object.keys(want)) close(got[key], want[key] ?? NaN, `trial ${trial} ${key}`);
    }
  });
});

/** Straightforward, slow re-statement of the definitions, computed separately for every k. */
function reference(ranked: string[], labels: Map<string, number>, ks: number[]): Record<string, number> {
  const unique = ranked.filter((d, i) => ranked.indexOf(d) === i);
  const relevantIds = [...labels].filter(([, g]) => g > 0).map(([d]) => d);
  const out: Record<string, number> = {};
  for (const k of ks) {
    const top = unique.slice(0, k);
    const isRel = top.map((d) => (labels.get(d) ?? 0) > 0);
    const nRel = relevantIds.length;
    let dcg = 0;
    top.forEach((d, i) => {
      dcg += Math.max(0, labels.get(d) ?? 0) / Math.log2(i + 2);
    });
    const idealGrades = relevantIds.map((d) => labels.get(d) ?? 0).sort((a, b) => b - a).slice(0, k);
    let idcg = 0;
    idealGrades.forEach((g, i) => {
      idcg += g / Math.log2(i + 2);
    });
    const hits = isRel.filter(Boolean).length;
    const first = isRel.indexOf(true);
    let ap = 0;
    isRel.forEach((r, i) => {
      if (r) ap += isRel.slice(0, i + 1).filter(Boolean).length / (i + 1);
    });
    out[`ndcg_at_${k}`] = nRel === 0 ? 0 : dcg / idcg;
    out[`recall_at_${k}`] = nRel === 0 ? 0 : hits / nRel;
    out[`precision_at_${k}`] = nRel === 0 ? 0 : hits / k;
    out[`mrr_at_${k}`] = nRel === 0 || first < 0 ? 0 : 1 / (first + 1);
    out[`map_at_${k}`] = nRel === 0 ? 0 : ap / nRel;
    out[`hit_rate_at_${k}`] = hits > 0 ? 1 : 0;
  }
  return out;
}

describe('evaluateRun', () => {
  it('averages over queries with relevant documents and lists the skipped ones', () => {
    const qrels = new Map<string, Map<string, number>>([
      ['q1', rel({ a: 1 })],
      ['q2', rel({ b: 1 })],
      ['q3', rel({ c: 0 })], // judged, nothing relevant
      ['q5', rel({ e: 2 })], // judged, not in the run
    ]);
    const run = new Map<string, string[]>([
      ['q1', ['a', 'x']],
      ['q2', ['x', 'b']],
      ['q3', ['c']],
      ['q4', ['d']], // not judged
    ]);
    const r = evaluateRun(run, qrels, [1, 2]);
    assert.equal(r.evaluatedQueries, 3);
    assert.deepEqual(r.skippedQueries, ['q3', 'q4']);
    assert.deepEqual(r.unrankedQueries, ['q5']);
    assert.deepEqual([...r.perQuery.keys()], ['q1', 'q2', 'q5']);
    close(r.mean.mrr_at_1, 1 / 3, 'mean mrr@1');
    close(r.mean.mrr_at_2, (1 + 0.5 + 0) / 3, 'mean mrr@2');
    close(r.mean.recall_at_2, 2 / 3, 'mean recall@2');
    close(r.mean.ndcg_at_2, (1 + 1 / LOG2_3) / 3, 'mean ndcg@2');
    assert.equal(r.perQuery.get('q5')?.ndcg_at_2, 0);
  });

  it('returns zero means and no per-query rows when nothing can be evaluated', () => {
    const r = evaluateRun(new Map([['q', ['a']]]), new Map(), DEFAULT_KS);
    assert.equal(r.evaluatedQueries, 0);
    assert.deepEqual(r.skippedQueries, ['q']);
    assert.equal(r.mean.ndcg_at_10, 0);
    assert.equal(Object.keys(r.mean).length, 7 * DEFAULT_KS.length);
  });
});

describe('parseMetricKey', () => {
  it('parses valid keys and rejects others', () => {
    assert.deepEqual(parseMetricKey('ndcg_at_10'), { name: 'ndcg', k: 10 });
    assert.deepEqual(parseMetricKey('hit_rate_at_1'), { name: 'hit_rate', k: 1 });
    assert.equal(parseMetricKey('ndcg@10'), undefined);
    assert.equal(parseMetricKey('f1_at_10'), undefined);
    assert.equal(parseMetricKey('ndcg_at_0'), undefined);
  });
});
