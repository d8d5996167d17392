/**
 * The rerank stage against a real loopback /v1/rerank server: the request shape, reading
 * replies back by index, retries, one-line errors without the key, and `rag query --rerank`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../src/errors.js';
import { ingest } from '../src/ingest/pipeline.js';
import { createHttpReranker, readScores } from '../src/rerank/http-rerank.js';
import { query } from '../src/retrieve/query.js';
import { overlapScore, startFakeRerankServer, type FakeRerankServer } from './helpers/fake-rerank-server.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';

const KEY = 'sk-rerank-secret-123';
let server: FakeRerankServer;
let root: string;
let index: string;

before(async () => {
  server = await startFakeRerankServer();
  root = await tempDir('rerank');
  index = path.join(root, 'index');
  await ingest({ paths: [path.join(REPO, 'datasets', 'en-sample', 'docs')], index });
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('HTTP reranker', () => {
  const fast = { retryBaseMs: 1, retryMaxMs: 5 };

  it('sends model, query, documents and top_n with the bearer key, and maps sorted results back by index', async () => {
    const reranker = createHttpReranker('jina-reranker-v2', { baseUrl: `${server.origin}/v1/`, apiKey: KEY, ...fast });
    const docs = ['nothing here', 'rotate the API keys every month', 'API keys'];
    const scores = await reranker.rerank('rotate API keys', docs);
    assert.deepEqual(scores, docs.map((d) => overlapScore('rotate API keys', d)));
    const last = server.requests.at(-1)!;
    assert.equal(last.path, '/v1/rerank');
    assert.equal(last.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual({ ...last.body, return_documents: undefined }, { model: 'jina-reranker-v2', query: 'rotate API keys', documents: docs, top_n: 3, return_documents: undefined });
    assert.equal(reranker.id, 'api:jina-reranker-v2');
  });

  it('batches long lists and keeps the order across batches', async () => {
    const reranker = createHttpReranker('m', { baseUrl: `${server.origin}/v1`, batchSize: 2, ...fast });
    const before = server.requests.length;
    const docs = ['a b', 'b', 'c', 'a', 'a b c'];
    assert.deepEqual(await reranker.rerank('a b', docs), docs.map((d) => overlapScore('a b', d)));
    assert.equal(server.requests.length - before, 3);
  });

  it('retries 429 and 503 (Retry-After honoured), then succeeds', async () => {
    const reranker = createHttpReranker('m', { baseUrl: `${server.origin}/v1`, ...fast });
    server.queue.push({ status: 429, body: '{"error":"slow down"}', headers: { 'retry-after': '0' } }, { status: 503, body: '' });
    const before = server.requests.length;
    assert.deepEqual(await reranker.rerank('x', ['x', 'y']), [1, 0]);
    assert.equal(server.requests.length - before, 3);
  });

  it('a rejected key is one RagError naming the endpoint, never the key', async () => {
    const reranker = createHttpReranker('m', { baseUrl: `${server.origin}/v1`, apiKey: KEY, ...fast });
    server.queue.push({ status: 401, body: `{"error":"bad key ${KEY}"}` });
    await assert.rejects(reranker.rerank('x', ['y']), (error: unknown) => {
      assert.ok(error instanceof RagError);
      assert.equal(error.code, 'endpoint-rejected');
      assert.match(error.message, /rerank endpoint at http:\/\/127\.0\.0\.1:\d+\/v1\/rerank rejected the API key \(401\)/);
      assert.ok(!error.message.includes(KEY));
      return true;
    });
  });

  it('replies that drop, repeat or misplace a document are refused, not half-used', () => {
    assert.deepEqual(readScores([{ index: 1, score: 0.2 }, { index: 0, score: 0.9 }], 2, 'x'), [0.9, 0.2]);
    for (const reply of [
      { results: [{ index: 0, relevance_score: 1 }] },
      { results: [{ index: 0, relevance_score: 1 }, { index: 0, relevance_score: 2 }] },
      { results: [{ index: 5, relevance_score: 1 }, { index: 0, relevance_score: 2 }] },
      { results: [{ index: 1, relevance_score: 'high' }, { index: 0, relevance_score: 2 }] },
      { data: [] },
    ]) {
      assert.throws(() => readScores(reply, 2, 'x'), (e: unknown) => e instanceof RagError && e.code === 'endpoint-failed');
    }
  });

  it('without a base URL the error says how to give one', () => {
    const saved = process.env['RERANK_BASE_URL'];
    delete process.env['RERANK_BASE_URL'];
    try {
      assert.throws(() => createHttpReranker('m'), /needs an endpoint; pass baseUrl/);
    } finally {
      if (saved !== undefined) process.env['RERANK_BASE_URL'] = saved;
    }
  });
});

describe('query() and rag query with a reranker', () => {
  const text = 'rotate API keys secrets';

  it('reorders the first stage by the reranker, keeping each hit\'s first-stage rank', async () => {
    const reranker = createHttpReranker('m', { baseUrl: `${server.origin}/v1` });
    const plain = await query({ text, index, k: 20, mode: 'bm25' });
    const reranked = await query({ text, index, k: 5, mode: 'bm25', rerank: reranker, rerankDepth: 20 });
    assert.deepEqual(reranked.rerank, { id: 'api:m', depth: 20 });
    const expected = plain.results
      .map((h, i) => ({ id: h.chunkId, s: overlapScore(text, h.text), i }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, 5);
    assert.deepEqual(reranked.results.map((h) => h.chunkId), expected.map((e) => e.id));
    assert.deepEqual(reranked.results.map((h) => h.firstStageRank), expected.map((e) => e.i + 1));
    assert.deepEqual(reranked.results.map((h) => h.score), expected.map((e) => e.s));
  });

  it('rag query --rerank api:MODEL prints reranked hits; --json carries rerank and firstStageRank; the key never shows', async () => {
    const env = { RERANK_API_KEY: KEY };
    const cli = { cwd: root, env };
    const args = ['query', text, '--index', index, '--mode', 'hybrid', '--rerank', 'api:m', '--rerank-base-url', `${server.origin}/v1`, '--rerank-depth', '30'];
    const json = await runCli([...args, '--json'], cli);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { rerank: unknown; results: Array<{ firstStageRank: number; score: number }> };
    assert.deepEqual(parsed.rerank, { id: 'api:m', depth: 30 });
    assert.ok(parsed.results.every((h) => Number.isInteger(h.firstStageRank) && h.firstStageRank >= 1 && h.firstStageRank <= 30));
    const sent = server.requests.length;
    const human = await runCli(args, cli);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(server.requests.length, sent, 'the second run reads every score from the rerank cache');
    assert.match(human.stderr, /reranked by api:m \(top 30\)/);
    assert.match(human.stdout, /^1\. \d\.\d{3} \(was #\d+\)/m);
    for (const output of [json.stdout, json.stderr, human.stdout, human.stderr]) assert.ok(!output.includes(KEY));

    server.queue.push({ status: 401, body: '{}' });
    const rejected = await runCli([...args, '--no-rerank-cache'], cli);
    assert.equal(rejected.code, 2);
    assert.equal(rejected.stderr.trim().split('\n').filter((l) => l.startsWith('rag:')).length, 1, rejected.stderr);
    assert.match(rejected.stderr, /rag: the rerank endpoint at .* rejected the API key \(401\); set RERANK_API_KEY/);

    for (const [extra, message] of [
      [['--rerank', 'bge-reranker-huge'], /unknown reranker "bge-reranker-huge"/],
      [['--rerank-depth', '5'], /--rerank-depth without --rerank does nothing/],
    ] as const) {
      const bad = await runCli(['query', text, '--index', index, ...extra], { cwd: root });
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
    }
  });
});
