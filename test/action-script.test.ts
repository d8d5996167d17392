/**
 * action/run-eval.sh, the GitHub Action's evaluate step, run by bash as the runner would: inputs
 * become one `rag eval`, the JSON lands where the comment step reads it, and the gate's exit code
 * is recorded in $GITHUB_OUTPUT without failing the step (so the comment and upload still run).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { REPO, tempDir } from './helpers/cli.js';

let cwd: string;
before(async () => {
  cwd = await tempDir('action-script');
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function runScript(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(REPO, 'action', 'run-eval.sh')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', RAG_CACHE_DIR: path.join(cwd, '.cache'), RUNNER_TEMP: cwd, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const outputs = async (file: string): Promise<Record<string, string>> =>
  Object.fromEntries((await readFile(file, 'utf8')).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('action/run-eval.sh', () => {
  const dataset = path.join(REPO, 'datasets', 'zh-sample');

  it('runs rag eval from the inputs and records a pass', async () => {
    const r = await runScript({ INPUT_DATASET: dataset, INPUT_MODELS: 'hash', INPUT_MODES: 'dense, bm25', INPUT_MARGIN: '0.5', INPUT_OUT: 'first', GITHUB_OUTPUT: path.join(cwd, 'out1') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^rag eval --dataset \S+ --out first --json --model hash --mode dense --mode bm25 --margin 0\.5\n/);
    const o = await outputs(path.join(cwd, 'out1'));
    assert.deepEqual([o['exit-code'], o.passed, o.results], ['0', 'true', 'first/results.json']);
    const json = JSON.parse(await readFile(o.json!, 'utf8')) as { runs: Array<{ mode: string }>; comparisons: Array<{ equivalence: { verdict: string } }> };
    assert.deepEqual(json.runs.map((x) => x.mode), ['dense', 'bm25']);
    assert.equal(json.comparisons[0]?.equivalence.verdict, 'equivalent');
  });

  it('a failed gate is recorded (exit-code 1) but does not fail the step; a usage error does', async () => {
    const failed = await runScript({
      INPUT_DATASET: dataset, INPUT_MODES: 'bm25', INPUT_MIN: 'ndcg_at_10=0.99', INPUT_OUT: 'second', GITHUB_OUTPUT: path.join(cwd, 'out2'), INPUT_JSON_FILE: path.join(cwd, 'second.json'),
    });
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stderr, /gate failed: hash \(bm25\): ndcg_at_10 0\.\d{4} is below --min 0\.99/);
    const o = await outputs(path.join(cwd, 'out2'));
    assert.deepEqual([o['exit-code'], o.passed], ['1', 'false']);
    const usage = await runScript({ INPUT_DATASET: dataset, INPUT_CORRECTION: 'bonferroni', INPUT_OUT: 'third', GITHUB_OUTPUT: path.join(cwd, 'out3') });
    assert.equal(usage.code, 2);
  });
});
