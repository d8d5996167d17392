import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scoreQuery } from '../src/eval/metrics.js';
import { judgedWarnings } from '../src/eval/judged.js';
import type { RunResult } from '../src/eval/types.js';

const rel = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

describe('judged@k', () => {
  it('hand-worked: [a, x, b, y] with a=1, x=0 judged, b, y unjudged', () => {
    const s = scoreQuery(['a', 'x', 'b', 'y'], rel({ a: 1, x: 0, c: 2 }), [1, 2, 4, 10]);
    assert.equal(s.judged_at_1, 1);
    assert.equal(s.judged_at_2, 1); // a (relevant) and x (judged 0) both carry a label
    assert.equal(s.judged_at_4, 2 / 4);
    // Divided by k like precision: a ranking shorter than k leaves the rest unjudged.
    assert.equal(s.judged_at_10, 2 / 10);
  });

  it('counts a document retrieved twice once', () => {
    const s = scoreQuery(['a', 'a', 'z'], rel({ a: 1 }), [2]);
    assert.equal(s.judged_at_2, 1 / 2);
  });

  it('warns for runs under 0.8 at 10, naming the run and the label command', () => {
    const run = (model: string, judged: number): RunResult => ({
      model,
      mode: 'dense',
      config: {},
      metrics: { ndcg_at_10: 0.5, judged_at_10: judged },
      evaluatedQueries: 1,
      skippedQueries: [],
      unrankedQueries: [],
      perQuery: {},
      cost: { embedSeconds: 0, chunksPerSecond: null, chunks: 1, dimension: 1, indexBytes: 0, truncatedChunks: 0, querySeconds: 0, wallSeconds: 0 },
    });
    const warnings = judgedWarnings([run('full', 0.8), run('sparse', 0.35)]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^sparse \(dense\): judged@10 is 0\.35 \(< 0\.8\), so its scores are a lower bound/);
    assert.match(warnings[0]!, /rag label --dataset DIR --model sparse --mode dense/);
  });
});
