import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  HEADLINE_METRICS,
  checkGate,
  normalizeMetricName,
  parseMaxDrop,
  parseMetricFloor,
} from '../src/eval/gate.js';
import { parseBaseline, readBaseline } from '../src/eval/report/results-json.js';
import type { BaselineResults } from '../src/eval/report/results-json.js';

const metrics = (ndcg: number, recall: number, mrr: number): Record<string, number> => ({
  ndcg_at_10: ndcg,
  recall_at_10: recall,
  mrr_at_10: mrr,
  map_at_10: 0.5,
});

const baseline: BaselineResults = {
  formatVersion: 1,
  datasetFingerprint: 'sha256:aaa',
  runs: [
    { model: 'bge-small-zh', mode: 'dense', metrics: metrics(0.71, 0.9, 0.65) },
    { model: 'bm25', mode: 'bm25', metrics: metrics(0.6, 0.8, 0.55) },
    { model: 'old-model', mode: 'dense', metrics: metrics(0.5, 0.7, 0.45) },
  ],
};

describe('parsing gate options', () => {
  it('parses --min METRIC=VALUE and rejects unknown metrics', () => {
    assert.deepEqual(parseMetricFloor('ndcg_at_10=0.6'), { metric: 'ndcg_at_10', value: 0.6 });
    assert.deepEqual(parseMetricFloor('Recall@100=0.9'), { metric: 'recall_at_100', value: 0.9 });
    assert.throws(() => parseMetricFloor('f1_at_10=0.5'), {
      name: 'RagError',
      message: 'unknown metric "f1_at_10": use NAME_at_K with NAME one of ndcg, recall, precision, mrr, map, hit_rate, judged (e.g. ndcg_at_10)',
    });
    assert.throws(() => parseMetricFloor('ndcg_at_10'), {
      message: 'invalid metric floor "ndcg_at_10": expected METRIC=VALUE, e.g. ndcg_at_10=0.6',
    });
    assert.throws(() => parseMetricFloor('ndcg_at_10=high'), {
      message: 'invalid metric floor "ndcg_at_10=high": the value must be a number between 0 and 1',
    });
    assert.throws(() => parseMetricFloor('ndcg_at_10=1.5'), { name: 'RagError' });
    assert.throws(() => parseMetricFloor('ndcg_at_10='), { name: 'RagError' });
  });

  it('parses --max-drop', () => {
    assert.equal(parseMaxDrop('0.02'), 0.02);
    assert.equal(parseMaxDrop('0'), 0);
    assert.throws(() => parseMaxDrop('-0.1'), { name: 'RagError' });
    assert.throws(() => parseMaxDrop('two'), { name: 'RagError' });
    assert.throws(() => parseMaxDrop(''), { name: 'RagError' });
  });

  it('names the headline metrics explicitly', () => {
    assert.deepEqual([...HEADLINE_METRICS], ['ndcg_at_10', 'recall_at_10', 'mrr_at_10']);
    assert.equal(normalizeMetricName('nDCG@10'), 'ndcg_at_10');
  });
});

describe('checkGate', () => {
  it('fails a headline metric that dropped by more than --max-drop, matched by (model, mode)', () => {
    const current = {
      dataset: { fingerprint: 'sha256:aaa' },
      runs: [
        { model: 'bge-small-zh', mode: 'dense' as const, metrics: metrics(0.665, 0.89, 0.66) },
        { model: 'bm25', mode: 'bm25' as const, metrics: metrics(0.58, 0.8, 0.55) },
        { model: 'bge-small-zh', mode: 'hybrid' as const, metrics: metrics(0.75, 0.95, 0.7) },
      ],
    };
    const r = checkGate(current, baseline, { maxDrop: 0.02 });
    assert.equal(r.passed, false);
    assert.equal(r.checks.length, 6);
    assert.deepEqual(
      r.violations.map((v) => [v.run.model, v.run.mode, v.metric, v.baseline, v.current]),
      [['bge-small-zh', 'dense', 'ndcg_at_10', 0.71, 0.665]],
    );
    assert.equal(
      r.violations[0]?.message,
      'bge-small-zh (dense): ndcg_at_10 dropped 0.0450 (0.7100 -> 0.6650), more than --max-drop 0.02',
    );
    // bm25 ndcg dropped exactly 0.02: allowed.
    assert.ok(r.checks.find((c) => c.run.model === 'bm25' && c.metric === 'ndcg_at_10')?.passed);
    assert.deepEqual(r.missingFromBaseline, [{ model: 'bge-small-zh', mode: 'hybrid' }]);
    assert.deepEqual(r.missingFromCurrent, [{ model: 'old-model', mode: 'dense' }]);
    assert.deepEqual(r.notes, []);
  });

  it('passes when nothing dropped too much and notes a changed dataset', () => {
    const r = checkGate(
      {
        dataset: { fingerprint: 'sha256:bbb' },
        runs: [{ model: 'bm25', mode: 'bm25', metrics: metrics(0.61, 0.79, 0.55) }],
      },
      baseline,
      { maxDrop: 0.02 },
    );
    assert.equal(r.passed, true);
    assert.equal(r.violations.length, 0);
    assert.equal(r.checks.length, 3);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0] ?? '', /^dataset differs from the baseline's/);
  });

  it('checks absolute floors with or without a baseline', () => {
    const current = {
      runs: [
        { model: 'a', mode: 'dense' as const, metrics: metrics(0.55, 0.9, 0.5) },
        { model: 'b', mode: 'dense' as const, metrics: metrics(0.6, 0.7, 0.5) },
      ],
    };
    const r = checkGate(current, undefined, { min: [parseMetricFloor('ndcg_at_10=0.6'), parseMetricFloor('recall_at_10=0.8')] });
    assert.equal(r.passed, false);
    assert.deepEqual(
      r.violations.map((v) => v.message),
      ['a (dense): ndcg_at_10 0.5500 is below --min 0.6', 'b (dense): recall_at_10 0.7000 is below --min 0.8'],
    );
    assert.equal(r.checks.length, 4);
    assert.equal(r.violations[0]?.baseline, null);
    assert.equal(r.violations[0]?.threshold, 0.6);
  });

  it('rejects a floor on a metric that was not computed', () => {
    assert.throws(
      () => checkGate({ runs: [{ model: 'a', mode: 'dense', metrics: metrics(1, 1, 1) }] }, undefined, { min: [{ metric: 'ndcg_at_7', value: 0.1 }] }),
      { name: 'RagError', message: 'the gate needs ndcg_at_7 but a (dense) did not compute it: add its k to the ks option' },
    );
  });

  it('passes with no checks configured', () => {
    const r = checkGate({ runs: [{ model: 'a', mode: 'dense', metrics: metrics(0, 0, 0) }] }, baseline, {});
    assert.equal(r.passed, true);
    assert.equal(r.checks.length, 0);
  });
});

describe('reading a baseline', () => {
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rag-gate-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('reads a results.json and rejects other versions and shapes', async () => {
    const file = path.join(tmp, 'results.json');
    await writeFile(
      file,
      JSON.stringify({
        formatVersion: 1,
        dataset: { fingerprint: 'sha256:x' },
        runs: [{ model: 'm', mode: 'hybrid', metrics: { ndcg_at_10: 0.7, note: 'ignored' }, perQuery: {} }],
      }),
    );
    assert.deepEqual(await readBaseline(file), {
      formatVersion: 1,
      datasetFingerprint: 'sha256:x',
      runs: [{ model: 'm', mode: 'hybrid', metrics: { ndcg_at_10: 0.7 } }],
    });
    assert.throws(() => parseBaseline({ formatVersion: 2, runs: [] }, 'b.json'), {
      name: 'RagError',
      message: 'b.json: unsupported results formatVersion 2 (this rag reads 1); re-create the baseline with this version',
    });
    assert.throws(() => parseBaseline({ formatVersion: 1, runs: [{ model: 'm', mode: 'sparse', metrics: {} }] }, 'b.json'), {
      message: 'b.json: runs[0] needs "model" and "mode" (dense, bm25, hybrid)',
    });
    await writeFile(path.join(tmp, 'bad.json'), '{not json');
    await assert.rejects(readBaseline(path.join(tmp, 'bad.json')), { name: 'RagError' });
    await assert.rejects(readBaseline(path.join(tmp, 'missing.json')), {
      message: `baseline file not found: ${path.join(tmp, 'missing.json')} (write one with an evaluation's results.json and commit it)`,
    });
  });
});
