/**
 * A 9-row trade-off sweep (hash × 3 dimensions × 3 precisions) against a plain one-row eval of
 * the same dataset, in one process and one run: the goal (issue 16) is that the sweep costs at
 * most 1.2× embedding each (model, chunking) once, since its rows reuse the one index.
 *
 *   npm run bench:sweep [-- DATASET]   (default ../shared/datasets/scifact, else datasets/zh-sample)
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../src/eval/runner.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const shared = path.join(REPO, '..', 'shared', 'datasets', 'scifact');
const dataset = process.argv[2] ?? (existsSync(shared) ? shared : path.join(REPO, 'datasets', 'zh-sample'));
const limit = Number(process.env['SWEEP_QUERIES'] ?? 300);

async function timed(axes: Parameters<typeof evaluate>[0]['axes']): Promise<{ seconds: number; rows: number; builds: number }> {
  let builds = 0;
  const started = performance.now();
  const out = await evaluate({ dataset, limit, workDir: os.tmpdir(), cache: false, ...(axes === undefined ? {} : { axes }), onEvent: (e) => void (e.type === 'index-built' && builds++) });
  return { seconds: (performance.now() - started) / 1000, rows: out.runs.length, builds };
}

await timed(undefined); // warm-up: file cache, JIT
const one = await timed(undefined);
const sweep = await timed({ dimensions: [4096, 1024, 256], precisions: ['float32', 'int8', 'binary'] });
console.log(`dataset ${path.basename(dataset)}, ${limit} queries max, model hash (not cached: every run embeds)`);
console.log(`one row:  ${one.seconds.toFixed(2)} s (${one.builds} index)`);
console.log(`9 rows:   ${sweep.seconds.toFixed(2)} s (${sweep.rows} rows, ${sweep.builds} index)`);
console.log(`ratio:    ${(sweep.seconds / one.seconds).toFixed(2)}× (goal ≤ 1.2×)`);
