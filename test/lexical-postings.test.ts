/**
 * What a re-ingest and a one-shot query read: an unchanged re-ingest never reads the vector file,
 * BM25 postings stored at ingest score exactly as postings built on the fly, and an index
 * without them (written before they existed) still answers BM25 queries the old way.
 */
import assert from 'node:assert/strict';
import { readFile, rm, stat, unlink, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { resolveModel } from '../src/embed/registry.js';
import { ingest } from '../src/ingest/pipeline.js';
import { Bm25Retriever } from '../src/retrieve/lexical.js';
import { lexicalScriptFold } from '../src/retrieve/open.js';
import { IndexStore } from '../src/store/index-store.js';
import { MANIFEST_FILE } from '../src/store/manifest.js';
import type { IndexReader } from '../src/store/reader.js';
import { runCli, tempDir } from './helpers/cli.js';

const WORDS = ['vector', 'database', 'index', 'search', 'travel', 'expense', 'invoice', 'retrieval', 'embedding', 'neighbour', 'graph', 'cosine', 'token', 'chunk', '检索', '向量', '資料庫', 'report', 'policy', 'query'];

/** A deterministic folder of `n` small documents drawn from {@link WORDS}. */
async function writeCorpus(dir: string, n: number, seed: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 30 + (next() % 60) }, () => WORDS[next() % WORDS.length]!);
    await writeFile(path.join(dir, `doc-${i}.txt`), `${words.join(' ')}.\n`);
  }
}

/** The same index seen without stored postings, as an index from before they existed. */
function withoutPostings(store: IndexReader): IndexReader {
  return new Proxy(store, { get: (target, key) => (key === 'lexicalPostings' ? undefined : Reflect.get(target, key, target)) });
}

async function ranked(retriever: Bm25Retriever, query: string): Promise<Array<[string, number]>> {
  return (await retriever.search(query, 1000)).map((h) => [h.chunk.id, h.score]);
}

const QUERIES = ['vector database search', 'travel expense invoice', '检索 向量', '资料库', 'cosine graph neighbour token', 'nothing matches this'];

describe('BM25 postings stored at ingest', () => {
  let root: string;
  let docs: string;
  let index: string;
  before(async () => {
    root = await tempDir('lexical');
    docs = path.join(root, 'docs');
    index = path.join(root, 'idx');
    await writeCorpus(docs, 60, 7);
    await ingest({ paths: [docs], index, chunkSize: 120, chunkOverlap: 10 });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('are written with the generation and named in the manifest', async () => {
    const manifest = JSON.parse(await readFile(path.join(index, MANIFEST_FILE), 'utf8')) as { files: { lexical?: { name: string; bytes: number } } };
    assert.ok(manifest.files.lexical, 'manifest names no lexical file');
    assert.equal((await stat(path.join(index, manifest.files.lexical.name))).size, manifest.files.lexical.bytes);
  });

  it('give the same ranking and scores as postings built on the fly, also after changes', async () => {
    for (let round = 0; round < 2; round++) {
      const store = await IndexStore.open(index, { lazyVectors: true });
      const fold = lexicalScriptFold(store.manifest.model);
      assert.ok(await store.lexicalPostings(fold), `round ${round}: no stored postings`);
      const stored = new Bm25Retriever(store, fold);
      const onTheFly = new Bm25Retriever(withoutPostings(store), fold);
      for (const q of QUERIES) assert.deepEqual(await ranked(stored, q), await ranked(onTheFly, q), `round ${round}: ${q}`);
      // Another fold than the stored one falls back to analysing on the fly.
      assert.equal(await store.lexicalPostings(fold === 'none' ? 't2s' : 'none'), undefined);
      // Change the folder: some documents edited, some removed, some added; postings carried over.
      await writeFile(path.join(docs, 'doc-3.txt'), 'travel travel expense report policy.\n');
      await unlink(path.join(docs, `doc-${4 + round}.txt`));
      await writeCorpus(path.join(docs, 'more'), 5, 99 + round);
      const summary = await ingest({ paths: [docs], index });
      assert.ok(summary.documents.updated + summary.documents.added > 0);
    }
  });

  it('an index without them (written before they existed) still answers, and the next change writes them', async () => {
    const oldIndex = path.join(root, 'old');
    await ingest({ paths: [docs], index: oldIndex, chunkSize: 120, chunkOverlap: 10 });
    const file = path.join(oldIndex, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { files: Record<string, { name: string } | undefined> };
    const lexicalName = manifest.files['lexical']!.name;
    delete manifest.files['lexical'];
    await writeFile(file, JSON.stringify(manifest));
    await unlink(path.join(oldIndex, lexicalName));

    const expected = await runCli(['query', 'vector database search', '--index', index, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    const got = await runCli(['query', 'vector database search', '--index', oldIndex, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    assert.equal(got.code, 0, got.stderr);
    const hits = (stdout: string): unknown => (JSON.parse(stdout) as { results: Array<{ chunkId?: string; score: number }> }).results.map((r) => [r.chunkId, r.score]);
    assert.deepEqual(hits(got.stdout), hits(expected.stdout));

    // An unchanged re-ingest writes nothing (so no postings yet); a change writes them.
    await ingest({ paths: [docs], index: oldIndex });
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as { files: { lexical?: unknown } }).files.lexical, undefined);
    await writeFile(path.join(docs, 'new.txt'), 'graph cosine neighbour.\n');
    await ingest({ paths: [docs], index: oldIndex });
    assert.ok((JSON.parse(await readFile(file, 'utf8')) as { files: { lexical?: unknown } }).files.lexical);
  });
});

describe('a one-shot vector search', () => {
  it('streams the vector file and finds exactly what a search over the loaded vectors finds', async () => {
    const root = await tempDir('stream');
    try {
      const docs = path.join(root, 'docs');
      const index = path.join(root, 'idx');
      await writeCorpus(docs, 80, 11);
      await ingest({ paths: [docs], index, chunkSize: 100, chunkOverlap: 0 });
      const loaded = await IndexStore.open(index);
      const embedder = await resolveModel('hash');
      embedder.corpusStatistics!.load(loaded.corpusStatistics()!);
      for (const q of QUERIES) {
        const vector = await embedder.embedQuery(q);
        // A fresh lazily opened store per query: its first search streams.
        const lazy = await IndexStore.open(index, { lazyVectors: true });
        const streamed = await lazy.searchVector(vector, 25);
        assert.equal(lazy.vectorsLoaded, false, 'the first search should not load the vectors');
        const want = loaded.search(vector, 25).map((h) => [h.chunk.id, h.similarity]);
        assert.deepEqual(streamed.map((h) => [h.chunk.id, h.similarity]), want, q);
        // A second search loads them (a long-lived reader should not re-read the file each time).
        assert.deepEqual((await lazy.searchVector(vector, 25)).map((h) => [h.chunk.id, h.similarity]), want);
        assert.equal(lazy.vectorsLoaded, true);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('an unchanged re-ingest', () => {
  let root: string;
  before(async () => {
    root = await tempDir('reingest');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('never reads the vector file: garbage of the right size goes unnoticed until a vector search needs it', async () => {
    const docs = path.join(root, 'docs');
    const index = path.join(root, 'idx');
    await writeCorpus(docs, 30, 3);
    await ingest({ paths: [docs], index });
    const manifest = JSON.parse(await readFile(path.join(index, MANIFEST_FILE), 'utf8')) as { files: { flatVectors: { name: string; bytes: number } } };
    const vectors = path.join(index, manifest.files.flatVectors.name);
    // Same size (the manifest's byte count still matches), but not a vector file at all.
    await writeFile(vectors, Buffer.alloc(manifest.files.flatVectors.bytes, 0x5a));

    const again = await runCli(['ingest', 'docs', '--index', 'idx', '--json'], { cwd: root });
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout) as { documents: { unchanged: number; added: number; updated: number } };
    assert.deepEqual([summary.documents.unchanged, summary.documents.added, summary.documents.updated], [30, 0, 0]);

    // BM25 needs no vectors either...
    const bm25 = await runCli(['query', 'vector database', '--index', 'idx', '--mode', 'bm25'], { cwd: root });
    assert.equal(bm25.code, 0, bm25.stderr);
    // ...nor does a dense query of this sparse index, which reads the column file (columns-file.ts)...
    const dense = await runCli(['query', 'vector database', '--index', 'idx'], { cwd: root });
    assert.equal(dense.code, 0, dense.stderr);
    // ...while one that scans the rows (no column file: a dense model's index) finds the damage.
    const withColumns = JSON.parse(await readFile(path.join(index, MANIFEST_FILE), 'utf8')) as { files: Record<string, unknown> };
    delete withColumns.files['columns'];
    await writeFile(path.join(index, MANIFEST_FILE), JSON.stringify(withColumns));
    const rows = await runCli(['query', 'vector database', '--index', 'idx'], { cwd: root });
    assert.notEqual(rows.code, 0);
    assert.match(rows.stderr, /damaged: .*vectors-\d+\.f32 cannot be read/);
  });
});
