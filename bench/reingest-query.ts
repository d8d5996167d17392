/**
 * What an unchanged re-ingest and a one-shot `rag query` cost, against the least any process
 * could do (issue 14, item 9).
 *
 *   npm run build && npm run bench:reingest-query -- [--runs 11] [--corpus FILE] [--compare DIR]
 *
 * 1. `rag ingest FILE` once into a temporary index (`hash`, the default model), then, interleaved
 *    round by round, `--runs` times each:
 *    - `rag ingest FILE` again (nothing changed), against a bare `node` script that reads FILE and
 *      SHA-256-hashes it (goal: ≤ 2× its wall time, peak RSS ≤ 80 MB);
 *    - `rag query "<claim>"` dense and `--mode bm25`, against `node -e 0` (goal: ≤ 3×, ≤ 120 MB).
 * 2. `--compare DIR`: the same commands run with DIR's build too (`DIR/bin/rag.js`, e.g. the main
 *    checkout before this change), on an index DIR's build wrote, as a before/after.
 *
 * Wall time is measured outside each child (spawn to exit); peak RSS is the child's own maxRSS,
 * written at exit by a preload module every command gets (the baselines too). Medians are shown.
 * FILE defaults to SciFact's corpus.jsonl (../shared/datasets/scifact); ArguAna, which the issue
 * names, is not among the shared datasets here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '11' },
    corpus: { type: 'string', default: path.join(root, '..', 'shared', 'datasets', 'scifact', 'corpus.jsonl') },
    compare: { type: 'string' },
  },
});
const runs = Number(values.runs);
const corpus = path.resolve(values.corpus);
if (!existsSync(corpus)) {
  console.error(`no corpus at ${corpus}: pass --corpus FILE (the shared SciFact corpus is ../shared/datasets/scifact/corpus.jsonl)`);
  process.exit(2);
}
const QUERY = 'Cancer cells rely on glycolysis even when oxygen is present';

const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-reingest-'));
const rssFile = path.join(work, 'rss');
const preload = path.join(work, 'rss-at-exit.mjs');
await writeFile(preload, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
const hashScript = path.join(work, 'hash.mjs');
await writeFile(
  hashScript,
  `import { createHash } from 'node:crypto';\nimport { readFileSync } from 'node:fs';\nfor (const f of process.argv.slice(2)) createHash('sha256').update(readFileSync(f)).digest('hex');\n`,
);

interface Sample {
  ms: number;
  rssMb: number;
}

async function run(args: string[]): Promise<Sample> {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', preload, ...args], { encoding: 'utf8', cwd: work, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, rssMb: Number(await readFile(rssFile, 'utf8')) / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const builds: Array<{ name: string; bin: string; index: string }> = [{ name: 'this build', bin: path.join(root, 'bin', 'rag.js'), index: path.join(work, 'idx') }];
if (values.compare !== undefined) builds.push({ name: `compare (${values.compare})`, bin: path.join(path.resolve(values.compare), 'bin', 'rag.js'), index: path.join(work, 'idx-compare') });

try {
  for (const b of builds) {
    const first = await run([b.bin, 'ingest', corpus, '--index', b.index]);
    console.log(`${b.name}: first ingest ${(first.ms / 1000).toFixed(1)} s, ${first.rssMb.toFixed(0)} MB`);
  }
  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'node: read + SHA-256 the input': [hashScript, corpus],
  };
  for (const b of builds) {
    commands[`${b.name}: rag ingest (unchanged)`] = [b.bin, 'ingest', corpus, '--index', b.index];
    commands[`${b.name}: rag query (dense)`] = [b.bin, 'query', QUERY, '--index', b.index, '-k', '5'];
    commands[`${b.name}: rag query --mode bm25`] = [b.bin, 'query', QUERY, '--index', b.index, '-k', '5', '--mode', 'bm25'];
  }
  const samples = new Map<string, Sample[]>(Object.keys(commands).map((k) => [k, []]));
  for (let round = 0; round < runs; round++) {
    for (const [name, args] of Object.entries(commands)) samples.get(name)!.push(await run(args));
  }
  const med = (name: string): { ms: number; rssMb: number } => ({
    ms: median(samples.get(name)!.map((s) => s.ms)),
    rssMb: median(samples.get(name)!.map((s) => s.rssMb)),
  });
  const nodeMs = med('node -e 0').ms;
  const hashMs = med('node: read + SHA-256 the input').ms;
  console.log(`\n${runs} runs each, interleaved; medians; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; corpus ${corpus}`);
  console.log('| command | wall ms | peak RSS MB | × read+hash | × node -e 0 |');
  console.log('|---|---:|---:|---:|---:|');
  for (const name of Object.keys(commands)) {
    const m = med(name);
    console.log(`| ${name} | ${m.ms.toFixed(0)} | ${m.rssMb.toFixed(0)} | ${(m.ms / hashMs).toFixed(2)} | ${(m.ms / nodeMs).toFixed(2)} |`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
