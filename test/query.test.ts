/**
 * End-to-end tests of the library `query()` over a real index of the bundled sample knowledge
 * bases (datasets/zh-sample and datasets/en-sample) built with the `hash` model.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../src/errors.js';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import type { QueryResult } from '../src/retrieve/query.js';
import { RRF_K } from '../src/retrieve/hybrid.js';
import { IndexStore } from '../src/store/index-store.js';
import { REPO, tempDir } from './helpers/cli.js';

const ZH = path.join(REPO, 'datasets', 'zh-sample', 'docs');
const EN = path.join(REPO, 'datasets', 'en-sample', 'docs');
const ZH_QUERY = '向量数据库如何加快检索速度';
const EN_QUERY = 'how do we rotate API keys';

let root: string;
let index: string;
let chunkCount: number;

before(async () => {
  root = await tempDir('query');
  index = path.join(root, 'index');
  const s = await ingest({ paths: [ZH, EN], index });
  assert.equal(s.documents.added, 38);
  assert.equal(s.documents.failed, 0);
  chunkCount = (await IndexStore.open(index)).chunkCount;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function assertWellFormed(r: QueryResult, k: number): void {
  assert.equal(r.results.length, k);
  r.results.forEach((hit, i) => {
    assert.equal(hit.rank, i + 1);
    assert.ok(Number.isFinite(hit.score));
    if (i > 0) assert.ok(hit.score <= r.results[i - 1]!.score, `scores must not increase: ${r.results.map((h) => h.score).join(', ')}`);
    assert.ok(hit.end > hit.start);
    for (const [a, b] of hit.snippet.highlights) assert.ok(a >= 0 && a < b && b <= hit.snippet.text.length);
  });
}

describe('query(): the quickstart questions', () => {
  for (const mode of ['dense', 'bm25', 'hybrid'] as const) {
    it(`ranks tech/vector-index-hnsw.md first for the Chinese question (${mode})`, async () => {
      const r = await query({ text: ZH_QUERY, index, k: 5, mode });
      assertWellFormed(r, 5);
      assert.equal(r.mode, mode);
      assert.equal(r.model, 'hash');
      const top = r.results[0]!;
      assert.equal(top.docId, 'tech/vector-index-hnsw.md');
      assert.equal(top.source, 'tech/vector-index-hnsw.md');
      assert.equal(top.page, null);
      assert.deepEqual(top.headings, ['向量数据库与 HNSW 索引', 'HNSW 是怎么加速检索的']);
      // The snippet marks Chinese bigrams shared with the question.
      const marked = top.snippet.highlights.map(([a, b]) => top.snippet.text.slice(a, b));
      assert.ok(marked.some((m) => m.includes('检索')), JSON.stringify(marked));
    });

    it(`ranks security/key-rotation.md first for the English question (${mode})`, async () => {
      const r = await query({ text: EN_QUERY, index, k: 3, mode });
      assertWellFormed(r, 3);
      assert.equal(r.results[0]!.docId, 'security/key-rotation.md');
      assert.deepEqual(r.results[0]!.headings, ['Rotating API Keys and Secrets', 'How to rotate an API key']);
    });
  }

  it('hybrid scores are reciprocal-rank sums: first in both rankings is exactly 2 / (RRF_K + 1)', async () => {
    const [dense, bm25, hybrid] = await Promise.all(
      (['dense', 'bm25', 'hybrid'] as const).map((mode) => query({ text: EN_QUERY, index, k: 3, mode })),
    );
    assert.equal(dense!.results[0]!.chunkId, bm25!.results[0]!.chunkId);
    assert.equal(hybrid!.results[0]!.chunkId, dense!.results[0]!.chunkId);
    assert.equal(hybrid!.results[0]!.score, 2 / (RRF_K + 1));
    // Dense scores are cosine similarities.
    for (const hit of dense!.results) assert.ok(hit.score > 0 && hit.score <= 1);
  });
});

describe('query(): options and errors', () => {
  it('returns k results, and every chunk when k exceeds the index', async () => {
    assertWellFormed(await query({ text: EN_QUERY, index, k: 1 }), 1);
    assertWellFormed(await query({ text: EN_QUERY, index }), 5);
    const all = await query({ text: EN_QUERY, index, k: chunkCount + 10 });
    assert.equal(all.results.length, chunkCount);
    assert.equal(new Set(all.results.map((h) => h.chunkId)).size, chunkCount);
  });

  it('rejects an empty query and a bad k', async () => {
    for (const text of ['', '   \n']) {
      await assert.rejects(query({ text, index }), (e: unknown) => e instanceof RagError && e.message === 'the query is empty; pass the text to search for');
    }
    await assert.rejects(query({ text: 'x', index, k: 0 }), (e: unknown) => e instanceof RagError && e.message === '-k must be a positive integer, got 0');
  });

  it('names a missing index and an empty one', async () => {
    const missing = path.join(root, 'nope');
    await assert.rejects(query({ text: 'x', index: missing }), (e: unknown) => e instanceof RagError && e.message === `no index at ${missing}; ingest documents into it first`);

    const emptyDocs = path.join(root, 'empty-docs');
    const emptyIndex = path.join(root, 'empty-index');
    await mkdir(emptyDocs);
    const s = await ingest({ paths: [emptyDocs], index: emptyIndex });
    assert.equal(s.chunks.total, 0);
    await assert.rejects(
      query({ text: 'x', index: emptyIndex }),
      (e: unknown) => e instanceof RagError && e.message === `index ${emptyIndex} is empty; ingest documents into it first`,
    );
  });

  it('refuses another model than the index was built with, without loading it', async () => {
    await assert.rejects(
      query({ text: 'x', index, model: 'multilingual-e5-small' }),
      (e: unknown) =>
        e instanceof RagError &&
        e.message === `index ${index} was built with model hash, not multilingual-e5-small; use model hash or ingest into another index`,
    );
  });
});
