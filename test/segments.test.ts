/**
 * --segment-by: per-segment scores from a queries.jsonl field, on a copy of the Chinese sample
 * whose queries carry a `style` (top level or in `metadata`) on two thirds of the lines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NO_SEGMENT, readQuerySegments, scoreSegments } from '../src/eval/segments.js';
import type { RunResult } from '../src/eval/types.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';

let cwd: string;
let dataset: string;

before(async () => {
  cwd = await tempDir('segments');
  dataset = path.join(cwd, 'zh');
  await cp(path.join(REPO, 'datasets', 'zh-sample'), dataset, { recursive: true });
  const lines = (await readFile(path.join(dataset, 'queries.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const styled = lines.map((l, i) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    if (i % 3 === 0) o.style = 'keyword';
    else if (i % 3 === 1) o.metadata = { style: 'question' };
    return JSON.stringify(o);
  });
  await writeFile(path.join(dataset, 'queries.jsonl'), `${styled.join('\n')}\n`);
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('readQuerySegments / scoreSegments', () => {
  it('reads the field at top level or in metadata, (none) when absent', async () => {
    const seg = await readQuerySegments(dataset, 'style');
    assert.equal(seg.size, 30);
    assert.equal(seg.get('zq01'), 'keyword');
    assert.equal(seg.get('zq02'), 'question');
    assert.equal(seg.get('zq03'), NO_SEGMENT);
    await assert.rejects(readQuerySegments(dataset, 'colour'), /segment field colour: no query in .*queries\.jsonl has a "colour" field/);
  });

  it('averages each segment’s per-query metrics, with counts', () => {
    const run = {
      perQuery: { a: { metrics: { ndcg_at_10: 1 }, ranks: {} }, b: { metrics: { ndcg_at_10: 0 }, ranks: {} }, c: { metrics: { ndcg_at_10: 0.5 }, ranks: {} } },
    } as unknown as RunResult;
    assert.deepEqual(scoreSegments(run, new Map([['a', 'x'], ['b', 'x']])), {
      '(none)': { queries: 1, metrics: { ndcg_at_10: 0.5 } },
      x: { queries: 2, metrics: { ndcg_at_10: 0.5 } },
    });
  });
});

describe('rag eval --segment-by', () => {
  it('gives every run its metrics per segment in --json, results.json and report.md', async () => {
    const r = await runCli(['eval', '--dataset', dataset, '--mode', 'dense', '--mode', 'bm25', '--segment-by', 'style', '--out', 'seg', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { runs: Array<{ metrics: Record<string, number>; segments: Record<string, { queries: number; metrics: Record<string, number> }> }> };
    for (const run of doc.runs) {
      assert.deepEqual(Object.keys(run.segments), ['(none)', 'keyword', 'question']);
      assert.deepEqual(Object.values(run.segments).map((s) => s.queries), [10, 10, 10]);
      // Equal-sized segments: their means average to the overall mean.
      const mean = Object.values(run.segments).reduce((a, s) => a + s.metrics.ndcg_at_10!, 0) / 3;
      assert.ok(Math.abs(mean - run.metrics.ndcg_at_10!) < 1e-12);
    }
    const file = JSON.parse(await readFile(path.join(cwd, 'seg', 'results.json'), 'utf8')) as { segmentBy: string; queries: Array<{ id: string; segment: string }> };
    assert.equal(file.segmentBy, 'style');
    assert.equal(file.queries.find((q) => q.id === 'zq02')?.segment, 'question');
    assert.match(await readFile(path.join(cwd, 'seg', 'report.md'), 'utf8'), /^\| hash \| bm25 \| keyword \| 10 \| 0\.\d{4} \|/m);
  });

  it('--explain-segment keeps the failure analysis to one segment', async () => {
    const r = await runCli(
      ['eval', '--dataset', dataset, '--mode', 'dense', '--mode', 'bm25', '--segment-by', 'style', '--explain', 'hash:dense', 'hash:bm25', '--explain-segment', 'keyword', '--out', 'seg2', '--json'],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
    const x = (JSON.parse(r.stdout) as { explain: { segment: string; paired: number } }).explain;
    assert.deepEqual([x.segment, x.paired], ['keyword', 10]);
    const bad = await runCli(['eval', '--dataset', dataset, '--explain-segment', 'keyword', '--out', 'never'], { cwd });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'rag: --explain-segment needs --explain A B and --segment-by FIELD\n');
  });
});
