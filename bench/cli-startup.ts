/**
 * CLI start-up and `rag query` on a 100k-chunk index.
 *
 *   npm run build && npm run bench:startup -- [--runs 25] [--chunks 100000] [--query-runs 7] [--no-query]
 *
 * 1. `node -e 0`, `rag --version` and `rag --help` (node bin/rag.js), interleaved round by round,
 *    `--runs` times each; the medians and their ratio to `node -e 0` (goal: ≤ 1.5).
 * 2. A 100k-chunk index for a generated 384-dimension BERT-shaped ONNX model
 *    (test/helpers/tiny-bert.ts: hidden 384, 6 layers, mean pooling), then `rag query --json
 *    --timings` against it `--query-runs` times: the process's wall time split into start-up
 *    (node boot + loading the CLI, measured inside the process from its start), index load,
 *    model load, query embedding and search, plus the rest (exit, printing), outside the process.
 *    The index is written with `writeIndex` like `rag ingest` writes it, from generated chunk
 *    text (~700 characters each) and clustered 384-d vectors (bench/clustered-vectors.ts) rather
 *    than by embedding 100k chunks with the model: only the files' sizes and shapes matter for
 *    what is timed here, and the model still embeds every query for real.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveModel } from '../src/embed/registry.js';
import type { Chunk } from '../src/model/document.js';
import { chunkingFor } from '../src/ingest/chunking.js';
import { writeIndex } from '../src/store/write-index.js';
import { seededRandom } from '../src/random.js';
import { tinyVocabulary, writeTinyModel } from '../test/helpers/tiny-bert.js';
import { clusteredVectors } from './clustered-vectors.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '25' },
    chunks: { type: 'string', default: '100000' },
    'query-runs': { type: 'string', default: '7' },
    'no-query': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const chunkCount = Number(values.chunks);
const queryRuns = Number(values['query-runs']);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'rag.js');
const load = (): string => os.loadavg()[0]!.toFixed(2);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timeRun(args: string[]): { ms: number; stdout: string; stderr: string } {
  const t = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

console.log(`# CLI start-up: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, load ${load()}`);
const commands: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['rag --version', [bin, '--version']],
  ['rag --help', [bin, '--help']],
];
const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
for (const [, args] of commands) timeRun(args); // warm the file cache
for (let round = 0; round < runs; round++) {
  for (const [name, args] of commands) times.get(name)!.push(timeRun(args).ms);
}
const base = median(times.get('node -e 0')!);
console.log(`${runs} interleaved runs each, load ${load()} at the end\n`);
console.log('| command | median ms | min ms | ÷ node -e 0 (medians) |');
console.log('|---|---:|---:|---:|');
for (const [name] of commands) {
  const xs = times.get(name)!;
  console.log(`| \`${name}\` | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | **${(median(xs) / base).toFixed(2)}** |`);
}

if (!values['no-query']) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-startup-'));
  try {
    const modelDir = await writeTinyModel(path.join(dir, 'model'), { hidden: 384, layers: 6, variant: 'mean', maxPositions: 512 });
    const embedder = await resolveModel(modelDir);
    const index = path.join(dir, 'index');
    const words = tinyVocabulary().filter((w) => /^[a-z]+$/.test(w));
    const rand = seededRandom(11);
    const sentence = (): string => {
      const n = 8 + Math.floor(rand() * 12);
      const ws = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!);
      return `${ws.join(' ')}.`;
    };
    const chunkText = (): string => {
      let text = sentence();
      while (text.length < 600 + rand() * 200) text += ` ${sentence()}`;
      return text;
    };

    let t = performance.now();
    const { vectors } = clusteredVectors({ count: chunkCount, queries: 0, dim: embedder.info.dimension, seed: 3 });
    const perDoc = 20;
    await writeIndex(
      index,
      { model: embedder.info, modelFingerprint: embedder.fingerprint, chunking: chunkingFor(undefined, embedder, {}) },
      async (tx) => {
        for (let start = 0; start < chunkCount; start += perDoc) {
          const docId = `docs/doc-${start / perDoc}.md`;
          const chunks: Chunk[] = [];
          let offset = 0;
          for (let i = start; i < Math.min(chunkCount, start + perDoc); i++) {
            const text = chunkText();
            chunks.push({ id: `${docId}#${i - start}`, docId, index: i - start, text, page: null, start: offset, end: offset + text.length, headings: ['Section'] });
            offset += text.length + 1;
          }
          tx.putDocument(
            { docId, source: docId, origin: path.join(dir, 'docs'), format: 'markdown', contentHash: `h${start}`, chunkIds: chunks.map((c) => c.id) },
            chunks,
            vectors.slice(start, start + chunks.length),
          );
        }
      },
    );
    await embedder.dispose?.();
    console.log(`\nbuilt a ${chunkCount}-chunk index in ${((performance.now() - t) / 1000).toFixed(1)} s (load ${load()})`);

    const queries = ['how does a vector database search fast', 'what is the quick brown fox', 'document retrieval model query'];
    const rows: Array<{ wall: number; startup: number; indexLoad: number; modelLoad: number; embed: number; search: number }> = [];
    const args = (q: string): string[] => [bin, 'query', q, '--index', index, '--model', modelDir, '-k', '10', '--json', '--timings'];
    timeRun(args(queries[0]!)); // warm the file cache
    for (let i = 0; i < queryRuns; i++) {
      t = performance.now();
      const { ms, stdout } = timeRun(args(queries[i % queries.length]!));
      const parsed = JSON.parse(stdout) as { results: unknown[]; timings: { startup: number; indexLoad: number; modelLoad: number; embed: number; search: number } };
      if (parsed.results.length !== 10) throw new Error(`expected 10 results, got ${parsed.results.length}`);
      const s = parsed.timings;
      rows.push({ wall: ms, startup: s.startup * 1000, indexLoad: s.indexLoad * 1000, modelLoad: s.modelLoad * 1000, embed: s.embed * 1000, search: s.search * 1000 });
    }
    const m = (key: keyof (typeof rows)[number]): number => median(rows.map((r) => r[key]));
    const wall = m('wall');
    const parts: Array<[string, number]> = [
      ['start-up (node boot + loading the CLI)', m('startup')],
      ['index load (chunk file, vectors, graph)', m('indexLoad')],
      ['model load', m('modelLoad')],
      ['query embedding', m('embed')],
      ['search + snippets', m('search')],
    ];
    const inside = parts.reduce((a, [, v]) => a + v, 0);
    console.log(`\n\`rag query\` on ${chunkCount} chunks, k=10, ${queryRuns} runs (medians), load ${load()}\n`);
    console.log('| step | median ms | share of wall |');
    console.log('|---|---:|---:|');
    for (const [name, v] of parts) console.log(`| ${name} | ${v.toFixed(1)} | ${((100 * v) / wall).toFixed(0)}% |`);
    console.log(`| rest (printing, exit; wall − steps) | ${(wall - inside).toFixed(1)} | ${((100 * (wall - inside)) / wall).toFixed(0)}% |`);
    console.log(`| **wall** | **${wall.toFixed(1)}** | 100% |`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
