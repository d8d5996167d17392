/**
 * The rerank score cache: a second run over the same pairs makes no HTTP calls (loopback
 * /v1/rerank server) and no model calls (tiny local cross-encoder), and returns the same scores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { cachedReranker, defaultRerankCacheDir, rerankerFingerprint } from '../src/rerank/cached-reranker.js';
import { openCrossEncoder } from '../src/rerank/cross-encoder.js';
import { createHttpReranker } from '../src/rerank/http-rerank.js';
import { overlapScore, startFakeRerankServer, type FakeRerankServer } from './helpers/fake-rerank-server.js';
import { tempDir } from './helpers/cli.js';
import { writeTinyCrossEncoder } from './helpers/tiny-cross-encoder.js';

let server: FakeRerankServer;
let root: string;
let folder: string;

before(async () => {
  server = await startFakeRerankServer();
  root = await tempDir('rerank-cache');
  folder = await writeTinyCrossEncoder(path.join(root, 'tiny-xenc'));
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const QUERY = 'how does vector search work';
const DOCS = ['the vector database is fast', 'a cat sat on the mat', 'search the index for a relevant passage', 'how vector search works'];

describe('cachedReranker', () => {
  it('puts its files under RAG_CACHE_DIR/rerank', () => {
    assert.equal(defaultRerankCacheDir({ RAG_CACHE_DIR: '/tmp/x' }), path.join('/tmp/x', 'rerank'));
  });

  it('answers a second run over an HTTP reranker without any request', async () => {
    const dir = path.join(root, 'http-cache');
    const baseUrl = `${server.origin}/v1`;
    const before = server.requests.length;
    const first = cachedReranker(createHttpReranker('tiny', { baseUrl, batchSize: 2 }), { dir });
    const scores = await first.rerank(QUERY, DOCS);
    assert.deepEqual(scores, DOCS.map((d) => overlapScore(QUERY, d)));
    assert.equal(server.requests.length - before, 2);
    assert.deepEqual(first.stats(), { calls: 1, pairs: 4, truncated: 0, cacheHits: 0, cacheMisses: 4 });
    await first.dispose();

    const second = cachedReranker(createHttpReranker('tiny', { baseUrl, batchSize: 2 }), { dir });
    assert.deepEqual(await second.rerank(QUERY, DOCS), scores);
    assert.equal(server.requests.length - before, 2, 'no request on the second run');
    assert.deepEqual(second.stats(), { calls: 0, pairs: 0, truncated: 0, cacheHits: 4, cacheMisses: 0 });

    // Only the pair not seen before is sent; another query is another pair.
    const mixed = await second.rerank(QUERY, [...DOCS, 'the quick brown fox']);
    assert.deepEqual(mixed.slice(0, 4), scores);
    assert.equal(server.requests.length - before, 3);
    assert.deepEqual(server.requests.at(-1)!.body.documents, ['the quick brown fox']);
    await second.rerank('vector', DOCS.slice(0, 1));
    assert.equal(server.requests.length - before, 4);
    await second.dispose();

    // Another endpoint is another reranker: its scores are not shared.
    const elsewhere = createHttpReranker('tiny', { baseUrl: `${server.origin}/other/v1` });
    assert.notEqual(rerankerFingerprint(elsewhere), rerankerFingerprint(createHttpReranker('tiny', { baseUrl })));
  });

  it('answers a second run over a local cross-encoder without loading or running the model', async () => {
    const dir = path.join(root, 'local-cache');
    const first = cachedReranker(openCrossEncoder(folder), { dir });
    const scores = await first.rerank(QUERY, DOCS);
    assert.equal(first.stats().calls, 1);
    assert.equal(first.stats().pairs, 4);
    await first.dispose();

    const inner = openCrossEncoder(folder);
    const second = cachedReranker(inner, { dir });
    assert.deepEqual(await second.rerank(QUERY, DOCS), scores);
    assert.deepEqual(second.stats(), { calls: 0, pairs: 0, truncated: 0, cacheHits: 4, cacheMisses: 0 });
    // The scores came back exactly as computed, not rounded to float32 (the model's own
    // batch-padding noise aside, a fresh model gives the same).
    const fresh = openCrossEncoder(folder);
    const direct = await fresh.rerank(QUERY, DOCS);
    direct.forEach((s, i) => assert.ok(Math.abs(s - scores[i]!) < 1e-12));
    await fresh.dispose();
    await second.dispose();

    // The sigmoid scale is another fingerprint, so another file, and the model runs again.
    const sigmoid = cachedReranker(openCrossEncoder(folder, { scores: 'sigmoid' }), { dir });
    await sigmoid.rerank(QUERY, DOCS);
    assert.equal(sigmoid.stats().cacheMisses, 4);
    await sigmoid.dispose();
    const folders = await readdir(dir);
    assert.equal(folders.length, 2);
    for (const f of folders) assert.ok((await stat(path.join(dir, f, 'vectors.bin'))).size > 0);
  });
});
