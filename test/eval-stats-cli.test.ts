/**
 * `rag eval` statistics end to end on the Chinese sample: adjusted p-values, wins/ties/losses,
 * power and TOST in --json and results.json; --correction; --fail-unless-equivalent against the
 * first run and against a baseline file's per-query scores; --shortlist.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { holm } from '../src/eval/multiple-testing.js';
import { minimumDetectableEffect } from '../src/eval/power.js';
import { lines, REPO, runCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';

const ZH_SAMPLE = path.join(REPO, 'datasets', 'zh-sample');
const MODES = ['--mode', 'dense', '--mode', 'bm25', '--mode', 'hybrid'];

let cwd: string;
const rag = (args: string[]): Promise<CliResult> => runCli(args, { cwd });

interface JsonComparison {
  candidate: { model: string; mode: string };
  result: { n: number; pValue: number; meanDiff: number };
  wins: number;
  ties: number;
  losses: number;
  pHolm: number;
  pBH: number;
  correction: string;
  pAdjusted: number;
  significant: boolean;
  power: { sdDiff: number; mde: number; effect: number | null; queriesNeeded: number | null; underpowered: boolean };
  equivalence: { margin: number; pValue: number; verdict: string; ci: [number, number] } | null;
}
interface JsonGate {
  passed: boolean;
  checks: Array<{ kind: string; passed: boolean; message: string }>;
  baselineFile: string | null;
  baselineComparisons: JsonComparison[];
}
interface JsonEval {
  runs: Array<{ model: string; mode: string }>;
  comparisons: JsonComparison[];
  gate: JsonGate | null;
}

let wide: JsonEval;

before(async () => {
  cwd = await tempDir('eval-stats');
  const r = await rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--margin', '0.5', '--effect', '0.05', '--out', 'wide', '--json']);
  assert.equal(r.code, 0, r.stderr);
  wide = JSON.parse(r.stdout) as JsonEval;
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('rag eval: comparison statistics', () => {
  it('every comparison has W/T/L summing to n, Holm over the family, power and TOST', () => {
    assert.equal(wide.comparisons.length, 2);
    const raw = wide.comparisons.map((c) => c.result.pValue);
    const expectedHolm = holm(raw);
    wide.comparisons.forEach((c, i) => {
      assert.equal(c.wins + c.ties + c.losses, c.result.n);
      assert.equal(c.result.n, 30);
      assert.equal(c.correction, 'holm');
      assert.equal(c.pHolm, expectedHolm[i]);
      assert.equal(c.pAdjusted, c.pHolm);
      assert.ok(c.pHolm >= c.result.pValue && c.pBH <= c.pHolm);
      assert.equal(c.significant, c.pAdjusted < 0.05);
      assert.ok(Math.abs(c.power.mde - minimumDetectableEffect(c.power.sdDiff, 30)) < 1e-12);
      assert.equal(c.power.effect, 0.05);
      assert.equal(c.power.underpowered, c.power.queriesNeeded! > 30);
      // ±0.5 nDCG is a margin no 30-query difference on this sample comes near.
      assert.equal(c.equivalence?.verdict, 'equivalent');
      assert.equal(c.equivalence?.margin, 0.5);
    });
  });

  it('results.json holds the same statistics', async () => {
    const file = JSON.parse(await readFile(path.join(cwd, 'wide', 'results.json'), 'utf8')) as { comparisons: JsonComparison[] };
    assert.deepEqual(file.comparisons, wide.comparisons);
    const md = await readFile(path.join(cwd, 'wide', 'report.md'), 'utf8');
    assert.match(md, /\| Model \| Mode \| Metric \| Δ \| 95% CI \| p \| p \(Holm\) \| Significant \| W\/T\/L \| MDE \| Equivalence \| Queries \|/);
    assert.match(md, /equivalent within ±0\.5 \(p /);
    const html = await readFile(path.join(cwd, 'wide', 'report.html'), 'utf8');
    assert.match(html, /<th class="num"[^>]*>(<button[^>]*>)?p \(Holm\)(<\/button>)?<\/th>/);
  });

  it('--correction bh and none change which adjusted p "significant" uses', async () => {
    const [bh, none] = await Promise.all([
      rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--correction', 'bh', '--out', 'bh', '--json']),
      rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--correction', 'none', '--out', 'none', '--json']),
    ]);
    assert.equal(bh.code, 0, bh.stderr);
    assert.equal(none.code, 0, none.stderr);
    for (const c of (JSON.parse(bh.stdout) as JsonEval).comparisons) {
      assert.equal(c.correction, 'bh');
      assert.equal(c.pAdjusted, c.pBH);
      assert.equal(c.equivalence, null);
    }
    for (const c of (JSON.parse(none.stdout) as JsonEval).comparisons) assert.equal(c.pAdjusted, c.result.pValue);
    assert.match(await readFile(path.join(cwd, 'none', 'report.md'), 'utf8'), /"Significant": raw p &lt; 0\.05 \(no correction for the 2 comparisons\)/);
    assert.match(await readFile(path.join(cwd, 'bh', 'report.md'), 'utf8'), /\| p \(BH\) \|/);
  });

  it('prints the statistics in the terminal table', async () => {
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--margin', '0.5', '--out', 'table']);
    assert.equal(r.code, 0, r.stderr);
    const row = lines(r.stdout).find((l) => l.startsWith('  hash (bm25):'));
    assert.ok(row, r.stdout);
    assert.match(r.stdout, /vs hash \(dense\), ndcg@10, significant: Holm-adjusted p < 0\.05:/);
    assert.match(row, /p=\S+ p_holm=\S+ {2}(not )?significant {2}W\/T\/L \d+\/\d+\/\d+ {2}MDE 0\.\d{4} {2}equivalent within ±0\.5 {2}30 queries$/);
  });
});

describe('rag eval --fail-unless-equivalent', () => {
  it('passes when every run is equivalent to the first within a wide margin, fails (exit 1) within a tiny one', async () => {
    const [wideGate, tight] = await Promise.all([
      rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--margin', '0.5', '--fail-unless-equivalent', '--out', 'eq-pass', '--json']),
      rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--margin', '0.0001', '--fail-unless-equivalent', '--out', 'eq-fail']),
    ]);
    assert.equal(wideGate.code, 0, wideGate.stderr);
    const gate = (JSON.parse(wideGate.stdout) as JsonEval).gate!;
    assert.deepEqual(gate.checks.map((c) => [c.kind, c.passed]), [['equivalence', true], ['equivalence', true]]);
    assert.equal(tight.code, 1, tight.stderr);
    const failures = lines(tight.stderr).filter((l) => l.startsWith('gate failed:'));
    assert.equal(failures.length, 2);
    assert.match(failures[0]!, /^gate failed: hash \(bm25\) vs hash \(dense\): ndcg_at_10 Δ [+-]0\.\d{4}, 90% CI \[[+-]0\.\d{4}, [+-]0\.\d{4}\]: not shown equivalent within ±0\.0001 \(TOST p /);
  });

  it('against --baseline: pairs each run with the same run of the baseline file', async () => {
    const r = await rag([
      'eval', '--dataset', ZH_SAMPLE, ...MODES, '--baseline', 'wide/results.json', '--margin', '0.01', '--fail-unless-equivalent', '--out', 'eq-base', '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const gate = (JSON.parse(r.stdout) as JsonEval).gate!;
    assert.equal(gate.baselineFile, 'wide/results.json');
    assert.equal(gate.baselineComparisons.length, 3);
    for (const c of gate.baselineComparisons) {
      // The same runs again: identical per-query scores, Δ 0 on every query.
      assert.equal(c.result.meanDiff, 0);
      assert.deepEqual([c.wins, c.ties, c.losses], [0, 30, 0]);
      assert.equal(c.equivalence?.verdict, 'equivalent');
    }
    const eq = gate.checks.filter((c) => c.kind === 'equivalence');
    assert.equal(eq.length, 3);
    assert.ok(eq.every((c) => c.passed && c.message.includes('in wide/results.json') && c.message.includes('equivalent within ±0.01')), JSON.stringify(eq));
    const md = await readFile(path.join(cwd, 'eq-base', 'report.md'), 'utf8');
    assert.match(md, /^## Gate: passed \(12 checks\)$/m);
    assert.match(md, /^Baseline file: wide\/results\.json \(each run is matched with the run of the same model and mode in it\)\.$/m);
    assert.match(md, /^### Paired comparison with the baseline file$/m);
    assert.match(md, /^\| hash \| bm25 \| nDCG@10 \| \+0\.0000 \| \[\+0\.0000, \+0\.0000\] \| 1\.000 \| 1\.000 \| no \| 0\/30\/0 \| 0\.0000 \| equivalent within ±0\.01 /m);
  });

  it('is a usage error (exit 2) without --margin, or with nothing to compare', async () => {
    const [noMargin, single] = await Promise.all([
      rag(['eval', '--dataset', ZH_SAMPLE, '--fail-unless-equivalent', '--out', 'never-1']),
      rag(['eval', '--dataset', ZH_SAMPLE, '--margin', '0.01', '--fail-unless-equivalent', '--out', 'never-2']),
    ]);
    assert.equal(noMargin.code, 2);
    assert.equal(noMargin.stderr, 'rag: --fail-unless-equivalent needs --margin X (e.g. --margin 0.01)\n');
    assert.equal(single.code, 2);
    assert.equal(single.stderr, 'rag: --fail-unless-equivalent needs --baseline FILE or at least two runs (models x modes) to compare\n');
  });
});

describe('rag eval --shortlist', () => {
  it('evaluates the models `rag models FILTERS` lists', async () => {
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--shortlist', '--provider builtin', '--out', 'sl', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as JsonEval).runs.map((x) => x.model), ['hash']);
  });

  it('rejects unknown filters and empty shortlists with exit 2', async () => {
    const [bogus, empty] = await Promise.all([
      rag(['eval', '--dataset', ZH_SAMPLE, '--shortlist', '--colour red', '--out', 'never-3']),
      rag(['eval', '--dataset', ZH_SAMPLE, '--shortlist', '--provider builtin --max-params 1M', '--out', 'never-4']),
    ]);
    assert.equal(bogus.code, 2);
    assert.equal(
      bogus.stderr,
      "rag: invalid --shortlist \"--colour red\": unknown option '--colour'; it takes the filters of `rag models`, e.g. --shortlist \"--lang zh --max-params 500M\"\n",
    );
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, 'rag: no model matches --shortlist "--provider builtin --max-params 1M"; see `rag models --provider builtin --max-params 1M`\n');
  });
});

describe('rag eval --explain', () => {
  it('shows where B loses most against A, in the terminal and in --json', async () => {
    const [text, json] = await Promise.all([
      rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--explain', 'hash:dense', 'hash:bm25', '--explain-limit', '3', '--out', 'ex1']),
      rag(['eval', '--dataset', ZH_SAMPLE, ...MODES, '--explain', 'hash:dense', 'hash:bm25', '--out', 'ex2', '--json']),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^where hash \(bm25\) loses most against hash \(dense\) \(ndcg_at_10\): 3 of (\d+) losing queries \(30 paired\)$/m);
    assert.equal(json.code, 0, json.stderr);
    const x = (JSON.parse(json.stdout) as { explain: { losses: number; queries: Array<{ delta: number; a: { top: Array<{ grade: number; title?: string }> } }> } }).explain;
    assert.ok(x.queries.length > 0 && x.queries.length <= 10);
    for (let i = 1; i < x.queries.length; i += 1) assert.ok(x.queries[i]!.delta >= x.queries[i - 1]!.delta);
    assert.ok(x.queries.every((q) => q.delta < 0 && q.a.top.length === 5));
    assert.ok(x.queries.some((q) => q.a.top.some((d) => d.grade > 0 && d.title !== undefined)));
    // The losses against the first run are also in report.html.
    assert.match(await readFile(path.join(cwd, 'ex2', 'report.html'), 'utf8'), /hash \(bm25\) against hash \(dense\)/);
  });

  it('rejects anything but two runs, and unknown runs, with exit 2', async () => {
    const one = await rag(['eval', '--dataset', ZH_SAMPLE, '--explain', 'hash:dense', '--out', 'never-5']);
    assert.equal(one.code, 2);
    assert.equal(one.stderr, 'rag: --explain takes two runs, A and B (got 1): e.g. --explain hash:dense hash:bm25\n');
  });
});
