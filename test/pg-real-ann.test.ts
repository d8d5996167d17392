/**
 * pgvector's index for vectors above its 2000-dimension `vector` limit, on a real server: the
 * built-in `hash` model's 4096 dimensions get an HNSW index over the halfvec of their first 4000
 * components, whose candidates are re-ranked by the exact cosine of the full vectors.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HashEmbedder } from '../src/embed/hash.js';
import { PgIndex } from '../src/store/pg/pg-index.js';
import { runCli, tempDir } from './helpers/cli.js';
import { pgSkip, startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { writeCorpus } from './helpers/pg-corpus.js';

const skip = pgSkip();
let cluster: PgCluster;
let work: string;

before(async () => {
  if (skip) return;
  cluster = await startPgCluster();
  work = await tempDir('pgc-ann');
});
after(async () => {
  await cluster?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

async function indexScans(): Promise<number> {
  const rows = await cluster.sql<{ n: string }>("SELECT coalesce(sum(idx_scan), 0) AS n FROM pg_stat_user_indexes WHERE indexrelname = 'big_embedding_hnsw'");
  return Number(rows[0]!.n);
}

describe('real PostgreSQL: HNSW above 2000 dimensions', { skip }, () => {
  test('hash (4096 dims): halfvec HNSW candidates re-ranked exactly match the exact scan', async () => {
    const dir = path.join(work, 'big');
    await writeCorpus(dir, { prefix: 'b', count: 200 });
    const url = cluster.url({ table: 'big' });
    const ingest = await runCli(['ingest', dir, '--index', url, '--no-cache'], { cwd: work });
    assert.equal(ingest.code, 0, ingest.stderr);
    assert.doesNotMatch(ingest.stderr, /HNSW|scans all chunks/, 'no warning about a missing index');
    const defs = await cluster.sql<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'big_embedding_hnsw'");
    assert.match(defs[0]!.indexdef, /USING hnsw \(\(\(subvector\(embedding, 1, 4000\)\)::halfvec\(4000\)\) halfvec_cosine_ops\) WITH \(m='16', ef_construction='200'\)/);

    const index = await PgIndex.open(url);
    const embedder = new HashEmbedder();
    try {
      assert.equal(index.hasHnswIndex, true);
      assert.ok(index.chunkCount > 128 * 2, `${index.chunkCount} chunks: more than ef candidates`);
      const scansBefore = await indexScans();
      let found = 0;
      let total = 0;
      for (let i = 0; i < 30; i++) {
        const q = await embedder.embedQuery(`zebramark b${(i * 7) % 200} replica lock commit ${i % 3 ? 'graph' : 'stream'}`);
        const exact = await index.searchVector(q, 10, { exact: true });
        const ann = await index.searchVector(q, 10);
        assert.equal(ann.length, 10);
        const exactById = new Map(exact.map((h) => [h.chunk.id, h.similarity]));
        for (const hit of ann) {
          const s = exactById.get(hit.chunk.id);
          if (s !== undefined) {
            found++;
            // Re-ranked by the full vectors: the same score as the exact scan.
            assert.ok(Math.abs(s - hit.similarity) < 1e-6, `${hit.chunk.id}: ${hit.similarity} vs exact ${s}`);
          }
        }
        total += 10;
        for (let j = 1; j < ann.length; j++) assert.ok(ann[j - 1]!.similarity >= ann[j]!.similarity, 'ranked by exact similarity');
      }
      assert.ok(found / total >= 0.9, `recall@10 against the exact scan: ${found / total}`);
      // Backends publish their statistics within about a second of going idle.
      let scans = await indexScans();
      for (let i = 0; i < 100 && scans < scansBefore + 30; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        scans = await indexScans();
      }
      assert.ok(scans >= scansBefore + 30, `the queries went through the HNSW index (${scans - scansBefore} index scans)`);
    } finally {
      await index.close();
    }
  });

  test('a table without the index (made by an older rag) is searched exactly, and ingest says how to get one', async () => {
    await cluster.sql('DROP INDEX big_embedding_hnsw');
    const url = cluster.url({ table: 'big' });
    const index = await PgIndex.open(url);
    try {
      assert.equal(index.hasHnswIndex, false);
      const q = await new HashEmbedder().embedQuery('zebramark b3 replica');
      assert.deepEqual(
        (await index.searchVector(q, 10)).map((h) => h.chunk.id),
        (await index.searchVector(q, 10, { exact: true })).map((h) => h.chunk.id),
      );
    } finally {
      await index.close();
    }
    const again = await runCli(['ingest', path.join(work, 'big'), '--index', url, '--no-cache'], { cwd: work });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /warning: big has no HNSW index .* `rag ingest --rebuild` creates one/);
    const rebuilt = await runCli(['ingest', path.join(work, 'big'), '--index', url, '--no-cache', '--rebuild'], { cwd: work });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const defs = await cluster.sql("SELECT 1 FROM pg_indexes WHERE indexname = 'big_embedding_hnsw'");
    assert.equal(defs.length, 1);
  });
});

describe('real PostgreSQL: HNSW settings in the URL', { skip }, () => {
  test('hnsw_m and hnsw_ef_construction apply when the table is created; later they are kept and ingest warns', async () => {
    const dir = path.join(work, 'settings');
    await writeCorpus(dir, { prefix: 's', count: 20 });
    const url = cluster.url({ table: 'tuned', extra: '&hnsw_m=8&hnsw_ef_construction=40' });
    const first = await runCli(['ingest', dir, '--index', url, '--no-cache'], { cwd: work });
    assert.equal(first.code, 0, first.stderr);
    const defs = await cluster.sql<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'tuned_embedding_hnsw'");
    assert.match(defs[0]!.indexdef, /WITH \(m='8', ef_construction='40'\)$/);
    const meta = await cluster.sql<{ hnsw: { M: number; efConstruction: number } }>('SELECT hnsw FROM tuned_meta');
    assert.equal(meta[0]!.hnsw.M, 8);
    assert.equal(meta[0]!.hnsw.efConstruction, 40);
    const other = await runCli(['ingest', dir, '--index', cluster.url({ table: 'tuned', extra: '&hnsw_m=24' }), '--no-cache'], { cwd: work });
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /warning: tuned was created with hnsw_m=8 hnsw_ef_construction=40; the URL's settings apply only to a new table \(use --rebuild\)/);
    const bad = await runCli(['query', 'x', '--index', cluster.url({ table: 'tuned', extra: '&hnsw_m=16&hnsw_ef_construction=20' })], { cwd: work });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^rag: --index postgres:\/\/rag@127\.0\.0\.1:\d+\/rag\?table=tuned&hnsw_m=16&hnsw_ef_construction=20: hnsw_ef_construction must be at least twice hnsw_m/);
  });
});
