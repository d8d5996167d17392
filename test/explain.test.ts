/**
 * Per-query failure analysis: which queries B loses most against A, both runs' top documents with
 * relevant ones marked, relevant ranks; natural query-id order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareQueryIds, explainLosses, explanationLines, findRun } from '../src/eval/explain.js';
import type { EvalResults, RunResult } from '../src/eval/types.js';

function run(model: string, mode: RunResult['mode'], perQuery: Record<string, [number, string[]]>): RunResult {
  const relevant: Record<string, string[]> = { '2': ['d1'], '13': ['d2'], '128': ['d3'] };
  return {
    model,
    mode,
    config: {},
    metrics: {},
    evaluatedQueries: Object.keys(perQuery).length,
    skippedQueries: [],
    unrankedQueries: [],
    perQuery: Object.fromEntries(
      Object.entries(perQuery).map(([qid, [ndcg, top]]) => [
        qid,
        { metrics: { ndcg_at_10: ndcg }, top, ranks: Object.fromEntries((relevant[qid] ?? []).map((d) => [d, top.includes(d) ? top.indexOf(d) + 1 : null])) },
      ]),
    ),
    cost: { embedSeconds: 0, chunksPerSecond: null, chunks: 0, dimension: null, indexBytes: 0, truncatedChunks: 0, querySeconds: 0, wallSeconds: 0 },
  };
}

function results(): EvalResults {
  const a = run('m', 'dense', { '2': [1, ['d1', 'x']], '13': [1, ['d2']], '128': [1, ['d3']] });
  const b = run('m', 'bm25', { '2': [0.5, ['x', 'd1']], '13': [0, ['x']], '128': [0, ['y']] });
  return {
    formatVersion: 1,
    createdAt: '',
    toolVersion: '',
    dataset: {
      name: 't', layout: 'simple', path: 't', fingerprint: 'sha256:0', documents: 5, queries: 3, qrels: 3,
      warnings: { unknownDocuments: { count: 0, examples: [] }, unknownQueries: { count: 0, examples: [] }, duplicateLabels: { count: 0, examples: [] }, unjudgedQueries: { count: 0, examples: [] } },
    },
    ks: [10],
    queries: [
      { id: '2', text: 'two', relevant: { d1: 1 } },
      { id: '13', text: 'thirteen', relevant: { d2: 2 } },
      { id: '128', text: 'one two eight', relevant: { d3: 1 } },
    ],
    runs: [a, b],
    comparisons: [],
    documents: { d1: { title: 'Doc one', snippet: 'first' }, x: { snippet: 'noise' } },
  };
}

describe('compareQueryIds', () => {
  it('orders ids naturally: 2 < 13 < 128, q2 < q10', () => {
    assert.deepEqual(['128', '13', '2'].sort(compareQueryIds), ['2', '13', '128']);
    assert.deepEqual(['q10', 'q2', 'q1'].sort(compareQueryIds), ['q1', 'q2', 'q10']);
  });
});

describe('explainLosses', () => {
  it('lists the losses worst first, ties in natural id order, with both runs’ top documents', () => {
    const r = results();
    const x = explainLosses(r, r.runs[0]!, r.runs[1]!);
    assert.equal(x.paired, 3);
    assert.equal(x.losses, 3);
    assert.deepEqual(x.queries.map((q) => [q.id, q.delta]), [['13', -1], ['128', -1], ['2', -0.5]]);
    const q2 = x.queries[2]!;
    assert.deepEqual(q2.a.top, [{ docId: 'd1', title: 'Doc one', snippet: 'first', grade: 1 }, { docId: 'x', snippet: 'noise', grade: 0 }]);
    assert.deepEqual(q2.b.ranks, { d1: 2 });
    assert.equal(explainLosses(r, r.runs[0]!, r.runs[1]!, { limit: 1 }).queries.length, 1);
    // B against itself loses nothing.
    assert.equal(explainLosses(r, r.runs[1]!, r.runs[1]!).losses, 0);
    const text = explanationLines(x);
    assert.equal(text[0], 'where m (bm25) loses most against m (dense) (ndcg_at_10): 3 of 3 losing queries (3 paired)');
    assert.ok(text.includes('    2. ✓ d1 · Doc one · first'), text.join('\n'));
  });

  it('finds runs by MODEL, MODEL:MODE or MODEL (MODE), and says which runs exist', () => {
    const r = results();
    assert.equal(findRun(r, 'm:bm25').mode, 'bm25');
    assert.equal(findRun(r, 'M (dense)').mode, 'dense');
    assert.throws(() => findRun(r, 'm'), /: run "m" names 2 runs; add the mode, e.g. m:dense$/);
    assert.throws(() => findRun(r, 'zz'), /: no run "zz" in this evaluation \(runs: m:dense, m:bm25\)$/);
  });
});
