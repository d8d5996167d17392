/**
 * The column file of sparse vectors (src/store/columns-file.ts): a one-shot dense query on a
 * `hash` index answers from the query's columns instead of scanning the vector file, with the
 * same hits and scores; the file is verified like every data file, ignored when it belongs to
 * another generation than the vectors, and never written for dense vectors.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ingest } from '../src/ingest/pipeline.js';
import { openIndex } from '../src/store/open.js';
import { searchColumnsFile, writeColumnsFile } from '../src/store/columns-file.js';
import { FlatVectors } from '../src/store/flat-vectors.js';
import { SparseColumns } from '../src/store/sparse-columns.js';
import { MANIFEST_FILE } from '../src/store/manifest.js';
import type { IndexInit } from '../src/store/transaction.js';
import { writeIndex } from '../src/store/write-index.js';
import type { Chunk } from '../src/model/document.js';
import { runCli, tempDir } from './helpers/cli.js';
import { writeWordCorpus } from './helpers/word-corpus.js';

const QUERIES = ['vector database search', 'travel expense invoice', '检索 向量', 'cosine graph neighbour token', 'nothing matches this'];

const writeCorpus = (dir: string, n: number, seed: number): Promise<void> => writeWordCorpus(dir, n, seed);

interface ManifestJson {
  generation: number;
  files: Record<string, { name: string; bytes: number; checksum?: string } | undefined>;
}

const readManifestJson = async (index: string): Promise<ManifestJson> => JSON.parse(await readFile(path.join(index, MANIFEST_FILE), 'utf8')) as ManifestJson;
const writeManifestJson = (index: string, manifest: ManifestJson): Promise<void> => writeFile(path.join(index, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

/** `rag query --json` hits as "chunk score" lines (scores printed in full). */
async function hits(root: string, index: string, query: string): Promise<string[]> {
  const run = await runCli(['query', query, '--index', index, '-k', '20', '--json'], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { results: Array<{ chunkId: string; score: number }> }).results.map((h) => `${h.chunkId} ${h.score}`);
}

/** A copy of `index` whose manifest does not name its column file: what an index from before it answers. */
async function withoutColumns(index: string, copy: string): Promise<void> {
  await mkdir(copy, { recursive: true });
  const manifest = await readManifestJson(index);
  for (const file of Object.values(manifest.files)) if (file !== undefined && !file.name.startsWith('columns-')) await copyFile(path.join(index, file.name), path.join(copy, file.name));
  delete manifest.files['columns'];
  await writeManifestJson(copy, manifest);
}

/** Overwrites `length` bytes at `position` of `file` with 0xff. */
async function scribble(file: string, position: number, length: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.alloc(length, 0xff), 0, length, position);
  } finally {
    await handle.close();
  }
}

describe('the column file of sparse vectors', () => {
  let root: string;
  let index: string;
  let plain: string;
  before(async () => {
    root = await tempDir('columns');
    index = path.join(root, 'idx');
    plain = path.join(root, 'plain');
    await writeCorpus(path.join(root, 'docs'), 80, 11);
    await ingest({ paths: [path.join(root, 'docs')], index, chunkSize: 120, chunkOverlap: 10 });
    await withoutColumns(index, plain);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is written with a hash index and named, sized and checksummed in the manifest', async () => {
    const manifest = await readManifestJson(index);
    const columns = manifest.files['columns'];
    assert.ok(columns !== undefined, 'a hash index has a column file');
    assert.equal(columns.name, `columns-${manifest.generation}.bin`);
    assert.equal((await stat(path.join(index, columns.name))).size, columns.bytes);
    assert.match(columns.checksum ?? '', /^sha256:[0-9a-f]{64}$/);
    // Sparse: far smaller than the float rows it indexes.
    assert.ok(columns.bytes < manifest.files['flatVectors']!.bytes / 3, `${columns.bytes} vs ${manifest.files['flatVectors']!.bytes}`);
    const check = await runCli(['check', '--index', index, '--json'], { cwd: root });
    assert.equal(check.code, 0, check.stderr);
    assert.ok((JSON.parse(check.stdout) as { files: Array<{ role: string; status: string }> }).files.some((f) => f.role === 'columns' && f.status === 'ok'));
  });

  it('answers dense queries with the hits and scores of the row scan, first hashing it, then trusting it', async () => {
    for (const query of QUERIES) assert.deepEqual(await hits(root, index, query), await hits(root, plain, query), query);
    // Past the racy margin the first query's record vouches for the file, and queries read only their columns.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await hits(root, index, QUERIES[0]!);
    for (const query of QUERIES) assert.deepEqual(await hits(root, index, query), await hits(root, plain, query), query);
  });

  it('leaves a dense query to the row scan and does not record itself as verified then', async () => {
    const cache = path.join(root, 'dense-query-cache');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const saved = process.env['RAG_CACHE_DIR'];
    process.env['RAG_CACHE_DIR'] = cache;
    try {
      // Queries through the CLI are sparse (their terms are capped); a library caller may pass any vector.
      const store = await openIndex(index, { oneShot: true });
      const dense = new Float32Array(4096).fill(1);
      const fromRows = await store.searchVector(dense, 5);
      assert.equal(fromRows.length, 5);
      await store.close();
    } finally {
      if (saved === undefined) delete process.env['RAG_CACHE_DIR'];
      else process.env['RAG_CACHE_DIR'] = saved;
    }
    const [record] = await readdir(path.join(cache, 'verified'));
    const recorded = await readFile(path.join(cache, 'verified', record!), 'utf8');
    assert.match(recorded, /vectors-\d+\.f32/, 'the row scan hashed the vector file and recorded it');
    assert.doesNotMatch(recorded, /columns-\d+\.bin/, 'the column file was not read, so nothing vouches for it');
  });

  it('is what a one-shot query reads: garbage in the vector file does not reach it, rag check still finds it', async () => {
    const copy = path.join(root, 'garbage-rows');
    await mkdir(copy);
    const manifest = await readManifestJson(index);
    for (const file of Object.values(manifest.files)) if (file !== undefined) await copyFile(path.join(index, file.name), path.join(copy, file.name));
    await copyFile(path.join(index, MANIFEST_FILE), path.join(copy, MANIFEST_FILE));
    const rows = path.join(copy, manifest.files['flatVectors']!.name);
    await scribble(rows, 64, (await stat(rows)).size - 64);
    assert.deepEqual(await hits(root, copy, QUERIES[0]!), await hits(root, plain, QUERIES[0]!));
    const check = await runCli(['check', '--index', copy], { cwd: root });
    assert.notEqual(check.code, 0);
    assert.match(check.stdout + check.stderr, /vectors-\d+\.f32/);
  });

  it('is refused, named, when changed in place, by a query and by rag check', async () => {
    const copy = path.join(root, 'damaged');
    await mkdir(copy);
    const manifest = await readManifestJson(index);
    for (const file of Object.values(manifest.files)) if (file !== undefined) await copyFile(path.join(index, file.name), path.join(copy, file.name));
    await copyFile(path.join(index, MANIFEST_FILE), path.join(copy, MANIFEST_FILE));
    const columns = path.join(copy, manifest.files['columns']!.name);
    await scribble(columns, (await stat(columns)).size - 400, 200);
    const query = await runCli(['query', QUERIES[0]!, '--index', copy], { cwd: root });
    assert.equal(query.code, 2);
    assert.equal(query.stdout, '');
    assert.match(query.stderr, /damaged: .*columns-\d+\.bin does not match its checksum/);
    assert.equal(query.stderr.trim().split('\n').length, 1, query.stderr);
    const check = await runCli(['check', '--index', copy], { cwd: root });
    assert.notEqual(check.code, 0);
    assert.match(check.stdout + check.stderr, /columns-\d+\.bin/);
  });

  it('of another generation than the vectors is ignored (an older rag carried the entry over)', async () => {
    const copy = path.join(root, 'stale');
    await mkdir(path.join(copy, 'docs'), { recursive: true });
    await writeCorpus(path.join(copy, 'docs'), 40, 5);
    const staleIndex = path.join(copy, 'idx');
    await ingest({ paths: [path.join(copy, 'docs')], index: staleIndex, chunkSize: 120, chunkOverlap: 10 });
    const first = await readManifestJson(staleIndex);
    const keptName = first.files['columns']!.name;
    const kept = await readFile(path.join(staleIndex, keptName));
    await writeFile(path.join(copy, 'docs', 'more.txt'), 'vector database search travel expense invoice.\n');
    await ingest({ paths: [path.join(copy, 'docs')], index: staleIndex, chunkSize: 120, chunkOverlap: 10 });
    const second = await readManifestJson(staleIndex);
    assert.equal(second.generation, first.generation + 1);
    // As an older rag's commit leaves it: new vectors, the previous generation's column entry.
    await writeFile(path.join(staleIndex, keptName), kept);
    const stale = { ...second, files: { ...second.files, columns: first.files['columns'] } };
    await writeManifestJson(staleIndex, stale);
    const fresh = path.join(copy, 'fresh');
    await withoutColumns(staleIndex, fresh);
    assert.deepEqual(await hits(root, staleIndex, QUERIES[0]!), await hits(root, fresh, QUERIES[0]!));
    assert.ok((await hits(root, staleIndex, 'vector database search travel expense invoice')).some((line) => line.startsWith('more.txt')));
  });
});

describe('searchColumnsFile', () => {
  const d = 64;
  const rows = 50;
  let root: string;
  before(async () => {
    root = await tempDir('columns-unit');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Rows with 3 non-zero components each, spread over the columns. */
  function sparseRows(): FlatVectors {
    const entries: Array<[number, Float32Array]> = [];
    for (let r = 0; r < rows; r++) {
      const v = new Float32Array(d);
      v[r % d] = 1;
      v[(r * 7 + 3) % d] = 0.5;
      v[(r * 13 + 5) % d] = 0.25;
      entries.push([1000 + r, v]);
    }
    return FlatVectors.from(d, entries);
  }

  it('reads only the columns of the query once trusted, and the whole file (every byte to the checksum) otherwise', async () => {
    const flat = sparseRows();
    const columns = flat.sparseColumns();
    assert.ok(columns instanceof SparseColumns);
    const file = path.join(root, 'columns-1.bin');
    const written = await writeColumnsFile(file, d, flat.labels(), columns);
    const query = new Float32Array(d);
    query[0] = 1;
    query[3] = 0.2;
    const expected = flat.exactSearch(query, 5);
    let seen = 0;
    const whole = await searchColumnsFile(file, d, flat.labels(), query, 5, { trusted: false, onBytes: (b) => (seen += b.length) });
    assert.deepEqual(whole, expected);
    assert.equal(seen, written.bytes);
    // Garbage over the entries of columns the query does not touch: a trusted read never sees it.
    const headerBytes = 24 + 4 * rows + 4 * (d + 1);
    const from = columns.offsets[40]!;
    const to = columns.offsets[d]!;
    await scribble(file, headerBytes + 8 * from, 8 * (to - from));
    assert.deepEqual(await searchColumnsFile(file, d, flat.labels(), query, 5, { trusted: true }), expected);
    // …while a query that needs those columns finds them broken.
    const far = new Float32Array(d);
    far[50] = 1;
    await assert.rejects(searchColumnsFile(file, d, flat.labels(), far, 5, { trusted: true }), /has an entry for row/);
  });

  it('leaves dense queries to the row scan and is not built for dense rows', () => {
    const dense = FlatVectors.from(8, Array.from({ length: 20 }, (_, i) => [i, Float32Array.from({ length: 8 }, (_, j) => 1 + ((i * j) % 5))] as [number, Float32Array]));
    assert.equal(dense.sparseColumns(), undefined);
  });

  it('returns undefined for a query with a quarter or more of its components non-zero', async () => {
    const flat = sparseRows();
    const file = path.join(root, 'columns-2.bin');
    await writeColumnsFile(file, d, flat.labels(), flat.sparseColumns()!);
    const query = Float32Array.from({ length: d }, (_, i) => (i % 3 === 0 ? 1 : 0));
    assert.equal(await searchColumnsFile(file, d, flat.labels(), query, 5, { trusted: true }), undefined);
  });
});

describe('the graph of sparse vectors', () => {
  const dim = 64;
  const init: IndexInit = {
    model: { id: 'hash', provider: 'builtin', name: 'hash', dimension: dim, normalize: true },
    modelFingerprint: '1a2b3c4d5e6f7a8b',
    chunking: { chunkSize: 400, chunkOverlap: 50, lengthUnit: 'characters' },
  };
  let root: string;
  before(async () => {
    root = await tempDir('columns-graph');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** 500 one-chunk documents whose vectors have `nonZeros` of 64 components set. */
  async function build(dir: string, nonZeros: number): Promise<ManifestJson> {
    await writeIndex(
      dir,
      init,
      async (tx) => {
        for (let i = 0; i < 500; i++) {
          const chunk: Chunk = { id: `d${i}#0`, docId: `d${i}`, index: 0, text: `text ${i}`, page: null, start: 0, end: 6, headings: [] };
          const v = new Float32Array(dim);
          for (let j = 0; j < nonZeros; j++) v[(i * 7 + j * 13) % dim] = 1 + j;
          tx.putDocument({ docId: `d${i}`, source: `d${i}`, origin: 'docs', format: 'text', contentHash: `h${i}`, chunkIds: [chunk.id] }, [chunk], [v]);
        }
      },
      // 500 rows × 4 expected query non-zeros = 2,000: over this budget for a row scan, but a
      // column scan visits 4/64 of that (125).
      { graphWork: 1000 },
    );
    return readManifestJson(dir);
  }

  it('is not built while a column scan stays within the budget; dense rows of the same count get one', async () => {
    const sparse = await build(path.join(root, 'sparse'), 4);
    assert.equal(sparse.files['vectors'], undefined, 'no graph for sparse rows a column scan answers within budget');
    assert.ok(sparse.files['columns'] !== undefined);
    const dense = await build(path.join(root, 'dense'), 40);
    assert.ok(dense.files['vectors'] !== undefined, 'rows over a quarter non-zero keep the row-scan rule');
    assert.equal(dense.files['columns'], undefined);
  });
});
