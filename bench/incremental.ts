/**
 * What re-running costs when nothing changed, through the real CLI (whole processes):
 * - `rag ingest` of a corpus into a fresh index, then the same command again (no document
 *   changed): the second run must re-read and hash the files but embed and write nothing.
 *   Goal: ≤ 5% of the full ingest.
 * - `rag eval` with an empty embedding cache, then again with the cache it filled. Goal: ≤ 10%.
 *
 *   npm run build && npm run bench:incremental -- [--generated] [--rounds 2] [--eval-only]
 *
 * `--eval-only` skips the two ingest runs.
 *
 * Model: a generated 1-layer BERT (bench/bench-models.ts; random weights, vocabulary learned from
 * the corpus). Corpus: SciFact from ../shared/datasets, or (absent, or `--generated`) a
 * generated mixed Chinese/English BEIR folder with one query per 10 documents whose answer is
 * the document a sentence was taken from.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { corpusTexts, smallBertFor } from './bench-models.js';
import { writeGeneratedCorpus } from './generated-corpus.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCIFACT = path.join(REPO, '..', 'shared', 'datasets', 'scifact');
const CLI = path.join(REPO, 'bin', 'rag.js');

const { values } = parseArgs({
  options: {
    generated: { type: 'boolean', default: false },
    'generated-docs-chars': { type: 'string', default: '3000000' },
    rounds: { type: 'string', default: '1' },
    'eval-only': { type: 'boolean', default: false },
  },
});

function load(): string {
  return os.loadavg()[0]!.toFixed(2);
}

const TIME = '/usr/bin/time';

/** Runs the CLI; CPU seconds (user + system) and peak RSS come from /usr/bin/time when present. */
async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; cpu: number; stdout: string }> {
  const started = performance.now();
  const useTime = existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-f', 'rusage %U %S %M', process.execPath, CLI, ...args]] : [process.execPath, [CLI, ...args]];
  const { stdout, stderr } = await execFileAsync(cmd, argv, { cwd: REPO, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  const usage = /rusage ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  return { seconds: (performance.now() - started) / 1000, cpu: usage ? Number(usage[1]) + Number(usage[2]) : NaN, stdout };
}

/** A BEIR folder from the generated corpus: queries are sentences of every 10th document. */
async function generatedDataset(dir: string): Promise<string> {
  const { file } = await writeGeneratedCorpus(dir, Number(values['generated-docs-chars']));
  const queries: string[] = [];
  const qrels: string[] = ['query-id\tcorpus-id\tscore'];
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
  lines.forEach((line, i) => {
    if (i % 10 !== 0) return;
    const row = JSON.parse(line) as { _id: string; text: string };
    const sentence = row.text.split(/(?<=[.。！])\s*/)[1] ?? row.text.slice(0, 80);
    queries.push(JSON.stringify({ _id: `q${i}`, text: sentence }));
    qrels.push(`q${i}\t${row._id}\t1`);
  });
  await writeFile(path.join(dir, 'queries.jsonl'), `${queries.join('\n')}\n`);
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  await writeFile(path.join(dir, 'qrels', 'test.tsv'), `${qrels.join('\n')}\n`);
  return dir;
}

function row(label: string, first: { seconds: number; cpu: number }, again: { seconds: number; cpu: number }, goal: string, loads: string): string {
  const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;
  return `| ${label} | ${first.seconds.toFixed(2)} / ${first.cpu.toFixed(2)} | ${again.seconds.toFixed(2)} / ${again.cpu.toFixed(2)} | **${pct(again.seconds, first.seconds)}** | **${pct(again.cpu, first.cpu)}** | ${goal} | ${loads} |`;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(REPO, 'dist', 'index.js'))) {
    console.log('skipped: dist/ is missing; run `npm run build` first (the CLI runs from dist/)');
    return;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-incremental-'));
  try {
    const useScifact = !values.generated && existsSync(path.join(SCIFACT, 'corpus.jsonl'));
    if (!values.generated && !useScifact) console.log(`${SCIFACT} is absent: using a generated corpus`);
    const dataset = useScifact ? SCIFACT : await generatedDataset(path.join(work, 'generated'));
    const corpus = path.join(dataset, 'corpus.jsonl');
    const model = await smallBertFor(useScifact ? 'ingest-scifact' : 'ingest-generated', () => corpusTexts(corpus));
    console.log(`${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, corpus ${corpus}, model ${model}, load ${load()}`);

    const rows: string[] = [];
    for (let r = 0; r < Number(values.rounds); r++) {
      if (!values['eval-only']) {
        const index = path.join(work, `index-${r}`);
        const env = { RAG_CACHE_DIR: path.join(work, `cache-ingest-${r}`) };
        const ingestArgs = ['ingest', corpus, '--index', index, '--model', model, '--json'];
        const l0 = load();
        const full = await timed(ingestArgs, env);
        const fullSummary = JSON.parse(full.stdout) as { chunks: { embedded: number; total: number } };
        const l1 = load();
        const again = await timed(ingestArgs, env);
        const againSummary = JSON.parse(again.stdout) as { chunks: { embedded: number }; documents: { unchanged: number } };
        console.log(
          `ingest: full ${full.seconds.toFixed(2)} s, CPU ${full.cpu.toFixed(2)} s (${fullSummary.chunks.total} chunks, load ${l0}), unchanged ${again.seconds.toFixed(2)} s, CPU ${again.cpu.toFixed(2)} s (${againSummary.documents.unchanged} documents unchanged, ${againSummary.chunks.embedded} embedded, load ${l1})`,
        );
        rows.push(row('ingest, nothing changed', full, again, '≤ 5%', `${l0} / ${l1}`));
      }

      const evalEnv = { RAG_CACHE_DIR: path.join(work, `cache-eval-${r}`) };
      const evalArgs = (out: string): string[] => ['eval', '--dataset', dataset, '--model', model, '--mode', 'dense', '--json', '--out', path.join(work, out)];
      const l2 = load();
      const cold = await timed(evalArgs(`eval-cold-${r}`), evalEnv);
      const l3 = load();
      const warm = await timed(evalArgs(`eval-warm-${r}`), evalEnv);
      const ndcg = (stdout: string): string => {
        const runs = (JSON.parse(stdout) as { runs: Array<{ metrics: Record<string, number> }> }).runs;
        return (runs[0]?.metrics['ndcg_at_10'] ?? NaN).toFixed(4);
      };
      console.log(
        `eval: cold ${cold.seconds.toFixed(2)} s, CPU ${cold.cpu.toFixed(2)} s (nDCG@10 ${ndcg(cold.stdout)}, load ${l2}), warm ${warm.seconds.toFixed(2)} s, CPU ${warm.cpu.toFixed(2)} s (nDCG@10 ${ndcg(warm.stdout)}, load ${l3})`,
      );
      rows.push(row('eval, warm embedding cache', cold, warm, '≤ 10%', `${l2} / ${l3}`));
    }
    console.log('\n| run | first: wall s / CPU s | again: wall s / CPU s | again ÷ first, wall | again ÷ first, CPU | goal | load (first / again) |');
    console.log('|---|---:|---:|---:|---:|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
