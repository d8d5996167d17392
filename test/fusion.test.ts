/**
 * Hybrid fusion: reciprocal rank with its k, and the convex combination of normalised scores,
 * as functions and through `query()` / `rag query` over a real index of the sample documents.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Chunk } from '../src/model/document.js';
import { ingest } from '../src/ingest/pipeline.js';
import { fuseConvex, fuseRankings, HybridRetriever } from '../src/retrieve/hybrid.js';
import { query } from '../src/retrieve/query.js';
import type { RetrievedChunk, Retriever } from '../src/retrieve/types.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';

function hit(id: string, score: number): RetrievedChunk {
  const chunk = { id, docId: id, text: id, start: 0, end: 1, headings: [], page: null } as unknown as Chunk;
  return { chunk, document: { docId: id } as RetrievedChunk['document'], score };
}
const ids = (hits: readonly RetrievedChunk[]): string[] => hits.map((h) => h.chunk.id);

describe('fusion functions', () => {
  const dense = [hit('a', 0.9), hit('b', 0.8), hit('c', 0.1)];
  const bm25 = [hit('c', 12), hit('d', 6), hit('a', 0)];

  it('RRF: k sets how fast the reward falls with rank', () => {
    const fused = fuseRankings([dense, bm25], 4, 10);
    // a: 1/11 + 1/13, c: 1/13 + 1/11: a tie, broken by id.
    assert.deepEqual(ids(fused), ['a', 'c', 'b', 'd']);
    assert.equal(fused[0]!.score, 1 / 11 + 1 / 13);
    assert.equal(fuseRankings([dense], 1, 0)[0]!.score, 1);
  });

  it('convex: α = 1 is the dense order, α = 0 the BM25 order, scores min–max normalised per side', () => {
    assert.deepEqual(ids(fuseConvex(dense, bm25, 1, 4)).slice(0, 3), ['a', 'b', 'c']);
    assert.deepEqual(ids(fuseConvex(dense, bm25, 0, 4)).slice(0, 3), ['c', 'd', 'a']);
    const half = fuseConvex(dense, bm25, 0.5, 4);
    const score = new Map(half.map((h) => [h.chunk.id, h.score]));
    // dense normalised: a 1, b 0.875, c 0; bm25: c 1, d 0.5, a 0.
    assert.ok(Math.abs(score.get('a')! - 0.5) < 1e-12);
    assert.ok(Math.abs(score.get('b')! - 0.4375) < 1e-12);
    assert.ok(Math.abs(score.get('c')! - 0.5) < 1e-12);
    assert.ok(Math.abs(score.get('d')! - 0.25) < 1e-12);
    assert.deepEqual(ids(half), ['a', 'c', 'b', 'd']);
  });

  it('convex: a side whose scores are all equal counts fully for each of its hits', () => {
    const fused = fuseConvex([hit('x', 0.3), hit('y', 0.3)], [], 0.7, 2);
    assert.deepEqual(fused.map((h) => h.score), [0.7, 0.7]);
  });

  it('out-of-range settings are refused', () => {
    const none: Retriever = { mode: 'dense', search: async () => [] } as unknown as Retriever;
    assert.throws(() => new HybridRetriever(none, none, 100, { method: 'convex', alpha: 1.5 }), RangeError);
    assert.throws(() => new HybridRetriever(none, none, 100, { method: 'rrf', k: -1 }), RangeError);
  });
});

describe('fusion through query() and rag query', () => {
  let root: string;
  let index: string;
  const text = 'how do we rotate API keys';
  before(async () => {
    root = await tempDir('fusion');
    index = path.join(root, 'index');
    await ingest({ paths: [path.join(REPO, 'datasets', 'en-sample', 'docs')], index });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('convex α = 1 returns the dense ranking, α = 0 the BM25 ranking', async () => {
    const top = async (mode: 'dense' | 'bm25' | 'hybrid', alpha?: number): Promise<string[]> =>
      (await query({ text, index, k: 5, mode, ...(alpha === undefined ? {} : { fusion: { method: 'convex' as const, alpha } }) })).results.map((h) => h.chunkId);
    assert.deepEqual(await top('hybrid', 1), await top('dense'));
    assert.deepEqual(await top('hybrid', 0), await top('bm25'));
    const result = await query({ text, index, k: 3, mode: 'hybrid' });
    assert.deepEqual(result.fusion, { method: 'rrf', k: 60 });
  });

  it('rag query --fusion convex --alpha in --json; contradictions are one usage line, exit 2', async () => {
    const cli = { cwd: root };
    const ok = await runCli(['query', text, '--index', index, '--mode', 'hybrid', '--fusion', 'convex', '--alpha', '0.3', '--json'], cli);
    assert.equal(ok.code, 0, ok.stderr);
    const json = JSON.parse(ok.stdout) as { fusion: unknown; results: unknown[] };
    assert.deepEqual(json.fusion, { method: 'convex', alpha: 0.3 });
    assert.equal(json.results.length, 5);
    for (const [args, message] of [
      [['--alpha', '0.3'], /--alpha only apply to --mode hybrid, not dense/],
      [['--mode', 'hybrid', '--fusion', 'rrf', '--alpha', '0.3'], /--alpha weighs convex fusion, not rrf/],
      [['--mode', 'hybrid', '--alpha', '2'], /--alpha must be between 0 and 1, not 2/],
    ] as const) {
      const bad = await runCli(['query', text, '--index', index, ...args], cli);
      assert.equal(bad.code, 2, bad.stderr);
      const lines = bad.stderr.trim().split('\n');
      assert.equal(lines.length, 1, bad.stderr);
      assert.match(lines[0]!, message);
    }
  });
});
