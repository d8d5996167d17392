/**
 * What a re-ingest and a one-shot query read: an unchanged re-ingest never reads the vector file,
 * BM25 postings stored at ingest (lexical-<gen>.bin) score exactly as postings built on the fly,
 * a query decodes only its own terms and loads no embedding model, damage is found by `rag check`
 * and by queries, and indexes with the older JSON postings or none still answer alike.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { resolveModel } from '../src/embed/registry.js';
import { ingest } from '../src/ingest/pipeline.js';
import { Bm25Retriever } from '../src/retrieve/lexical.js';
import { query } from '../src/retrieve/query.js';
import { encodePostings, PostingsFile, readPostingsHeader } from '../src/store/postings-file.js';
import { bm25Analyzer } from '../src/text/analyze.js';
import { startOpenAIServer, type FakeServer } from './helpers/fake-embedding-servers.js';
import { lexicalScriptFold } from '../src/retrieve/open.js';
import { IndexStore } from '../src/store/index-store.js';
import { MANIFEST_FILE } from '../src/store/manifest.js';
import type { IndexReader } from '../src/store/reader.js';
import { runCli, tempDir } from './helpers/cli.js';
import { writeWordCorpus } from './helpers/word-corpus.js';


const writeCorpus = (dir: string, n: number, seed: number): Promise<void> => writeWordCorpus(dir, n, seed);

/** The same index seen without stored postings, as an index from before they existed. */
function withoutPostings(store: IndexReader): IndexReader {
  return new Proxy(store, { get: (target, key) => (key === 'lexicalPostings' ? undefined : Reflect.get(target, key, target)) });
}

async function ranked(retriever: Bm25Retriever, query: string, k = 1000): Promise<Array<[string, number]>> {
  return (await retriever.search(query, k)).map((h) => [h.chunk.id, h.score]);
}

// Single words give runs of equal scores; repeated words weigh their term more.
const QUERIES = ['vector database search', 'travel expense invoice', '检索 向量', '资料库', 'cosine graph neighbour token', 'nothing matches this', 'policy', 'travel travel travel expense', '向量 向量 检索'];

type ManifestJson = { files: Record<string, { name: string; bytes: number; checksum?: string } | undefined> };

async function manifestOf(index: string): Promise<ManifestJson> {
  return JSON.parse(await readFile(path.join(index, MANIFEST_FILE), 'utf8')) as ManifestJson;
}

function hitsOf(stdout: string): unknown {
  return (JSON.parse(stdout) as { results: Array<{ chunkId?: string; score: number }> }).results.map((r) => [r.chunkId, r.score]);
}

async function copyIndex(from: string, to: string): Promise<string> {
  await cp(from, to, { recursive: true });
  return to;
}

/**
 * Where `term`'s posting list lies in a lexical-<gen>.bin (the layout in postings-file.ts): the
 * header's counts give the offsets arrays, the dictionary order gives the term's index.
 */
function postingRange(bytes: Buffer, term: string): { start: number; end: number } {
  const header = readPostingsHeader(bytes);
  const file = new PostingsFile(header, bytes, (offset, length) => bytes.subarray(header.dictionaryBytes + offset, header.dictionaryBytes + offset + length));
  const index = [...file.entries()].findIndex(([t]) => t === term);
  assert.ok(index >= 0, `no term ${term}`);
  const pad = (n: number): number => (n + 3) & ~3;
  const postingOffsets = 48 + pad(Buffer.byteLength(header.scriptFold) + Buffer.byteLength(header.binding)) + 8 * header.count + 4 * (header.terms + 1);
  const at = (i: number): number => header.dictionaryBytes + bytes.readUInt32LE(postingOffsets + 4 * i);
  return { start: at(index), end: at(index + 1) };
}

/**
 * Rewrites an index's postings as an older rag wrote them: lexical-<gen>.json (format 1), named
 * by `files.lexical`, and no binary file. Returns the JSON file's name.
 */
async function asOlderRagWroteIt(index: string): Promise<string> {
  const manifest = await manifestOf(index);
  const binary = manifest.files['postings']!;
  const bytes = await readFile(path.join(index, binary.name));
  const header = readPostingsHeader(bytes);
  const file = new PostingsFile(header, bytes, (offset, length) => bytes.subarray(header.dictionaryBytes + offset, header.dictionaryBytes + offset + length));
  const postings: Record<string, number[]> = {};
  for (const [term, list] of file.entries()) postings[term] = [...list];
  const text = JSON.stringify({ format: 1, analyzer: 1, scriptFold: file.scriptFold, labels: [...file.labels], lengths: [...file.lengths], postings });
  const name = binary.name.replace(/\.bin$/, '.json');
  await writeFile(path.join(index, name), text);
  await unlink(path.join(index, binary.name));
  delete manifest.files['postings'];
  manifest.files['lexical'] = { name, bytes: Buffer.byteLength(text), checksum: `sha256:${createHash('sha256').update(text).digest('hex')}` };
  await writeFile(path.join(index, MANIFEST_FILE), JSON.stringify(manifest));
  return name;
}

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

  it('are written with the generation as lexical-<gen>.bin and named in the manifest', async () => {
    const manifest = await manifestOf(index);
    const file = manifest.files['postings'];
    assert.ok(file, 'manifest names no postings file');
    assert.match(file.name, /^lexical-\d+\.bin$/);
    assert.equal(manifest.files['lexical'], undefined, 'no JSON postings next to the binary ones');
    assert.equal((await stat(path.join(index, file.name))).size, file.bytes);
    assert.match(file.checksum ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  it('give the same ranking and scores as postings built on the fly, ties and repeated words included, also after changes', async () => {
    let ties = 0;
    for (let round = 0; round < 2; round++) {
      const store = await IndexStore.open(index, { lazyVectors: true });
      const fold = lexicalScriptFold(store.manifest.model);
      assert.ok(await store.lexicalPostings(fold), `round ${round}: no stored postings`);
      const stored = new Bm25Retriever(store, fold);
      const onTheFly = new Bm25Retriever(withoutPostings(store), fold);
      for (const q of QUERIES) {
        const got = await ranked(stored, q);
        assert.deepEqual(got, await ranked(onTheFly, q), `round ${round}: ${q}`);
        for (let i = 1; i < got.length; i++) if (got[i]![1] === got[i - 1]![1]) ties++;
        // A cut through a run of equal scores keeps the same chunks as the full ranking.
        for (const k of [1, 3, 7]) assert.deepEqual(await ranked(stored, q, k), got.slice(0, k), `round ${round}: ${q}, k ${k}`);
      }
      // Another fold than the stored one falls back to analysing on the fly.
      assert.equal(await store.lexicalPostings(fold === 'none' ? 't2s' : 'none'), undefined);
      // Change the folder: some documents edited, some removed, some added; postings carried over.
      await writeFile(path.join(docs, 'doc-3.txt'), 'travel travel expense report policy.\n');
      await unlink(path.join(docs, `doc-${4 + round}.txt`));
      await writeCorpus(path.join(docs, 'more'), 5, 99 + round);
      const summary = await ingest({ paths: [docs], index });
      assert.ok(summary.documents.updated + summary.documents.added > 0);
    }
    assert.ok(ties > 0, 'the corpus should produce equal scores, so their order is compared too');
  });

  it('a query decodes only its own terms: a damaged posting list of another term goes unnoticed until a query uses it', async () => {
    const copy = await copyIndex(index, path.join(root, 'partial'));
    const store = await IndexStore.open(copy, { lazyVectors: true });
    const fold = lexicalScriptFold(store.manifest.model);
    const want = await ranked(new Bm25Retriever(store, fold), 'vector database search');
    const manifest = await manifestOf(copy);
    const file = manifest.files['postings']!;
    const bytes = await readFile(path.join(copy, file.name));
    const [term] = bm25Analyzer(fold)('report');
    const range = postingRange(bytes, term!);
    // 0xff forever: a number that never ends. The manifest's checksum is updated to match, so only
    // the decoding of that one list can notice.
    bytes.fill(0xff, range.start, range.end);
    await writeFile(path.join(copy, file.name), bytes);
    file.checksum = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(path.join(copy, MANIFEST_FILE), JSON.stringify(manifest));

    const reopened = await IndexStore.open(copy, { lazyVectors: true });
    assert.deepEqual(await ranked(new Bm25Retriever(reopened, fold), 'vector database search'), want);
    await assert.rejects(new Bm25Retriever(reopened, fold).search('policy report', 5), (error: Error) => {
      assert.match(error.message, new RegExp(`damaged: .*${file.name} cannot be read \\(has an? (invalid posting list|truncated or overlong number)`));
      return true;
    });
  });

  it('bytes changed in place or a truncated file: rag check and a query name the file', async () => {
    const copy = await copyIndex(index, path.join(root, 'damaged'));
    const first = await runCli(['query', 'vector database search', '--index', copy, '--mode', 'bm25', '--json'], { cwd: root });
    assert.equal(first.code, 0, first.stderr);
    const name = (await manifestOf(copy)).files['postings']!.name;
    const file = path.join(copy, name);
    const bytes = await readFile(file);
    bytes.fill(0x41, bytes.length - 64);
    await writeFile(file, bytes);

    const check = await runCli(['check', '--index', copy, '--json'], { cwd: root });
    assert.equal(check.code, 2, check.stderr);
    const report = JSON.parse(check.stdout) as { ok: boolean; files: Array<{ role: string; name: string; status: string }> };
    assert.deepEqual(report.files.find((f) => f.name === name), { role: 'postings', name, bytes: bytes.length, status: 'checksum-mismatch' });
    assert.ok(check.stderr.includes(`${file} does not match its checksum`), check.stderr);

    const query = await runCli(['query', 'vector database search', '--index', copy, '--mode', 'bm25', '--json'], { cwd: root });
    assert.equal(query.code, 2, query.stderr);
    assert.equal((JSON.parse(query.stdout) as { error: { code: string } }).error.code, 'index-damaged');
    assert.ok(query.stderr.includes(`${file} does not match its checksum`), query.stderr);

    await writeFile(file, bytes.subarray(0, bytes.length - 10));
    const truncated = await runCli(['query', 'vector database search', '--index', copy, '--mode', 'bm25'], { cwd: root });
    assert.equal(truncated.code, 2);
    assert.ok(truncated.stderr.includes(`${file} is ${bytes.length - 10} bytes but should be ${bytes.length}`), truncated.stderr);
    const checked = JSON.parse((await runCli(['check', '--index', copy, '--json'], { cwd: root })).stdout) as { files: Array<{ name: string; status: string }> };
    assert.equal(checked.files.find((f) => f.name === name)?.status, 'wrong-size');
  });

  it('an index with lexical-<gen>.json (written by an older rag) is still answered alike, and its next change writes the binary file', async () => {
    const oldIndex = path.join(root, 'json');
    await ingest({ paths: [docs], index: oldIndex, chunkSize: 120, chunkOverlap: 10 });
    const jsonName = await asOlderRagWroteIt(oldIndex);
    const check = await runCli(['check', '--index', oldIndex, '--json'], { cwd: root });
    assert.equal(check.code, 0, check.stderr);
    assert.ok((JSON.parse(check.stdout) as { files: Array<{ role: string; status: string }> }).files.some((f) => f.role === 'lexical' && f.status === 'ok'));

    const store = await IndexStore.open(oldIndex, { lazyVectors: true });
    const fold = lexicalScriptFold(store.manifest.model);
    assert.ok(await store.lexicalPostings(fold), 'the JSON postings are read');
    for (const q of QUERIES) assert.deepEqual(await ranked(new Bm25Retriever(store, fold), q), await ranked(new Bm25Retriever(withoutPostings(store), fold), q), q);
    const expected = await runCli(['query', 'vector database search', '--index', index, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    const got = await runCli(['query', 'vector database search', '--index', oldIndex, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(hitsOf(got.stdout), hitsOf(expected.stdout));

    // The next change carries the JSON's analysis over and writes lexical-<gen>.bin in its place.
    await writeFile(path.join(docs, 'json-new.txt'), 'graph cosine neighbour.\n');
    await ingest({ paths: [docs], index: oldIndex });
    const manifest = await manifestOf(oldIndex);
    assert.equal(manifest.files['lexical'], undefined);
    assert.match(manifest.files['postings']?.name ?? '', /^lexical-\d+\.bin$/);
    assert.ok(!(await readdir(oldIndex)).includes(jsonName), 'the JSON file is gone with its generation');
    const after = await IndexStore.open(oldIndex, { lazyVectors: true });
    for (const q of QUERIES) assert.deepEqual(await ranked(new Bm25Retriever(after, fold), q), await ranked(new Bm25Retriever(withoutPostings(after), fold), q), q);
    // The other tests compare with \`index\`, which never saw this document.
    await unlink(path.join(docs, 'json-new.txt'));
  });

  it('a binary file bound to another chunk file (kept by an older rag that rewrote the chunks) is ignored, and the next change replaces it', async () => {
    const copy = await copyIndex(index, path.join(root, 'stale'));
    const manifest = await manifestOf(copy);
    const file = manifest.files['postings']!;
    const bytes = await readFile(path.join(copy, file.name));
    // The binding is the chunk file's checksum, in the header: make it another one.
    const at = bytes.indexOf(manifest.files['chunks']!.checksum!, 0, 'latin1');
    assert.ok(at > 0);
    bytes.write('0', at + 'sha256:'.length, 'latin1');
    bytes.write('1', at + 'sha256:'.length + 1, 'latin1');
    await writeFile(path.join(copy, file.name), bytes);
    file.checksum = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(path.join(copy, MANIFEST_FILE), JSON.stringify(manifest));

    const store = await IndexStore.open(copy, { lazyVectors: true });
    const fold = lexicalScriptFold(store.manifest.model);
    assert.equal(await store.lexicalPostings(fold), undefined, 'stale postings are not used');
    const got = await runCli(['query', 'vector database search', '--index', copy, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    const expected = await runCli(['query', 'vector database search', '--index', index, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(hitsOf(got.stdout), hitsOf(expected.stdout));

    await ingest({ paths: [path.join(docs, 'more')], index: copy });
    const next = await IndexStore.open(copy, { lazyVectors: true });
    assert.ok(await next.lexicalPostings(fold), 'the next change writes postings that apply');
  });

  it('an index without any (written before they existed) still answers, and the next change writes them', async () => {
    const oldIndex = path.join(root, 'old');
    await ingest({ paths: [docs], index: oldIndex, chunkSize: 120, chunkOverlap: 10 });
    const file = path.join(oldIndex, MANIFEST_FILE);
    const manifest = await manifestOf(oldIndex);
    const name = manifest.files['postings']!.name;
    delete manifest.files['postings'];
    await writeFile(file, JSON.stringify(manifest));
    await unlink(path.join(oldIndex, name));

    const expected = await runCli(['query', 'vector database search', '--index', index, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    const got = await runCli(['query', 'vector database search', '--index', oldIndex, '--mode', 'bm25', '-k', '5', '--json'], { cwd: root });
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(hitsOf(got.stdout), hitsOf(expected.stdout));

    // An unchanged re-ingest writes nothing (so no postings yet); a change writes them.
    await ingest({ paths: [docs], index: oldIndex });
    assert.equal((await manifestOf(oldIndex)).files['postings'], undefined);
    await writeFile(path.join(docs, 'new.txt'), 'graph cosine neighbour.\n');
    await ingest({ paths: [docs], index: oldIndex });
    assert.ok((await manifestOf(oldIndex)).files['postings']);
  });
});

describe('lexical-<gen>.bin', () => {
  it('finds every term it holds and no other, in any script (astral characters, which JS orders before U+E000-U+FFFF, included)', () => {
    const terms = ['abc', 'ab', 'b', '\u{20000}', '\uff71', '\ue000', '向量', '\u{1f600}x', 'zz', 'é'];
    const chunks = new Map<number, { length: number; terms: Map<string, number> }>();
    for (let label = 0; label < 40; label++) {
      const own = new Map<string, number>();
      terms.forEach((term, i) => {
        if ((label + i) % 3 !== 0) own.set(term, 1 + ((label * 7 + i) % 5));
      });
      chunks.set(label * 3 + 1, { length: 10 + label, terms: own });
    }
    const bytes = encodePostings('t2s', 'sha256:test', chunks);
    const header = readPostingsHeader(bytes);
    assert.deepEqual([header.count, header.terms, header.binding, header.fileBytes], [40, terms.length, 'sha256:test', bytes.length]);
    const file = new PostingsFile(header, bytes, (offset, length) => bytes.subarray(header.dictionaryBytes + offset, header.dictionaryBytes + offset + length));
    for (const term of terms) {
      const want: number[] = [];
      [...chunks.keys()].forEach((label, entry) => {
        const tf = chunks.get(label)!.terms.get(term);
        if (tf !== undefined) want.push(entry, tf);
      });
      assert.deepEqual([...file.postings(term)!], want, term);
    }
    for (const absent of ['', 'a', 'abcd', '\u{20001}', '\uff72', '量']) assert.equal(file.postings(absent), undefined, absent);
    assert.deepEqual([...file.labels], [...chunks.keys()]);
    assert.equal(file.totalLength, [...chunks.values()].reduce((sum, c) => sum + c.length, 0));
  });
});

describe('a bm25 query', () => {
  const saved = process.env.OPENAI_API_KEY;
  let root: string;
  let server: FakeServer;
  before(async () => {
    process.env.OPENAI_API_KEY = 'sk-bm25-test-key-0123456789';
    server = await startOpenAIServer({ dimension: 8 });
    root = await tempDir('bm25-model');
    await writeCorpus(path.join(root, 'docs'), 12, 5);
    await ingest({ paths: [path.join(root, 'docs')], index: path.join(root, 'idx'), model: 'openai:m', modelOptions: { baseUrl: `${server.origin}/v1/` } });
  });
  after(async () => {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('does not open the embedding model (no request to its server); hybrid does', async () => {
    const index = path.join(root, 'idx');
    const requests = (): number => server.requests.filter((r) => r.method === 'POST').length;
    const before = requests();
    const bm25 = await query({ text: 'vector database', index, mode: 'bm25', k: 3 });
    assert.equal(bm25.results.length, 3);
    assert.equal(bm25.model, 'openai:m', 'the model is still reported, from the manifest');
    assert.equal(requests(), before, 'nothing was sent to the embedding server');
    await query({ text: 'vector database', index, mode: 'hybrid', k: 3 });
    assert.ok(requests() > before, 'hybrid embeds the query');
    // Naming a model still checks it against the index, as before.
    await assert.rejects(query({ text: 'vector database', index, mode: 'bm25', model: 'hash' }), (error: { code?: string }) => error.code === 'model-mismatch');
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
