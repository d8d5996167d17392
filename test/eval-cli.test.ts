/**
 * `rag eval` as CI runs it: the sample knowledge base, three modes, reports on disk, the JSON on
 * stdout, the regression gate's exit codes and messages, the GitHub step summary. Plus the
 * library `evaluate()` twice with a cacheable model: the second run embeds nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluate } from '../src/eval/runner.js';
import { CountingEmbedder } from './helpers/counting-embedder.js';
import { lines, REPO, runCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';

const ZH_SAMPLE = path.join(REPO, 'datasets', 'zh-sample');

let cwd: string;
const rag = (args: string[], env?: Record<string, string | undefined>): Promise<CliResult> => runCli(args, { cwd, ...(env ? { env } : {}) });

interface JsonRun {
  model: string;
  mode: string;
  metrics: Record<string, number>;
  evaluatedQueries: number;
}
interface JsonEval {
  runs: JsonRun[];
  gate: { passed: boolean; checks: unknown[]; violations: Array<{ message: string }> } | null;
  resultsFile: string;
  dataset: { queries: number; documents: number };
}

/** The first, ungated evaluation: every later test compares against its numbers. */
let first: JsonEval;
let firstStderr = '';
let summaryFile: string;
const ndcg = (mode: string): number => first.runs.find((r) => r.mode === mode)!.metrics['ndcg_at_10']!;

before(async () => {
  cwd = await tempDir('eval-cli');
  summaryFile = path.join(cwd, 'step-summary.md');
  await writeFile(summaryFile, 'earlier step\n');
  const r = await rag(
    ['eval', '--dataset', ZH_SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--mode', 'hybrid', '--out', 'out', '--json'],
    { GITHUB_STEP_SUMMARY: summaryFile },
  );
  assert.equal(r.code, 0, r.stderr);
  first = JSON.parse(r.stdout) as JsonEval;
  firstStderr = r.stderr;
  assert.ok(!r.stderr.includes('\x1b['));
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('judged@10', () => {
  it('is in every run and warns, on stderr, for each run below 0.8', async () => {
    const results = JSON.parse(await readFile(path.join(cwd, 'out', 'results.json'), 'utf8')) as { runs: JsonRun[] };
    const warned = lines(firstStderr).filter((l) => l.startsWith('warning:') && l.includes('judged@10'));
    let low = 0;
    for (const [i, run] of first.runs.entries()) {
      const judged = run.metrics['judged_at_10']!;
      assert.ok(judged > 0 && judged <= 1, `${run.mode}: ${judged}`);
      assert.equal(results.runs[i]!.metrics['judged_at_10'], judged);
      if (judged < 0.8) {
        low += 1;
        assert.ok(warned.some((l) => l.startsWith(`warning: hash (${run.mode}): judged@10 is ${judged.toFixed(2)}`)), firstStderr);
      }
    }
    // The sample labels one to three documents per query: most of every top 10 is unjudged.
    assert.equal(warned.length, low);
    assert.ok(low > 0);
    const md = await readFile(path.join(cwd, 'out', 'report.md'), 'utf8');
    assert.match(md, /\| Judged@10 \|/);
  });
});

describe('rag eval --json --out', () => {
  it('prints one JSON document with every model x mode run and its metrics', () => {
    assert.deepEqual(first.runs.map((r) => [r.model, r.mode]), [['hash', 'dense'], ['hash', 'bm25'], ['hash', 'hybrid']]);
    for (const run of first.runs) {
      const v = run.metrics['ndcg_at_10']!;
      assert.ok(typeof v === 'number' && v > 0.5 && v <= 1, `${run.mode}: ${v}`);
      assert.equal(run.evaluatedQueries, 30);
    }
    assert.equal(first.dataset.queries, 30);
    assert.equal(first.dataset.documents, 20);
    assert.equal(first.gate, null);
    assert.equal(first.resultsFile, path.join(cwd, 'out', 'results.json'));
  });

  it('writes results.json, report.md, report.html, junit.xml and per-query.jsonl', async () => {
    const out = path.join(cwd, 'out');
    assert.deepEqual((await readdir(out)).sort(), ['junit.xml', 'per-query.jsonl', 'report.html', 'report.md', 'results.json']);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as { runs: JsonRun[] };
    assert.deepEqual(
      results.runs.map((r) => r.metrics['ndcg_at_10']),
      first.runs.map((r) => r.metrics['ndcg_at_10']),
    );
    const perQuery = lines(await readFile(path.join(out, 'per-query.jsonl'), 'utf8')).map((l) => JSON.parse(l) as { id: string; runs: unknown[] });
    assert.equal(perQuery.length, 30);
    assert.equal(perQuery[0]!.id, 'zq01');
    for (const q of perQuery) assert.equal(q.runs.length, 3);
    assert.match(await readFile(path.join(out, 'junit.xml'), 'utf8'), /^<\?xml /);
    assert.match(await readFile(path.join(out, 'report.html'), 'utf8'), /<html/i);
  });

  it('appends the Markdown report to $GITHUB_STEP_SUMMARY', async () => {
    const summary = await readFile(summaryFile, 'utf8');
    const report = await readFile(path.join(cwd, 'out', 'report.md'), 'utf8');
    assert.ok(summary.startsWith('earlier step\n# Retrieval evaluation: zh-sample\n'), summary.slice(0, 200));
    assert.equal(summary, `earlier step\n${report}`);
  });
});

describe('rag eval: the CI gate', () => {
  it('passes against its own baseline with --max-drop 0.01 (exit 0)', async () => {
    const r = await rag([
      'eval', '--dataset', ZH_SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--mode', 'hybrid',
      '--out', 'gate-pass', '--baseline', 'out/results.json', '--max-drop', '0.01', '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const gated = JSON.parse(r.stdout) as JsonEval;
    assert.equal(gated.gate!.passed, true);
    // 3 runs x the headline metrics nDCG@10, recall@10 and MRR@10.
    assert.equal(gated.gate!.checks.length, 9);
    assert.equal(lines(r.stderr).at(-1), 'gate passed (9 checks)');
    assert.deepEqual(gated.runs.map((run) => run.metrics['ndcg_at_10']), first.runs.map((run) => run.metrics['ndcg_at_10']));
  });

  it('fails (exit 1) against a baseline whose nDCG@10 is 0.2 higher, naming run, metric and both values', async () => {
    const baseline = JSON.parse(await readFile(path.join(cwd, 'out', 'results.json'), 'utf8')) as { runs: JsonRun[] };
    for (const run of baseline.runs) run.metrics['ndcg_at_10'] = run.metrics['ndcg_at_10']! + 0.2;
    await writeFile(path.join(cwd, 'doctored.json'), JSON.stringify(baseline));
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--mode', 'hybrid', '--out', 'gate-fail', '--baseline', 'doctored.json', '--max-drop', '0.01']);
    assert.equal(r.code, 1, r.stderr);
    const now = ndcg('hybrid');
    const failures = lines(r.stderr).filter((l) => l.startsWith('gate failed:'));
    assert.deepEqual(failures, [
      `gate failed: hash (hybrid): ndcg_at_10 dropped 0.2000 (${(now + 0.2).toFixed(4)} -> ${now.toFixed(4)}), more than --max-drop 0.01`,
    ]);
    // The table still went to stdout, and the reports were written.
    assert.match(r.stdout, /^model +mode +ndcg@10/);
    assert.ok(existsSync(path.join(cwd, 'gate-fail', 'results.json')));
  });

  it('fails (exit 1) when a metric is below --min', async () => {
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--mode', 'bm25', '--out', 'gate-min', '--min', 'ndcg_at_10=0.99']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(
      lines(r.stderr).filter((l) => l.startsWith('gate failed:')),
      [`gate failed: hash (bm25): ndcg_at_10 ${ndcg('bm25').toFixed(4)} is below --min 0.99`],
    );
  });

  it('rejects a bad --min or --max-drop without --baseline with exit 2 before any work', async () => {
    const [bogus, lonely] = await Promise.all([
      rag(['eval', '--dataset', ZH_SAMPLE, '--out', 'never-1', '--min', 'bogus=1']),
      rag(['eval', '--dataset', ZH_SAMPLE, '--out', 'never-2', '--max-drop', '0.01']),
    ]);
    for (const r of [bogus, lonely]) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(lines(r.stderr).length, 1, r.stderr);
    }
    assert.match(bogus.stderr, /^rag: unknown metric "bogus": use NAME_at_K with NAME one of .+ \(e\.g\. ndcg_at_10\)\n$/);
    assert.equal(lonely.stderr, 'rag: --max-drop needs --baseline FILE (a results.json from an earlier `rag eval`)\n');
    assert.ok(!existsSync(path.join(cwd, 'never-1')) && !existsSync(path.join(cwd, 'never-2')));
  });

  it('names the file and line of a malformed queries.jsonl (exit 2)', async () => {
    const dataset = path.join(cwd, 'bad-dataset');
    await mkdir(path.join(dataset, 'docs'), { recursive: true });
    await writeFile(path.join(dataset, 'docs', 'a.md'), '# A\n\nAbout apples.\n');
    await writeFile(
      path.join(dataset, 'queries.jsonl'),
      '{"query": "apples", "relevant": ["a.md"]}\n{"query": "pears", "relevant": ["a.md"]\n',
    );
    const r = await rag(['eval', '--dataset', 'bad-dataset', '--out', 'never-3']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^rag: \S*bad-dataset\/queries\.jsonl line 2: invalid JSON/);
  });
});


describe('evaluate() with a cacheable model', () => {
  it('embeds every chunk and query once; a second run is served from the cache', async () => {
    const cacheDir = path.join(cwd, 'embed-cache');
    const workDir = path.join(cwd, 'work');
    await mkdir(workDir);
    const run = async (cache = true) => {
      const model = new CountingEmbedder();
      const results = await evaluate({ dataset: ZH_SAMPLE, models: [model], modes: ['dense'], cacheDir, workDir, cache });
      return { model, results };
    };
    const one = await run();
    assert.ok(one.model.texts > 20, `first run embedded ${one.model.texts} texts`);
    assert.ok(one.model.queries >= one.results.queries.length, `first run embedded ${one.model.queries} queries`);
    assert.equal(one.results.runs[0]!.model, 'toy-counting');
    assert.ok(existsSync(cacheDir));
    // The chunk lists are cached beside the vectors: one file for this chunking.
    assert.equal((await readdir(path.join(cacheDir, 'chunks'))).length, 1);

    const two = await run();
    assert.equal(two.model.texts, 0);
    assert.equal(two.model.calls, 0);
    assert.equal(two.model.queries, 0);
    assert.deepEqual(two.results.runs[0]!.metrics, one.results.runs[0]!.metrics);

    // Without the cache everything is embedded again, and the metrics do not change.
    const three = await run(false);
    assert.equal(three.model.texts, one.model.texts);
    assert.equal(three.model.queries, one.model.queries);
    assert.deepEqual(three.results.runs[0]!.metrics, one.results.runs[0]!.metrics);
    // Temporary indexes are cleaned up.
    assert.deepEqual(await readdir(workDir), []);
  });
});
