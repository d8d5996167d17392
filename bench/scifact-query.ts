/**
 * SciFact claims through the same code paths as `rag ingest` + `rag query`.
 *
 *   node --import tsx bench/scifact-query.ts [--mode dense] [--k 10] [--chunk-size N --chunk-overlap N]
 *     [--cli-checks 5] [--keep DIR]
 *
 * 1. Ingests ../shared/datasets/scifact/corpus.jsonl into a fresh temporary index with the library
 *    `ingest()` (what the CLI runs), timing its phases from the events it emits: model open, load
 *    (discover + parse), chunk + embed (until the last embed-progress event), and the rest, which
 *    is adding the vectors to HNSW plus writing and fsyncing the index files.
 * 2. Runs every claim (queries.jsonl) through the library `query()` with k chunks and counts the
 *    claims with at least one cited abstract (qrels/test.tsv) among the documents of those chunks
 *    (chunks deduplicated by docId, so fewer than k documents may come back). `query()` opens the
 *    index from disk on every call, as the CLI does once per process; its latency is shown next to
 *    a retriever opened once and reused (what a long-running server would do).
 * 3. Runs a few claims through the real CLI (`node bin/rag.js query … --json`, needs `npm run build`)
 *    and checks it returns the same top-k chunk ids as the library.
 *
 * Skips (exit 0) when ../shared/datasets/scifact is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ingest } from '../src/ingest/pipeline.js';
import type { IngestEvent } from '../src/ingest/pipeline.js';
import { openModelFor } from '../src/embed/open-model.js';
import { openRetriever } from '../src/retrieve/open.js';
import { query } from '../src/retrieve/query.js';
import type { RetrievalMode } from '../src/retrieve/types.js';
import { IndexStore } from '../src/store/index-store.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCIFACT = fileURLToPath(new URL('../../shared/datasets/scifact/', import.meta.url));

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'dense' },
    k: { type: 'string', default: '10' },
    'chunk-size': { type: 'string' },
    'chunk-overlap': { type: 'string' },
    'cli-checks': { type: 'string', default: '5' },
    keep: { type: 'string' },
  },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function latencyLine(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `| ${label} | ${percentile(s, 50).toFixed(1)} | ${percentile(s, 95).toFixed(1)} | ${mean.toFixed(1)} | ${s[s.length - 1]!.toFixed(1)} |`;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
    console.log(`skipped: ${SCIFACT} is absent (the shared datasets live next to the repo)`);
    return;
  }
  const mode = values.mode as RetrievalMode;
  const k = Number(values.k);
  const cliChecks = Number(values['cli-checks']);

  const qrels = new Map<string, Set<string>>();
  for (const line of readFileSync(path.join(SCIFACT, 'qrels', 'test.tsv'), 'utf8').split('\n').slice(1)) {
    const [qid, docId, grade] = line.split('\t');
    if (!qid || !docId || !(Number(grade) > 0)) continue;
    if (!qrels.has(qid)) qrels.set(qid, new Set());
    qrels.get(qid)!.add(docId);
  }
  const claims = readFileSync(path.join(SCIFACT, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { _id: string; text: string })
    .filter((q) => qrels.has(q._id));

  const work = values.keep ?? (await mkdtemp(path.join(os.tmpdir(), 'rag-bench-scifact-')));
  const index = path.join(work, 'index');
  try {
    // --- ingest, phases timed from its events
    const marks: Record<string, number> = {};
    const t0 = performance.now();
    const onEvent = (e: IngestEvent): void => {
      const now = performance.now() - t0;
      if (e.type === 'model') marks.model = now;
      if (e.type === 'loaded') marks.loaded = now;
      if (e.type === 'embed-progress' && e.done === e.total) marks.embedded = now;
    };
    const summary = await ingest({
      paths: [path.join(SCIFACT, 'corpus.jsonl')],
      index,
      cache: false,
      onEvent,
      ...(values['chunk-size'] === undefined ? {} : { chunkSize: Number(values['chunk-size']) }),
      ...(values['chunk-overlap'] === undefined ? {} : { chunkOverlap: Number(values['chunk-overlap']) }),
    });
    const total = performance.now() - t0;
    const store = await IndexStore.open(index);
    const bytes = await store.diskBytes();
    const sec = (ms: number | undefined): string => (ms === undefined ? 'n/a' : (ms / 1000).toFixed(2));
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.availableParallelism()} cores`);
    console.log(
      `ingest: ${summary.documents.added} documents, ${summary.chunks.total} chunks (chunking ${JSON.stringify(summary.chunking)}), model ${summary.model}, index ${(bytes / 1e6).toFixed(1)} MB`,
    );
    console.log('| phase | seconds | share |');
    console.log('|---|---|---|');
    const phases: Array<[string, number | undefined, number | undefined]> = [
      ['open model', 0, marks.model],
      ['discover + load corpus.jsonl', marks.model, marks.loaded],
      ['chunk + embed', marks.loaded, marks.embedded],
      ['HNSW add + write + fsync + rename', marks.embedded, total],
      ['total', 0, total],
    ];
    for (const [label, from, to] of phases) {
      const d = from === undefined || to === undefined ? undefined : to - from;
      console.log(`| ${label} | ${sec(d)} | ${d === undefined ? '' : `${((100 * d) / total).toFixed(0)}%`} |`);
    }

    // --- every claim through query()
    const perClaim = new Map<string, string[]>();
    const queryMs: number[] = [];
    let hits = 0;
    let docsReturned = 0;
    for (const claim of claims) {
      const started = performance.now();
      const result = await query({ text: claim.text, index, k, mode });
      queryMs.push(performance.now() - started);
      perClaim.set(claim._id, result.results.map((r) => r.chunkId));
      const docs = new Set(result.results.map((r) => r.docId));
      docsReturned += docs.size;
      if ([...qrels.get(claim._id)!].some((d) => docs.has(d))) hits++;
    }

    // --- the same searches with the index and model opened once
    const embedder = await openModelFor(store, undefined, {});
    const stats = store.corpusStatistics();
    if (embedder.corpusStatistics && stats) embedder.corpusStatistics.load(stats);
    const retriever = openRetriever(store, embedder, mode);
    const warmMs: number[] = [];
    let agree = 0;
    for (const claim of claims) {
      const started = performance.now();
      const found = await retriever.search(claim.text, k);
      warmMs.push(performance.now() - started);
      if (found.map((h) => h.chunk.id).join('\n') === perClaim.get(claim._id)!.join('\n')) agree++;
    }
    await embedder.dispose?.();

    console.log('');
    console.log(
      `mode ${mode}, k=${k} chunks: ${hits}/${claims.length} claims (${(hits / claims.length).toFixed(3)}) have a cited abstract in the top ${k}; ` +
        `${(docsReturned / claims.length).toFixed(2)} distinct documents per claim on average`,
    );
    console.log(`reused retriever returned the same top-${k} as query() for ${agree}/${claims.length} claims`);
    console.log('| latency ms | p50 | p95 | mean | max |');
    console.log('|---|---|---|---|---|');
    console.log(latencyLine('query() (opens index + model each call)', queryMs));
    console.log(latencyLine('retriever opened once', warmMs));

    // --- a few claims through the real CLI
    const cli = path.join(REPO, 'bin', 'rag.js');
    let same = 0;
    const checked = claims.filter((_, i) => i % Math.max(1, Math.floor(claims.length / cliChecks)) === 0).slice(0, cliChecks);
    const cliMs: number[] = [];
    for (const claim of checked) {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [cli, 'query', claim.text, '--index', index, '-k', String(k), '--mode', mode, '--json'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      cliMs.push(performance.now() - started);
      const parsed = JSON.parse(stdout) as { results: Array<{ chunkId: string }> };
      const ids = parsed.results.map((r) => r.chunkId);
      const ok = ids.join('\n') === perClaim.get(claim._id)!.join('\n');
      if (ok) same++;
      else console.log(`CLI differs for claim ${claim._id}: ${ids.join(',')} vs ${perClaim.get(claim._id)!.join(',')}`);
    }
    if (checked.length) {
      console.log(`CLI \`rag query --json\` gave the same top-${k} chunk ids for ${same}/${checked.length} claims (${checked.map((c) => c._id).join(', ')})`);
      console.log(latencyLine('CLI process (node start + open + search)', cliMs));
    }
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    if (values.keep === undefined) await rm(work, { recursive: true, force: true });
  }
}

await main();
