/**
 * `rag eval`'s trade-off axes end to end on the sample knowledge base and the built-in `hash`
 * model: each list flag gives one row per value, dimensions and precision rows are scored from
 * the one index (the model embeds each chunk once), chunk sizes build one index each, reranked
 * rows go through a real loopback /v1/rerank server, --dry-run embeds nothing, bad lists are
 * one-line usage errors (exit 2).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluate } from '../src/eval/runner.js';
import { planEvaluation } from '../src/eval/dry-run.js';
import type { EvalEvent } from '../src/eval/eval-options.js';
import type { EvalResults } from '../src/eval/types.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { startFakeRerankServer, type FakeRerankServer } from './helpers/fake-rerank-server.js';
import { CountingEmbedder } from './helpers/counting-embedder.js';
import { writeTinyCrossEncoder } from './helpers/tiny-cross-encoder.js';

const ZH_SAMPLE = path.join(REPO, 'datasets', 'zh-sample');

let cwd: string;
let server: FakeRerankServer;
const rag = (args: string[]): Promise<CliResult> => runCli(args, { cwd, timeoutMs: 120_000 });

before(async () => {
  cwd = await tempDir('eval-axes');
  server = await startFakeRerankServer();
});
after(async () => {
  await server.close();
});

async function results(dir: string): Promise<EvalResults> {
  return JSON.parse(await readFile(path.join(cwd, dir, 'results.json'), 'utf8')) as EvalResults;
}


describe('rag eval trade-off axes', () => {
  it('dimensions × precision: one row each, one index, costs per row, warned as not Matryoshka', async () => {
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--dimensions', '256,64', '--precision', 'float32,int8', '--precision', 'binary', '--rescore', '20', '--out', 'dp']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: hash is not known to be Matryoshka-trained/);
    const res = await results('dp');
    assert.deepEqual(
      res.runs.map((run) => run.model),
      ['hash+d=256', 'hash+d=256+int8', 'hash+d=256+binary+rescore=20', 'hash+d=64', 'hash+d=64+int8', 'hash+d=64+binary+rescore=20'],
    );
    for (const run of res.runs) {
      const d = run.config['dimensions'] as number;
      const precision = run.config['precision'] as string;
      assert.equal(run.cost.dimension, d);
      const bytes = precision === 'float32' ? 4 * d : precision === 'int8' ? d : 8 * Math.ceil(d / 64);
      assert.equal(run.cost.bytesPerVector, bytes, run.model);
      assert.equal(run.cost.vectorBytes, bytes * run.cost.chunks);
      assert.ok(run.cost.searchMsP50 !== undefined && run.cost.searchMsP95! >= run.cost.searchMsP50);
    }
    assert.deepEqual(res.runs.map((run) => run.config['rescore']), [null, null, 20, null, null, 20]);
    // Truncation changes rankings (64 of hash's 256 dimensions lose information).
    assert.notDeepEqual(res.runs[0]!.metrics, res.runs[3]!.metrics);
    assert.match(r.stdout, /bytes\/vec/);
  });

  it('dimension and precision rows do not re-embed: the model embeds each chunk once', async () => {
    const model = new CountingEmbedder('toy-axes');
    const built: Array<EvalEvent & { type: 'index-built' }> = [];
    const out = await evaluate({
      dataset: ZH_SAMPLE,
      models: [model],
      cacheDir: path.join(cwd, 'cache-dp'),
      workDir: cwd,
      axes: { dimensions: [32, 16, 8], precisions: ['float32', 'int8', 'binary'] },
      onEvent: (e) => {
        if (e.type === 'index-built') built.push(e);
      },
    });
    assert.equal(out.runs.length, 9);
    assert.equal(built.length, 1);
    // The same dataset as one plain row, with a cold cache of its own: the same texts embedded.
    const plain = new CountingEmbedder('toy-axes');
    await evaluate({ dataset: ZH_SAMPLE, models: [plain], cacheDir: path.join(cwd, 'cache-plain'), workDir: cwd });
    assert.ok(plain.texts > 0);
    assert.equal(model.texts, plain.texts, '9 rows embed what 1 row embeds');
  });

  it('the rows of one index share their query vectors: each query is embedded once, cache or not', async () => {
    const model = new CountingEmbedder('toy-axes-queries');
    const out = await evaluate({
      dataset: ZH_SAMPLE,
      models: [model],
      cache: false,
      workDir: cwd,
      axes: { dimensions: [32, 16, 8], precisions: ['float32', 'int8', 'binary'] },
    });
    assert.equal(out.runs.length, 9);
    assert.ok(out.queries.length > 0);
    assert.equal(model.queries, out.queries.length, '9 rows embed the queries of 1 row');
  });

  it('chunk sizes: one index per size, chunk counts differ, all scored on the same documents', async () => {
    const model = new CountingEmbedder('toy-axes');
    const built: number[] = [];
    const out = await evaluate({
      dataset: ZH_SAMPLE,
      models: [model],
      cacheDir: path.join(cwd, 'cache-chunks'),
      workDir: cwd,
      axes: { chunkSizes: [60, 200], chunkOverlaps: [0], dimensions: [32, 16] },
      onEvent: (e) => {
        if (e.type === 'index-built') built.push(e.chunks);
      },
    });
    assert.deepEqual(out.runs.map((r) => r.model), ['toy-axes+chunk=60/0+d=32', 'toy-axes+chunk=60/0+d=16', 'toy-axes+chunk=200/0+d=32', 'toy-axes+chunk=200/0+d=16']);
    assert.equal(built.length, 2);
    assert.ok(built[0]! > built[1]!, `smaller chunks give more of them (${built.join(' vs ')})`);
    // Each index embedded once (distinct texts only, so at most its chunk count).
    assert.ok(model.texts <= built[0]! + built[1]! && model.texts > built[0]!, `${model.texts} texts for ${built.join(' + ')} chunks`);
    assert.deepEqual(out.runs.map((r) => r.config['chunkSize']), [60, 60, 200, 200]);
    assert.equal(out.runs[0]!.evaluatedQueries, out.runs[2]!.evaluatedQueries);
  });

  it('fusion lists: rrf k and convex alpha rows for hybrid only', async () => {
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--mode', 'dense', '--mode', 'hybrid', '--fusion', 'rrf,convex', '--rrf-k', '10,60', '--alpha', '0.2', '--alpha', '0.8', '--out', 'fu']);
    assert.equal(r.code, 0, r.stderr);
    const res = await results('fu');
    assert.deepEqual(
      res.runs.map((run) => `${run.model} ${run.mode}`),
      ['hash dense', 'hash+rrf-k=10 hybrid', 'hash+rrf-k=60 hybrid', 'hash+convex-alpha=0.2 hybrid', 'hash+convex-alpha=0.8 hybrid'],
    );
    assert.deepEqual(res.runs[3]!.config['fusion'], { method: 'convex', alpha: 0.2, depth: 100 });
    assert.notDeepEqual(res.runs[3]!.metrics, res.runs[4]!.metrics);
  });

  it('rerankers: none and an api: endpoint, calls counted and timed', async () => {
    const before = server.requests.length;
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--rerank', 'none', '--rerank', 'api:toy', '--rerank-base-url', `${server.origin}/v1`, '--rerank-depth', '20', '--json', '--out', 'rr']);
    assert.equal(r.code, 0, r.stderr);
    const res = await results('rr');
    assert.deepEqual(res.runs.map((run) => run.model), ['hash', 'hash+rerank=api:toy']);
    const reranked = res.runs[1]!;
    assert.deepEqual(reranked.config['rerank'], { id: 'api:toy', depth: 20 });
    assert.ok(reranked.cost.rerankCalls! >= res.queries.length);
    assert.ok(server.requests.length - before >= reranked.cost.rerankCalls!);
    assert.ok(reranked.cost.rerankMsP95! >= reranked.cost.rerankMsP50!);
    assert.equal(res.runs[0]!.cost.rerankCalls, undefined);
    assert.notDeepEqual(reranked.metrics, res.runs[0]!.metrics);
    // Reranked runs are cached like embeddings: the same eval again sends nothing, scores the same.
    const sent = server.requests.length;
    const again = await rag(['eval', '--dataset', ZH_SAMPLE, '--rerank', 'api:toy', '--rerank-base-url', `${server.origin}/v1`, '--rerank-depth', '20', '--json', '--out', 'rr2']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requests.length, sent, 'no rerank request on a warm cache');
    assert.deepEqual((await results('rr2')).runs[0]!.metrics, reranked.metrics);
  });

  it('a local cross-encoder (transformers.js, tiny generated model) as a rerank row, cached on re-run', async () => {
    await writeTinyCrossEncoder(path.join(cwd, 'tiny-xenc'), { maxPositions: 128 });
    const args = ['eval', '--dataset', ZH_SAMPLE, '--mode', 'bm25', '--rerank', 'none', '--rerank', './tiny-xenc', '--rerank-depth', '10', '--json'];
    const r = await rag([...args, '--out', 'xe']);
    assert.equal(r.code, 0, r.stderr);
    const res = await results('xe');
    assert.deepEqual(res.runs.map((run) => run.model), ['hash', 'hash+rerank=./tiny-xenc']);
    const reranked = res.runs[1]!;
    assert.ok(reranked.cost.rerankCalls! >= reranked.evaluatedQueries);
    assert.ok(reranked.cost.rerankMsP95! >= reranked.cost.rerankMsP50! && reranked.cost.rerankMsP50! > 0);
    assert.deepEqual(reranked.config['rerank'], { id: './tiny-xenc', depth: 10 });
    // The tiny model's scores are arbitrary but deterministic: they reorder the bm25 ranking.
    assert.notDeepEqual(reranked.metrics, res.runs[0]!.metrics);
    const again = await rag([...args, '--out', 'xe2']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await results('xe2')).runs[1]!.metrics, reranked.metrics, 'cached scores give the same ranking');
  });

  it('--dry-run prints the plan, stores nothing, and times local models on a sample only', async () => {
    const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--model', 'hash', '--chunk-size', '100,300', '--dimensions', '256,128', '--precision', 'float32,binary', '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = (JSON.parse(r.stdout) as { dryRun: { rows: unknown[]; indexes: Array<{ chunks: number; embedCalls: number; cacheHits: number | null }>; embedCalls: number } }).dryRun;
    assert.equal(plan.rows.length, 8);
    assert.equal(plan.indexes.length, 2);
    assert.equal(plan.indexes[0]!.cacheHits, null, 'hash is not cached');
    assert.ok(plan.indexes[0]!.chunks > plan.indexes[1]!.chunks);
    const text = await rag(['eval', '--dataset', ZH_SAMPLE, '--dimensions', '128', '--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /plan: 1 row from 1 index/);
    assert.match(text.stdout, /nothing was stored/);
    assert.match(text.stdout, /estimated embedding time: \d/);

    // A cacheable model: the plan counts cache hits, and embeds nothing itself.
    const model = new CountingEmbedder('toy-axes');
    const cacheDir = path.join(cwd, 'cache-dry');
    await mkdir(cacheDir, { recursive: true });
    const cold = await planEvaluation({ dataset: ZH_SAMPLE, models: [model], cacheDir, axes: { dimensions: [16, 8] } });
    // A local model is timed on a sample of what it would embed (at most 32 texts, after one warm-up), never the corpus.
    assert.equal(cold.indexes[0]!.estimateSample, Math.min(32, cold.embedCalls));
    assert.equal(model.texts, cold.indexes[0]!.estimateSample + 1, 'the sample, plus one untimed warm-up text');
    assert.ok(cold.estimatedEmbedSeconds !== null && cold.estimatedEmbedSeconds >= 0);
    assert.equal(cold.cacheHits, 0);
    assert.ok(cold.embedCalls > 0);
    assert.deepEqual(await readdir(cacheDir), [], 'the sample is not cached');
    await evaluate({ dataset: ZH_SAMPLE, models: [model], cacheDir, workDir: cwd });
    const warm = await planEvaluation({ dataset: ZH_SAMPLE, models: [new CountingEmbedder('toy-axes')], cacheDir, axes: { dimensions: [16, 8] } });
    assert.equal(warm.embedCalls, 0);
    assert.equal(warm.cacheHits, cold.embedCalls);
    assert.equal(warm.estimatedEmbedSeconds, 0, 'nothing to embed, nothing to time');
  });

  it('bad lists are one-line usage errors, exit 2, before anything runs', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--dimensions', '0'], /--dimensions 0: expected positive integers/],
      [['--dimensions', '8192'], /--dimensions 8192 is larger than hash's 4096 dimensions/],
      [['--precision', 'int4'], /unknown --precision "int4"/],
      [['--rescore', '10'], /--rescore applies to binary rows/],
      [['--fusion', 'convex'], /only apply to --mode hybrid/],
      [['--mode', 'hybrid', '--alpha', '2'], /--alpha must be between 0 and 1/],
      [['--chunk-size', '100', '--chunk-overlap', '100'], /--chunk-overlap 100 must be smaller than --chunk-size 100/],
      [['--rerank', 'bogus'], /unknown reranker/],
    ];
    for (const [args, message] of cases) {
      const r = await rag(['eval', '--dataset', ZH_SAMPLE, '--out', 'never', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const errLines = r.stderr.trim().split('\n').filter((l) => l.startsWith('rag:'));
      assert.equal(errLines.length, 1, r.stderr);
      assert.match(errLines[0]!, message);
    }
  });
});
