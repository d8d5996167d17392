/**
 * Library errors say what to do in library terms (no `--flag`, no `rag <command>`), carry a code
 * and the details behind the message; the CLI words the same error with its commands and flags.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cliLine, cliWording } from '../src/cli/error-advice.js';
import { EmbeddingCache } from '../src/embed/cache.js';
import { providerNamed } from '../src/embed/providers.js';
import { hubFailureError, offlineMissingError, probeHub } from '../src/embed/transformers-hub.js';
import { parseAdapter, readAdapter } from '../src/embed/query-adapter.js';
import { loadDataset } from '../src/eval/dataset.js';
import { detectFileEncoding } from '../src/eval/dataset-lines.js';
import { readBaseline } from '../src/eval/report/results-json.js';
import { readQuerySegments } from '../src/eval/segments.js';
import { findRun } from '../src/eval/explain.js';
import { parseMaxDrop } from '../src/eval/gate.js';
import { JudgmentStore } from '../src/eval/label/judgments.js';
import { parseCorrection } from '../src/eval/multiple-testing.js';
import { promptSet } from '../src/eval/querygen/prompts.js';
import type { EvalResults } from '../src/eval/types.js';
import { readFullVectors } from '../src/eval/vector-variants.js';
import { createPool, pgError } from '../src/store/pg/connect.js';
import { parsePgLocation } from '../src/store/pg/location.js';
import type { IndexReader } from '../src/store/reader.js';
import { checkGate, generateQueries, ingest, inspectIndex, parseMetricFloor, planEvaluation, query, RagError, resolveModel } from '../src/index.js';
import { ERROR_CODES } from '../src/errors.js';
import { assertDecoded, decodeText } from '../src/ingest/encoding.js';
import { validateChunkingOptions } from '../src/ingest/chunk.js';
import { openChatModel } from '../src/llm/open-chat.js';
import { createHttpReranker } from '../src/rerank/http-rerank.js';
import { openReranker } from '../src/rerank/open-reranker.js';
import { openCrossEncoder } from '../src/rerank/cross-encoder.js';
import { parseNegativeRange } from '../src/tune/negatives.js';
import { splitQueries } from '../src/tune/split.js';
import { runCli, tempDir } from './helpers/cli.js';

/** Rejects with a RagError of `code` whose message and hint name no CLI flag or command. */
async function neutral(promise: Promise<unknown>, code: string): Promise<RagError> {
  const error = await promise.then(
    () => assert.fail('expected a RagError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RagError, String(error));
  assert.equal(error.code, code);
  for (const text of [error.message, error.hint ?? '']) {
    assert.doesNotMatch(text, /(^|\s|`)--[a-z]/, text);
    assert.doesNotMatch(text, /\brag (ingest|query|queries|eval|models|cache|tune|label|check|inspect)\b/, text);
  }
  return error;
}

/** {@link neutral} for a function that throws synchronously. */
function neutralSync(fn: () => unknown, code: string): Promise<RagError> {
  return neutral(Promise.resolve().then(fn), code);
}

/** What the CLI prints after `rag: ` for `e`, in English. */
const line = (e: RagError): string => cliLine(cliWording(e, 'en'));

describe('library errors are CLI-neutral; the CLI adds the advice', () => {
  let dir: string;
  let docs: string;
  let index: string;
  before(async () => {
    dir = await tempDir('advice');
    docs = path.join(dir, 'docs');
    index = path.join(dir, 'idx');
    await mkdir(docs);
    await writeFile(path.join(docs, 'a.md'), '# A\n\nLighthouses guide ships at night.\n');
    await ingest({ paths: [docs], index, cache: false });
  });

  it('index-missing', async () => {
    const missing = path.join(dir, 'absent');
    const e = await neutral(query({ text: 'x', index: missing }), 'index-missing');
    assert.equal(e.details['location'], missing);
    const r = await runCli(['query', 'x', '--index', missing], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: no index at ${missing}: run \`rag ingest <paths>\` first\n`);
  });

  it('model-mismatch', async () => {
    const e = await neutral(ingest({ paths: [docs], index, model: 'bge-small-zh', cache: false }), 'model-mismatch');
    assert.equal(e.details['builtModel'], 'hash');
    const r = await runCli(['ingest', docs, '--index', index, '--model', 'bge-small-zh'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: index ${index} was built with model hash, not bge-small-zh; use --model hash or ingest into another --index\n`);
  });

  it('chunking-mismatch', async () => {
    const e = await neutral(ingest({ paths: [docs], index, chunkSize: 300, cache: false }), 'chunking-mismatch');
    assert.equal(e.details['chunkSize'], 800);
    const r = await runCli(['ingest', docs, '--index', index, '--chunk-size', '300', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: index ${index} was built with --chunk-size 800 --chunk-overlap 100; use those, re-chunk it with --rebuild, or ingest into another --index\n`);
    const doc = JSON.parse(r.stdout) as { error: { code: string; hint: string } };
    assert.equal(doc.error.code, 'chunking-mismatch');
    assert.match(doc.error.hint, /--rebuild/);
  });

  it('model-unknown', async () => {
    const e = await neutral(ingest({ paths: [docs], index: path.join(dir, 'other'), model: 'bge-smal-zh', cache: false }), 'model-unknown');
    assert.match(e.hint ?? '', /did you mean bge-small-zh\?/);
    const r = await runCli(['ingest', docs, '--index', path.join(dir, 'other'), '--model', 'bge-smal-zh'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rag: unknown model 'bge-smal-zh'; did you mean bge-small-zh\? run `rag models` for the list/);
  });

  it('cache-unusable', async () => {
    const cacheDir = path.join(dir, 'cache');
    const fp = 'c'.repeat(64);
    await mkdir(path.join(cacheDir, fp), { recursive: true });
    await writeFile(path.join(cacheDir, fp, 'vectors.bin'), 'not a cache file');
    const e = await neutral(EmbeddingCache.open(fp, 16, { dir: cacheDir }), 'cache-unusable');
    assert.equal(cliLine(cliWording(e)), `${e.summary}; delete it or run \`rag cache clear\``);
    assert.equal(cliLine(cliWording(e, 'zh-Hans')), `${e.summary}; 请删除该文件，或运行 \`rag cache clear\``);
  });

  it('chunking options name the library option; the CLI names the flag', async () => {
    const unit = 'tokens' as const;
    let e = await neutralSync(() => validateChunkingOptions({ chunkSize: 100, chunkOverlap: 100, lengthUnit: unit }), 'usage');
    assert.equal(e.message, 'chunkOverlap (100) must be smaller than chunkSize (100)');
    assert.equal(line(e), '--chunk-overlap (100) must be smaller than --chunk-size (100)');
    assert.equal(cliLine(cliWording(e, 'zh-Hans')), '--chunk-overlap（100）必须小于 --chunk-size（100）');
    e = await neutralSync(() => validateChunkingOptions({ chunkSize: 0, chunkOverlap: 0, lengthUnit: unit }), 'usage');
    assert.equal(line(e), '--chunk-size (0) must be a positive whole number');
    e = await neutralSync(() => validateChunkingOptions({ chunkSize: 10, chunkOverlap: -1, lengthUnit: unit }), 'usage');
    assert.equal(line(e), '--chunk-overlap (-1) must be a whole number, 0 or more');
    const r = await runCli(['ingest', docs, '--index', path.join(dir, 'chunky'), '--chunk-size', '50', '--chunk-overlap', '60'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'rag: --chunk-overlap (60) must be smaller than --chunk-size (50)\n');
  });

  it('tune: negative range and test fraction', async () => {
    let e = await neutralSync(() => parseNegativeRange('100-10'), 'usage');
    assert.equal(line(e), 'invalid --range "100-10": expected SKIP-DEPTH with SKIP < DEPTH, e.g. 10-100');
    e = await neutralSync(() => splitQueries(['a', 'b'], (q) => q, { testFraction: 1.5 }), 'usage');
    assert.equal(line(e), 'invalid --test-fraction 1.5: expected a number between 0 and 1 (e.g. 0.2)');
  });

  it('unknown chat model and reranker', async () => {
    let e = await neutralSync(() => openChatModel('gpt-4o'), 'usage');
    assert.equal(line(e), 'unknown chat model "gpt-4o"; use --llm openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY) or --llm ollama:MODEL (OLLAMA_HOST)');
    e = await neutralSync(() => openReranker('bogus-reranker'), 'usage');
    const saved = process.env['RERANK_BASE_URL'];
    delete process.env['RERANK_BASE_URL'];
    try {
      const missing = await neutralSync(() => createHttpReranker('m'), 'usage');
      assert.equal(line(missing), 'rerank model api:m needs an endpoint; pass --rerank-base-url URL (the API root, e.g. https://api.jina.ai/v1) or set RERANK_BASE_URL');
    } finally {
      if (saved !== undefined) process.env['RERANK_BASE_URL'] = saved;
    }
    assert.match(line(e), /^unknown reranker "bogus-reranker"; use a local cross-encoder \(.+, hf:ORG\/NAME or \.\/folder\) or api:MODEL with --rerank-base-url \(a \/v1\/rerank endpoint/);
  });

  it('segment field', async () => {
    const ds = path.join(dir, 'seg');
    await mkdir(ds, { recursive: true });
    await writeFile(path.join(ds, 'queries.jsonl'), '{"_id":"q1","text":"x"}\n');
    let e = await neutral(readQuerySegments(ds, 'relevant'), 'usage');
    assert.equal(line(e), 'invalid --segment-by "relevant": name a field of queries.jsonl such as language or source');
    e = await neutral(readQuerySegments(ds, 'colour'), 'usage');
    assert.equal(line(e), `--segment-by colour: no query in ${path.join(ds, 'queries.jsonl')} has a "colour" field (top level or in "metadata")`);
  });

  it('baseline-invalid: a missing baseline', async () => {
    const file = path.join(dir, 'no-baseline.json');
    const e = await neutral(readBaseline(file), 'baseline-invalid');
    assert.equal(line(e), `baseline file not found: ${file} (create one with rag eval --out and commit its results.json)`);
  });

  it('query adapter files', async () => {
    let e = await neutralSync(() => parseAdapter('{not json', 'a.json'), 'adapter-invalid');
    assert.equal(line(e), 'a.json is not a query adapter (not JSON); make one with `rag tune adapter`');
    e = await neutralSync(() => parseAdapter('{"kind":"something-else"}', 'b.json'), 'adapter-invalid');
    assert.match(line(e), /^b\.json is not a query adapter .*; make one with `rag tune adapter`$/);
    const file = path.join(dir, 'no-adapter.json');
    e = await neutral(readAdapter(file), 'path-not-found');
    assert.equal(line(e), `adapter file not found: ${file}; make one with \`rag tune adapter --out FILE\``);
    const r = await runCli(['query', 'x', '--index', index, '--adapter', file], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: adapter file not found: ${file}; make one with \`rag tune adapter --out FILE\`\n`);
  });

  it('dataset splits', async () => {
    const simple = path.join(dir, 'simple-ds');
    await mkdir(simple, { recursive: true });
    await writeFile(path.join(simple, 'a.md'), '# a\n');
    await writeFile(path.join(simple, 'queries.jsonl'), '{"query": "a", "relevant": ["a.md"]}\n');
    const held = path.join(dir, 'held.tsv');
    let e = await neutral(loadDataset(simple, { split: held }), 'usage');
    assert.equal(line(e), `--split ${held}: a qrels file as split needs a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/); ${simple} has the simple layout`);
    const beir = path.join(dir, 'beir-ds');
    await mkdir(path.join(beir, 'qrels'), { recursive: true });
    await writeFile(path.join(beir, 'corpus.jsonl'), '{"_id":"d1","text":"one"}\n');
    await writeFile(path.join(beir, 'queries.jsonl'), '{"_id":"q1","text":"one"}\n');
    await writeFile(path.join(beir, 'qrels', 'dev.tsv'), 'query-id\tcorpus-id\tscore\n');
    e = await neutral(loadDataset(beir, { split: 'dev' }), 'dataset-invalid');
    assert.equal(line(e), `${path.join(beir, 'qrels', 'dev.tsv')}: split "dev" is empty (no labels); add query-id, corpus-id, score lines or choose another --split`);
  });

  it('duplicate-document: two documents with one id', async () => {
    // Two BEIR corpora (different relative paths, so discovery keeps both) that reuse an _id.
    const one = path.join(dir, 'dup', 'one');
    const two = path.join(dir, 'dup', 'two');
    await mkdir(one, { recursive: true });
    await mkdir(path.join(two, 'sub'), { recursive: true });
    await writeFile(path.join(one, 'corpus.jsonl'), '{"_id":"d1","text":"the first"}\n');
    await writeFile(path.join(two, 'sub', 'corpus.jsonl'), '{"_id":"d1","text":"the second"}\n');
    const target = path.join(dir, 'dup', 'idx');
    const e = await neutral(ingest({ paths: [one, two], index: target, cache: false }), 'duplicate-document');
    assert.deepEqual([e.details['docId'], e.details['source']], ['d1', 'sub/corpus.jsonl#d1']);
    assert.equal(e.message, 'two documents have the id "d1" (the second from sub/corpus.jsonl#d1); ingest them into separate indexes or rename one');
    const r = await runCli(['ingest', one, two, '--index', target], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'rag: two documents have the id "d1" (the second from sub/corpus.jsonl#d1); ingest them into separate --index directories or rename one\n');
    assert.equal(
      cliLine(cliWording(e, 'zh-Hans')),
      '两个文档的 id 都是 "d1"（第二个来自 sub/corpus.jsonl#d1）；请把它们导入不同的 --index 目录，或重命名其中一个',
    );
  });

  it('an unknown document for inspect', async () => {
    let e = await neutral(inspectIndex({ index, doc: 'a' }), 'usage');
    assert.equal(e.hint, 'did you mean a.md? (inspectIndex() without a doc lists the document ids)');
    assert.equal(line(e), `no document 'a' in ${index}; did you mean a.md? (\`rag inspect\` lists the document ids)`);
    e = await neutral(inspectIndex({ index, doc: 'zzzzzzzzzzzz' }), 'usage');
    assert.equal(e.hint, 'inspectIndex() without a doc lists the document ids');
    assert.equal(line(e), `no document 'zzzzzzzzzzzz' in ${index}; run \`rag inspect\` to list the document ids`);
  });

  it('encoding hints', async () => {
    const bad = randomBytes(4000);
    let e = await neutralSync(() => assertDecoded(decodeText(bad), 'x.txt'), 'encoding-unknown');
    assert.equal(e.hint, "convert it to UTF-8, or name its encoding with the encoding option (e.g. 'big5')");
    assert.equal(cliWording(e).hint, 'convert it to UTF-8, or name its encoding with --encoding (e.g. --encoding big5)');
    const file = path.join(dir, 'gbk.jsonl');
    await writeFile(file, Buffer.from('{"_id":"q1","text":"\\u4e2d"}\n', 'utf8'));
    e = await neutral(detectFileEncoding(file, 'utf-16le'), 'usage');
    assert.equal(line(e), '--encoding utf-16le is not supported for dataset files; save them as UTF-8');
  });
});

describe('eval errors: library option names, CLI flags', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('advice-eval');
  });

  it('explain: an absent and an ambiguous run', async () => {
    const results = { runs: [{ model: 'm', mode: 'dense' }, { model: 'm', mode: 'bm25' }] } as unknown as EvalResults;
    let e = await neutralSync(() => findRun(results, 'zz'), 'usage');
    assert.equal(e.message, 'no run "zz" in this evaluation (runs: m:dense, m:bm25)');
    assert.equal(line(e), '--explain: no run "zz" in this evaluation (runs: m:dense, m:bm25)');
    e = await neutralSync(() => findRun(results, 'm'), 'usage');
    assert.equal(e.message, 'run "m" names 2 runs; add the mode, e.g. m:dense');
    assert.equal(line(e), '--explain: "m" names 2 runs; add the mode, e.g. m:dense');
    assert.equal(cliLine(cliWording(e, 'zh-Hans')), '--explain："m" 对应 2 个运行；请加上模式，例如 m:dense');
  });

  it('gate: floors, max drop, a metric not computed, equivalence without a margin, correction', async () => {
    let e = await neutralSync(() => parseMetricFloor('ndcg_at_10'), 'usage');
    assert.equal(e.message, 'invalid metric floor "ndcg_at_10": expected METRIC=VALUE, e.g. ndcg_at_10=0.6');
    assert.equal(line(e), 'invalid --min "ndcg_at_10": expected METRIC=VALUE, e.g. ndcg_at_10=0.6');
    e = await neutralSync(() => parseMetricFloor('ndcg_at_10=high'), 'usage');
    assert.equal(line(e), 'invalid --min "ndcg_at_10=high": the value must be a number between 0 and 1');
    e = await neutralSync(() => parseMaxDrop('lots'), 'usage');
    assert.equal(e.message, 'invalid maxDrop "lots": expected a number between 0 and 1 (0.02 = two points of nDCG)');
    assert.equal(line(e), 'invalid --max-drop "lots": expected a number between 0 and 1 (0.02 = two points of nDCG)');
    const run = { model: 'a', mode: 'dense' as const, metrics: { ndcg_at_10: 0.5 } };
    e = await neutralSync(() => checkGate({ runs: [run] }, undefined, { min: [{ metric: 'ndcg_at_7', value: 0.1 }] }), 'usage');
    assert.equal(e.message, 'the gate needs ndcg_at_7 but a (dense) did not compute it: add its k to the ks option');
    assert.equal(line(e), 'the gate needs ndcg_at_7 but a (dense) did not compute it: add its k to --k');
    e = await neutralSync(() => checkGate({ runs: [run] }, undefined, { failUnlessEquivalent: true }), 'usage');
    assert.equal(e.message, 'failUnlessEquivalent needs statistics.margin (e.g. 0.01)');
    assert.equal(line(e), '--fail-unless-equivalent needs --margin X (e.g. --margin 0.01)');
    e = await neutralSync(() => parseCorrection('bonferroni'), 'usage');
    assert.equal(e.message, 'unknown correction "bonferroni"; use none, holm, bh');
    assert.equal(line(e), 'unknown --correction "bonferroni"; use none, holm, bh');
  });

  it('eval axes: dimensions larger than the model, rows that need vectors in memory', async () => {
    const ds = path.join(dir, 'ds');
    await mkdir(ds, { recursive: true });
    await writeFile(path.join(ds, 'a.md'), '# a\n\nalpha\n');
    await writeFile(path.join(ds, 'queries.jsonl'), '{"query": "alpha", "relevant": ["a.md"]}\n');
    let e = await neutral(planEvaluation({ dataset: ds, axes: { dimensions: [8192] }, cache: false }), 'usage');
    assert.equal(e.message, "dimensions 8192 is larger than hash's 4096 dimensions; use values up to 4096");
    assert.equal(line(e), "--dimensions 8192 is larger than hash's 4096 dimensions; use values up to 4096");
    e = await neutral(planEvaluation({ dataset: ds, axes: { dimensions: [0] }, cache: false }), 'usage');
    assert.equal(line(e), '--dimensions 0: expected positive whole numbers');
    e = await neutral(readFullVectors({} as unknown as IndexReader), 'usage');
    assert.equal(e.message, 'the dimensions and precision axes need the vectors in memory, which a PostgreSQL index does not give; evaluate these rows on an index folder (the default temporary folder works)');
    assert.equal(line(e), '--dimensions and --precision need the vectors in memory, which a PostgreSQL --index does not give; leave out --index postgres://… for these rows (the default temporary folder works)');
    const r = await runCli(['eval', '--dataset', ds, '--dimensions', '8192', '--no-cache'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), "rag: --dimensions 8192 is larger than hash's 4096 dimensions; use values up to 4096");
  });

  it('queries generate: count, source, a labelled output folder, prompt template; label: not a BEIR dataset', async () => {
    const llm = openChatModel('ollama:unused');
    let e = await neutral(generateQueries({ paths: [dir], llm, count: 0, out: path.join(dir, 'q') }), 'usage');
    assert.equal(e.message, 'count must be a positive integer, got 0');
    assert.equal(line(e), '--count must be a positive integer, got 0');
    e = await neutral(generateQueries({ llm, count: 3, out: path.join(dir, 'q') }), 'usage');
    assert.equal(line(e), 'give either document paths or --index, not both and not neither');
    const out = path.join(dir, 'judged');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'judgments.jsonl'), '');
    const docs = path.join(dir, 'docs');
    await mkdir(docs, { recursive: true });
    await writeFile(path.join(docs, 'a.md'), '# a\n\n' + 'Lighthouses guide ships at night along the rocky coast. '.repeat(8) + '\n');
    e = await neutral(generateQueries({ paths: [docs], llm, count: 3, out }), 'usage');
    assert.equal(e.message, `${out} holds judgments people made (judgments.jsonl); generating into it would overwrite its qrels; choose another output folder`);
    assert.equal(line(e), `${out} holds judgments made with \`rag label\` (judgments.jsonl); generating into it would overwrite its qrels; choose another --out folder`);
    e = await neutralSync(() => promptSet('only {{passage}}'), 'usage');
    assert.equal(e.summary, 'the prompt template has no {{count}}');
    assert.equal(line(e), 'the --prompt template has no {{count}}; a template needs {{passage}} and {{count}}; {{styles}} and {{language}} are optional');
    const qrels = path.join(dir, 'simple', 'qrels', 'test.tsv');
    e = await neutral(JudgmentStore.open(path.join(dir, 'simple'), 'test'), 'dataset-invalid');
    assert.equal(e.message, `labelling needs a BEIR dataset: ${qrels} is missing; make one with generateQueries(), or convert your queries.jsonl to corpus.jsonl, queries.jsonl and qrels/test.tsv`);
    assert.equal(line(e), `rag label needs a BEIR dataset: ${qrels} is missing; make one with \`rag queries generate\`, or convert your queries.jsonl to corpus.jsonl, queries.jsonl and qrels/test.tsv`);
  });
});

describe('index location errors: the library says index, the CLI says --index', () => {
  it('PostgreSQL URLs', async () => {
    const cases: Array<[string, string, string]> = [
      ['postgres://u:secret@h:5432/db?tabel=x', 'PostgreSQL index postgres://u@h:5432/db?tabel=x: unknown parameter "tabel"; use table, sslmode, sslrootcert, sslcert, sslkey, application_name, connect_timeout, hnsw_m, hnsw_ef_construction', '--index postgres://u@h:5432/db?tabel=x: unknown parameter "tabel"; use table, sslmode, sslrootcert, sslcert, sslkey, application_name, connect_timeout, hnsw_m, hnsw_ef_construction'],
      ['postgres://h/db?table=Bad', 'PostgreSQL index postgres://h/db?table=Bad: table "Bad" must be a lowercase identifier (letters, digits, _; at most 48 characters)', '--index postgres://h/db?table=Bad: table "Bad" must be a lowercase identifier (letters, digits, _; at most 48 characters)'],
      ['postgres://h/db?sslmode=prefer', 'PostgreSQL index postgres://h/db?sslmode=prefer: sslmode "prefer" is not supported; use disable, require, verify-ca, verify-full', '--index postgres://h/db?sslmode=prefer: sslmode "prefer" is not supported; use disable, require, verify-ca, verify-full'],
      ['postgres://h/db?connect_timeout=soon', 'PostgreSQL index postgres://h/db?connect_timeout=soon: connect_timeout must be a number of seconds', '--index postgres://h/db?connect_timeout=soon: connect_timeout must be a number of seconds'],
      ['postgres://h/db?hnsw_m=1', "PostgreSQL index postgres://h/db?hnsw_m=1: hnsw_m must be an integer from 2 to 100 (pgvector's range)", "--index postgres://h/db?hnsw_m=1: hnsw_m must be an integer from 2 to 100 (pgvector's range)"],
      ['postgres://h/db?hnsw_m=16&hnsw_ef_construction=20', "PostgreSQL index postgres://h/db?hnsw_m=16&hnsw_ef_construction=20: hnsw_ef_construction must be at least twice hnsw_m (pgvector's rule)", "--index postgres://h/db?hnsw_m=16&hnsw_ef_construction=20: hnsw_ef_construction must be at least twice hnsw_m (pgvector's rule)"],
      ['postgres://h:x/db', 'the index location is not a valid PostgreSQL URL; use postgres://USER@HOST:PORT/DB?table=NAME', '--index is not a valid PostgreSQL URL; use postgres://USER@HOST:PORT/DB?table=NAME'],
    ];
    for (const [url, library, cli] of cases) {
      const e = await neutralSync(() => parsePgLocation(url, {}), 'index-location');
      assert.equal(e.message, library);
      assert.equal(line(e), cli);
      assert.doesNotMatch(line(e), /secret/);
    }
    const port = await neutralSync(() => parsePgLocation('postgres://h/db', { PGPORT: '0' }), 'index-location');
    assert.equal(port.message, 'PostgreSQL index postgres://h/db: invalid port');
    assert.equal(line(port), '--index postgres://h/db: invalid port');
    const r = await runCli(['query', 'x', '--index', 'postgres://h/db?sslmode=prefer'], { cwd: import.meta.dirname });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'rag: --index postgres://h/db?sslmode=prefer: sslmode "prefer" is not supported; use disable, require, verify-ca, verify-full\n');
  });

  it('TLS files named in the URL', async () => {
    for (const [param, what] of [['sslrootcert', 'root certificate'], ['sslcert', 'client certificate'], ['sslkey', 'client key']] as const) {
      const location = parsePgLocation(`postgres://u@127.0.0.1:9/db?sslmode=verify-full&${param}=/nonexistent/f.pem`, {});
      const e = await neutralSync(() => createPool(location), 'database-auth');
      assert.equal(e.message, `cannot read the TLS ${what} (${param}) /nonexistent/f.pem named in the index URL`);
      assert.equal(line(e), `cannot read the TLS ${what} (${param}) /nonexistent/f.pem named in --index`);
    }
  });

  it('a server without TLS', async () => {
    const location = parsePgLocation('postgres://u@127.0.0.1:5999/db?sslmode=require', {});
    const e = await neutralSync(() => {
      throw pgError(new Error('The server does not support SSL connections'), location);
    }, 'database-auth');
    assert.equal(e.message, 'PostgreSQL at 127.0.0.1:5999 does not accept TLS connections; use sslmode=disable in the index URL, or enable TLS on the server');
    assert.equal(line(e), 'PostgreSQL at 127.0.0.1:5999 does not accept TLS connections; use sslmode=disable in --index, or enable TLS on the server');
  });

  it('a folder that is not an index', async () => {
    const dir = await tempDir('advice-foreign');
    const docs = path.join(dir, 'docs');
    const foreign = path.join(dir, 'foreign');
    await mkdir(docs);
    await mkdir(foreign);
    await writeFile(path.join(docs, 'a.md'), '# A\n\nalpha\n');
    await writeFile(path.join(foreign, 'notes.md'), 'mine');
    const e = await neutral(ingest({ paths: [docs], index: foreign, cache: false }), 'index-location');
    assert.equal(e.message, `${foreign} exists and is not a rag index (it holds "notes.md"); choose another index location`);
    assert.equal(line(e), `${foreign} exists and is not a rag index (it holds "notes.md"); choose another --index`);
    const r = await runCli(['ingest', docs, '--index', foreign], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), `rag: ${foreign} exists and is not a rag index (it holds "notes.md"); choose another --index`);
  });
});

describe('model, reranker and cache errors: library options, CLI flags', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('advice-models');
  });

  it('hub unreachable, with and without HF_ENDPOINT, for a model and a reranker', async () => {
    const saved = process.env['HF_ENDPOINT'];
    delete process.env['HF_ENDPOINT'];
    try {
      // Port 9: fetch refuses it at once (a blocked port), so nothing goes on the network.
      let e = await neutral(probeHub('o/m', 'main', 'http://127.0.0.1:9', 5000), 'model-unavailable');
      assert.match(e.message, /^cannot download o\/m from http:\/\/127\.0\.0\.1:9 \(.+\); set HF_ENDPOINT to a mirror \(e\.g\. https:\/\/hf-mirror\.com\) or use a local model folder$/);
      assert.equal(line(e), `cannot download o/m from http://127.0.0.1:9 (${e.details['reason']}); set HF_ENDPOINT to a mirror (e.g. https://hf-mirror.com) or pass --model ./path/to/local/folder`);
      assert.equal(cliLine(cliWording(e, 'zh-Hans')), `无法从 http://127.0.0.1:9 下载 o/m（${e.details['reason']}）；请把 HF_ENDPOINT 设为镜像（例如 https://hf-mirror.com），或传入 --model ./path/to/local/folder`);
      e = await neutral(openCrossEncoder('hf:o/r', { offline: false, cacheDir: path.join(dir, 'empty'), hubUrl: 'http://127.0.0.1:9', hubTimeoutMs: 5000 }).rerank('q', ['d']), 'model-unavailable');
      assert.match(e.message, /; set HF_ENDPOINT to a mirror \(e\.g\. https:\/\/hf-mirror\.com\) or use a local reranker folder; with RAG_OFFLINE=1 only cached models are used$/);
      assert.match(line(e), /; set HF_ENDPOINT to a mirror \(e\.g\. https:\/\/hf-mirror\.com\) or pass --rerank \.\/path\/to\/local\/folder; with RAG_OFFLINE=1 only cached models are used$/);
    } finally {
      if (saved !== undefined) process.env['HF_ENDPOINT'] = saved;
    }
    const env = { HF_ENDPOINT: 'http://mirror.test' };
    let e = await neutralSync(() => { throw hubFailureError('o/m', 'http://mirror.test', 'HTTP 404 Not Found', 'model', undefined, env); }, 'model-unavailable');
    assert.equal(e.message, 'cannot download o/m from http://mirror.test (HTTP 404 Not Found); check HF_ENDPOINT (now http://mirror.test) or use a local model folder');
    assert.equal(line(e), 'cannot download o/m from http://mirror.test (HTTP 404 Not Found); check HF_ENDPOINT (now http://mirror.test) or pass --model ./path/to/local/folder');
    e = await neutralSync(() => { throw hubFailureError('o/r', 'http://mirror.test', 'HTTP 404 Not Found', 'reranker', undefined, env); }, 'model-unavailable');
    assert.equal(line(e), 'cannot download o/r from http://mirror.test (HTTP 404 Not Found); check HF_ENDPOINT (now http://mirror.test) or pass --rerank ./path/to/local/folder; with RAG_OFFLINE=1 only cached models are used');
  });

  it('offline and not cached: a model and a reranker', async () => {
    const cacheDir = path.join(dir, 'offline-cache');
    let e = await neutral(resolveModel('bge-small-zh', { offline: true, cacheDir }), 'model-unavailable');
    assert.equal(e.message, `model Xenova/bge-small-zh-v1.5 is not in the model cache (${cacheDir}) and offline mode forbids downloading; run once online to download it, or use a local model folder`);
    assert.equal(line(e), `model Xenova/bge-small-zh-v1.5 is not in the model cache (${cacheDir}) and --offline forbids downloading; run once without --offline to download it, or pass --model ./path/to/local/folder`);
    assert.equal(line(offlineMissingError('o/m', cacheDir)), `model o/m is not in the model cache (${cacheDir}) and --offline forbids downloading; run once without --offline to download it, or pass --model ./path/to/local/folder`);
    e = await neutral(openCrossEncoder('bge-reranker-base', { offline: true, cacheDir }).rerank('q', ['d']), 'model-unavailable');
    assert.match(e.message, /^reranker \S+ is not in the model cache \(.+\) and offline mode \(the offline option or RAG_OFFLINE=1\) forbids downloading; run once online to download it, or use a local reranker folder$/);
    assert.match(line(e), /^reranker \S+ is not in the model cache \(.+\) and offline mode \(--offline or RAG_OFFLINE=1\) forbids downloading; run once online to download it, or pass --rerank \.\/path\/to\/local\/folder$/);
  });

  it('reranker: unknown spec, an embedding model given as reranker', async () => {
    let e = await neutralSync(() => openCrossEncoder('bogus'), 'model-unknown');
    assert.match(e.hint ?? '', /, hf:ORG\/NAME, a \.\/folder, or api:MODEL \(openReranker\) with a base URL$/);
    assert.match(line(e), /^unknown reranker "bogus"; use a local cross-encoder \(.+, hf:ORG\/NAME or \.\/folder\) or api:MODEL with --rerank-base-url/);
    const folder = path.join(dir, 'embedder');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'config.json'), JSON.stringify({ architectures: ['BertModel'] }));
    e = await neutralSync(() => openCrossEncoder(folder), 'model-invalid');
    assert.equal(e.hint, 'rerankers are sequence-classification models with one label (e.g. BAAI/bge-reranker-base); an embedding model is opened as the model, not as a reranker');
    assert.equal(line(e), `reranker folder ${folder} is not a cross-encoder: config.json architectures are ["BertModel"], not a *ForSequenceClassification model; rerankers are sequence-classification models with one label (e.g. BAAI/bge-reranker-base); embedding models go to --model`);
  });

  it('model options: dimensions on a model without Matryoshka, pooling not declared, a local folder lacking files', async () => {
    let e = await neutral(resolveModel('bge-small-zh', { dimensions: 128 }), 'usage');
    assert.equal(line(e), 'bge-small-zh does not support --dimensions (not a Matryoshka model); leave it out');
    e = await neutral(resolveModel('hf:some/model', { offline: true, cacheDir: path.join(dir, 'offline-cache') }), 'model-invalid');
    assert.equal(e.hint, 'set the pooling option to cls, mean or last_token as its model card says');
    assert.equal(line(e), 'some/model does not declare its pooling (no sentence-transformers 1_Pooling/config.json); pass --pooling cls, mean or last_token as its model card says');
    const r = await runCli(['ingest', dir, '--index', path.join(dir, 'idx'), '--model', 'bge-small-zh', '--dimensions', '128'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), 'rag: bge-small-zh does not support --dimensions (not a Matryoshka model); leave it out');
  });

  it('an index built with a local folder it does not know the path of', async () => {
    const info = { id: 'local:tiny', provider: 'transformers' as const, name: 'tiny', dimension: 8, normalize: true };
    const e = await neutralSync(() => providerNamed('transformers').reopen(info, '/idx'), 'model-invalid');
    assert.equal(e.message, 'index /idx was built with the local model folder "tiny"; open it with the path to that folder as the model');
    assert.equal(line(e), 'index /idx was built with the local model folder "tiny"; pass --model with the path to that folder');
    const moved = await neutralSync(() => providerNamed('transformers').reopen({ ...info, path: path.join(dir, 'gone') }, '/idx'), 'model-invalid');
    assert.equal(line(moved), `index /idx was built with the local model folder ${path.join(dir, 'gone')}, which is no longer there (moved or deleted); pass --model with its new path`);
  });

  it('embedding cache: not writable, replaced by another model', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    let e = await neutral(EmbeddingCache.open('d'.repeat(64), 4, { dir: path.join(blocker, 'cache') }), 'cache-unusable');
    assert.equal(e.hint, 'make it writable, point RAG_CACHE_DIR at another folder, or turn the cache off (cache: false)');
    assert.equal(cliWording(e).hint, 'make it writable, point RAG_CACHE_DIR at another folder, or pass --no-cache');
    const mine = await EmbeddingCache.open('e'.repeat(64), 4, { dir: path.join(dir, 'c1') });
    const other = await EmbeddingCache.open('f'.repeat(64), 4, { dir: path.join(dir, 'c2') });
    await other.putMany([['x', new Float32Array([1, 0, 0, 0])]]);
    await other.close();
    await rename(path.join(dir, 'c2', 'f'.repeat(64), 'vectors.bin'), mine.file);
    e = await neutral(mine.putMany([['y', new Float32Array([0, 1, 0, 0])]]), 'cache-unusable');
    await mine.close().catch(() => undefined);
    assert.equal(e.message, `embedding cache file ${mine.file} was replaced by another model's; delete it`);
    assert.equal(line(e), `embedding cache file ${mine.file} was replaced by another model's; delete it or run \`rag cache clear\``);
  });
});

describe('unreachable endpoints: the library names the option, the CLI the flag', () => {
  it('a rerank endpoint and a chat endpoint that refuse connections', async () => {
    // A port that was just closed: the connection is refused at once (not retried).
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    let e = await neutral(createHttpReranker('m', { baseUrl: `http://127.0.0.1:${port}/v1` }).rerank('q', ['d']), 'endpoint-unreachable');
    assert.equal(e.hint, 'check the baseUrl option / RERANK_BASE_URL and that the server is running');
    assert.equal(cliWording(e).hint, 'check --rerank-base-url / RERANK_BASE_URL and that the server is running');
    assert.equal(cliWording(e, 'zh-Hans').hint, '请检查 --rerank-base-url / RERANK_BASE_URL，并确认服务器正在运行');
    e = await neutral(openChatModel('openai:m', { baseUrl: `http://127.0.0.1:${port}/v1` }).chat([{ role: 'user', content: 'hi' }]), 'endpoint-unreachable');
    assert.equal(e.hint, 'check OPENAI_BASE_URL / the baseUrl option and your network');
    assert.equal(line(e), `${e.summary}; check OPENAI_BASE_URL / --base-url and your network`);
  });
});

/**
 * The string literals of the JavaScript expression starting at `text[start]`, up to the end of
 * a balanced `(...)` when it starts with one, else up to the first `,` `;` or closing bracket at
 * its own depth, or the end of the line. Template literals give their text parts and the literals
 * inside their `${...}`; comments are skipped. Good enough for this repository's sources (not a parser).
 */
function literalsOf(text: string, start: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let i = start;
  const call = text[start] === '(';
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i) + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let part = '';
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') {
          part += text.slice(j, j + 2);
          j += 2;
        } else if (c === '`' && text[j] === '$' && text[j + 1] === '{') {
          part += '${}';
          // The `${...}` expression: its own literals, then on after its closing brace.
          let k = j + 2;
          let braces = 1;
          while (k < text.length && braces > 0) {
            if (text[k] === '{') braces++;
            else if (text[k] === '}') braces--;
            k++;
          }
          out.push(...literalsOf(`(${text.slice(j + 2, k - 1)})`, 0));
          j = k;
        } else {
          part += text[j++];
        }
      }
      out.push(part);
      i = j + 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth <= 0 && (call || depth < 0)) break;
    } else if (!call && depth === 0 && (c === ',' || c === ';' || c === '\n')) break;
    i++;
  }
  return out;
}

describe('library sources name no CLI flag in RagError text', () => {
  it('literalsOf reads a call, a property value and templates', () => {
    assert.deepEqual(literalsOf(`(a, 'x); y', \`t \${f('in')}\`); 'after'`, 0), ['x); y', 'in', 't ${}']);
    assert.deepEqual(literalsOf(`'one' + "two", 'next'`, 0), ['one', 'two']);
  });

  it('every RagError message and hint, and every unreachableHint, outside src/cli is CLI-neutral', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = path.join(import.meta.dirname, '..', 'src');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.startsWith(`cli${path.sep}`));
    // Library errors say what to do in library terms; the CLI words them with flags from
    // `details.advice` (src/cli/error-advice.ts). A flag or `rag <command>` here fails.
    const FLAG = /(^|[\s(`])--[a-z]/;
    const COMMAND = /\brag (ingest|query|queries|eval|models|cache|tune|label|check|inspect)\b/;
    // Other tools' commands keep their own flags.
    const EXTERNAL = /`?optimum-cli [^`;)]*`?/g;
    // `new RagError(`, any helper called with an error code first (`wrap('database-auth', …)`),
    // `hint:` / `unreachableHint:` values and `…HINT = ` constants.
    const codes = Object.keys(ERROR_CODES).join('|');
    const ERROR_SITES = new RegExp(`new (?:RagError|FileLoadError)(?=\\()|\\b\\w+(?=\\(\\s*'(?:${codes})'\\s*,)|\\b(?:unreachableHint|hint):\\s*|\\b[A-Z_]*HINT\\s*=\\s*`, 'g');
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      for (const m of text.matchAll(ERROR_SITES)) {
        const literals = literalsOf(text, m.index + m[0].length);
        const flagged = literals.filter((l) => FLAG.test(l.replace(EXTERNAL, '')) || COMMAND.test(l));
        if (flagged.length > 0) offenders.push(`${file}:${text.slice(0, m.index).split('\n').length}: ${flagged.join(' | ')}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('every advice tag the library sets has CLI wording', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = path.join(import.meta.dirname, '..', 'src');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.startsWith(`cli${path.sep}`));
    const tags = new Set<string>();
    for (const file of files) {
      for (const m of (await readFile(path.join(root, file), 'utf8')).matchAll(/advice: '([a-z0-9-]+)'/g)) tags.add(m[1]!);
    }
    // Tags computed at run time (pg-tls-${param}, hub-failure-…) are covered by their own tests above.
    assert.ok(tags.size > 40, `${tags.size} tags found`);
    for (const tag of tags) {
      const wording = cliWording(new RagError('usage', 'library words', { details: { advice: tag } }));
      assert.notDeepEqual(wording, { summary: 'library words', hint: undefined }, `advice '${tag}' has no entry in src/cli/error-advice.ts`);
    }
  });

  it('the scan sees what the old one missed: a `);` inside a message, a hint built apart, an unreachableHint', () => {
    const sample = [
      "throw new RagError('usage', `${x} does not support --dimensions (not a Matryoshka model); leave it out`);",
      "const o = { hint: 'or pass --no-cache' };",
      "const CACHE_HINT = 'or pass --no-cache';",
      "postJson(url, body, { unreachableHint: 'check --base-url' });",
    ];
    for (const source of sample) {
      const m = /new RagError(?=\()|\b(?:unreachableHint|hint):\s*|\b[A-Z_]*HINT\s*=\s*/.exec(source)!;
      assert.ok(literalsOf(source, m.index + m[0].length).some((l) => /--[a-z]/.test(l)), source);
    }
  });
});

describe('library notices and warnings name no CLI flag', () => {
  const FLAG = /(^|[\s(`])--[a-z]/;
  const COMMAND = /\brag (ingest|query|eval|models|cache|tune|label)\b/;

  it('the English of every notice reason and warning is CLI-neutral; the CLI catalogue adds the flags', async () => {
    const { NOTICE_REASONS_EN } = await import('../src/ingest/notice-reasons.js');
    const { WARNING_MESSAGES_EN } = await import('../src/warnings.js');
    for (const [code, text] of [...Object.entries(NOTICE_REASONS_EN), ...Object.entries(WARNING_MESSAGES_EN)]) {
      assert.doesNotMatch(text, FLAG, code);
      assert.doesNotMatch(text, COMMAND, code);
    }
    const { NOTICE_EN } = await import('../src/cli/i18n/notice-messages.js');
    assert.match(NOTICE_EN['reason.too-large'], /--max-file-size/);
    assert.match(NOTICE_EN['warning.pg-hnsw-settings'], /--rebuild/);
  });

  it('library sources emit notices and warnings only through codes (makeNotice + reason, ragWarning)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = path.join(import.meta.dirname, '..', 'src');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.startsWith(`cli${path.sep}`));
    // A literal (or template) message handed straight to a notice, a warning event or a warning callback.
    const RAW = [
      /makeNotice\([^,]+,[^,]+,\s*[`'"]/,
      /new (?:LoaderError|FileLoadError)\(\s*(?:[^,()]+,\s*)?[`'"]/,
      /type: '(?:warning|waiting)',\s*message:/,
      /on(?:Warning|Wait)\?\.\(\s*[`'"]/,
      /notices\.push\(\s*[`'"]/,
    ];
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      // Only warnings.ts's default handler may write a note to stderr by itself.
      if (file !== 'warnings.ts' && /process\.stderr\.write\(\s*`(?:note|warning)/.test(text)) offenders.push(`${file}: writes a note to stderr`);
      for (const pattern of RAW) {
        const m = pattern.exec(text);
        if (m) offenders.push(`${file}: ${m[0]}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('an ingest through the library reports codes and params, and English without flags', async () => {
    const dir = await tempDir('advice-notices');
    const docs = path.join(dir, 'docs');
    await mkdir(docs);
    await writeFile(path.join(docs, 'ok.md'), '# ok\n\nfine text\n');
    await writeFile(path.join(docs, 'big.md'), 'lantern '.repeat(256));
    await writeFile(path.join(docs, 'undecodable.txt'), randomBytes(4000));
    const s = await ingest({ paths: [docs], index: path.join(dir, 'idx'), maxFileSize: 1024, cache: false });
    const big = s.notices.find((x) => x.code === 'too-large');
    assert.equal(big?.reasonCode, 'too-large');
    assert.equal(big?.params['limitBytes'], 1024);
    assert.equal(big?.reason, 'too large (2 KB > 1 KB limit; raise the maximum file size)');
    for (const notice of s.notices) assert.doesNotMatch(notice.reason, FLAG, notice.reason);
  });

  it('a warning event carries its code and params beside the English message', async () => {
    const dir = await tempDir('advice-warning');
    const [one, two] = [path.join(dir, 'one'), path.join(dir, 'two')];
    for (const folder of [one, two]) {
      await mkdir(folder);
      await writeFile(path.join(folder, 'a.md'), `# ${path.basename(folder)}\n\ntext of ${path.basename(folder)}\n`);
    }
    const index = path.join(dir, 'idx');
    await ingest({ paths: [one], index, cache: false });
    const events: unknown[] = [];
    await ingest({ paths: [two], index, cache: false, onEvent: (e) => e.type === 'warning' && events.push(e) });
    assert.deepEqual(events, [
      {
        type: 'warning',
        code: 'document-replaced',
        params: { docId: 'a.md', origin: two, previous: one },
        message: `a.md from ${two} replaces the document of the same id ingested from ${one}`,
      },
    ]);
  });
});
