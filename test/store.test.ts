import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, truncate, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chunk } from '../src/model/document.js';
import type { ModelInfo } from '../src/model/model-info.js';
import { IndexStore, writeIndex, type IndexInit, type WriteIndexOptions } from '../src/store/index.js';
import type { StoredDocument } from '../src/model/document.js';
import { normalized } from '../src/store/exact-scan.js';
import { fileChecksum } from '../src/store/checksum.js';
import { FlatVectors } from '../src/store/flat-vectors.js';
import { VectorIndex } from '../src/store/hnsw.js';
import { RagError } from '../src/errors.js';

const DIM = 8;
const model: ModelInfo = { id: 'hash', provider: 'builtin', name: 'hash', dimension: DIM, normalize: true };
const init: IndexInit = {
  model,
  modelFingerprint: '1a2b3c4d5e6f7a8b',
  chunking: { chunkSize: 400, chunkOverlap: 50, lengthUnit: 'characters' },
};

/** A deterministic unit-ish vector per string. */
function vec(seed: string): Float32Array {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Float32Array.from({ length: DIM }, (_, i) => Math.sin(h * (i + 1) * 0.001) + (i === h % DIM ? 2 : 0));
}

function makeDoc(docId: string, texts: string[], version = 'v1'): { doc: StoredDocument; chunks: Chunk[]; vectors: Float32Array[] } {
  const chunks: Chunk[] = texts.map((text, index) => ({
    id: `${docId}#${index}`,
    docId,
    index,
    text,
    page: null,
    start: index * 10,
    end: index * 10 + text.length,
    headings: ['标题'],
  }));
  return {
    doc: { docId, source: `docs/${docId}`, origin: 'docs', format: 'markdown', title: docId, contentHash: `${docId}-${version}`, chunkIds: chunks.map((c) => c.id) },
    chunks,
    vectors: texts.map((t) => vec(t)),
  };
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'rag-store-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
let counter = 0;
const freshDir = (): string => join(root, `idx-${counter++}`);

async function putAll(dir: string, docs: Array<ReturnType<typeof makeDoc>>, options: WriteIndexOptions = {}): Promise<void> {
  await writeIndex(
    dir,
    init,
    async (tx) => {
      for (const d of docs) tx.putDocument(d.doc, d.chunks, d.vectors);
    },
    options,
  );
}

/** Makes every commit keep an HNSW graph, however small the index (the default waits for size). */
const ALWAYS_GRAPH: WriteIndexOptions = { graphWork: 0 };

describe('writeIndex + IndexStore.open', () => {
  it('round-trips documents, chunks, vectors and statistics; search returns similarity', async () => {
    const dir = freshDir();
    const a = makeDoc('a.md', ['向量数据库', 'vector databases', 'third chunk']);
    const b = makeDoc('b.md', ['检索增强生成']);
    const returned = await writeIndex(dir, init, async (tx) => {
      assert.equal(tx.store.chunkCount, 0);
      tx.putDocument(a.doc, a.chunks, a.vectors);
      tx.putDocument(b.doc, b.chunks, b.vectors);
      tx.setCorpusStatistics(Buffer.from('df-table'));
      return 'done';
    });
    assert.equal(returned, 'done');
    // Four chunks scan in no time: no HNSW graph, only the flat vector file.
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-1.jsonl', 'lexical-1.bin', 'manifest.json', 'offsets-1.bin', 'stats-1.bin', 'vectors-1.f32']);

    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.generation, 1);
    assert.deepEqual(store.manifest.counts, { documents: 2, chunks: 4 });
    assert.deepEqual(store.manifest.hnsw.space, 'cosine');
    assert.deepEqual([...store.documents()].map((d) => d.docId), ['a.md', 'b.md']);
    assert.deepEqual(store.getDocument('a.md'), a.doc);
    assert.deepEqual(store.getChunk('a.md#1'), a.chunks[1]);
    assert.equal(store.chunkCount, 4);
    assert.equal(store.corpusStatistics()?.toString(), 'df-table');

    const hits = store.search(vec('vector databases'), 2);
    assert.equal(hits[0]!.chunk.id, 'a.md#1');
    assert.equal(hits[0]!.document.docId, 'a.md');
    assert.ok(Math.abs(hits[0]!.similarity - 1) < 1e-5, `similarity ${hits[0]!.similarity}`);
    assert.ok(hits[1]!.similarity < hits[0]!.similarity);
    assert.equal(store.search(vec('vector databases'), 10).length, 4);
    const onlyB = store.search(vec('vector databases'), 3, { filter: (c) => c.docId === 'b.md' });
    assert.deepEqual(onlyB.map((h) => h.chunk.id), ['b.md#0']);

    const stored = store.vectorOf('b.md#0')!;
    const original = vec('检索增强生成');
    const norm = Math.hypot(...original);
    stored.forEach((x, i) => assert.ok(Math.abs(x - original[i]! / norm) < 1e-6));
    assert.equal(store.vectorOf('nope#0'), undefined);

    const files = store.manifest.files;
    assert.equal(files.vectors, undefined);
    assert.equal(files.flatVectors!.bytes, (await stat(join(dir, 'vectors-1.f32'))).size);
    assert.equal(files.postings!.bytes, (await stat(join(dir, 'lexical-1.bin'))).size);
    assert.equal(files.offsets!.bytes, (await stat(join(dir, 'offsets-1.bin'))).size);
    const expected = (await stat(join(dir, 'manifest.json'))).size + files.chunks.bytes + files.flatVectors!.bytes + files.stats!.bytes + files.postings!.bytes + files.offsets!.bytes;
    assert.equal(await store.diskBytes(), expected);
  });

  it('replaces and removes documents; old generation files are deleted; labels of removed chunks are not found', async () => {
    const dir = freshDir();
    const docs = ['a', 'b', 'c', 'd'].map((id) => makeDoc(id, [`${id} one`, `${id} two`]));
    await putAll(dir, docs);
    await writeIndex(dir, init, async (tx) => {
      assert.equal(tx.store.getDocument('a')?.contentHash, 'a-v1');
      const a2 = makeDoc('a', ['a new'], 'v2');
      tx.putDocument(a2.doc, a2.chunks, a2.vectors);
      tx.removeDocument('b');
      tx.removeDocument('missing');
      // The view stays the state before this transaction.
      assert.equal(tx.store.getDocument('b')?.docId, 'b');
      assert.equal(tx.store.chunkCount, 8);
    });
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.generation, 2);
    assert.deepEqual([...store.documents()].map((d) => [d.docId, d.contentHash]), [
      ['c', 'c-v1'],
      ['d', 'd-v1'],
      ['a', 'a-v2'],
    ]);
    assert.equal(store.getChunk('a#1'), undefined);
    assert.equal(store.getChunk('b#0'), undefined);
    assert.equal(store.search(vec('a new'), 1)[0]!.chunk.id, 'a#0');
    const all = store.search(vec('b one'), 100);
    assert.equal(all.length, 5);
    assert.ok(all.every((h) => h.chunk.docId !== 'b' && h.chunk.text !== 'a one'));
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-2.jsonl', 'lexical-2.bin', 'manifest.json', 'offsets-2.bin', 'vectors-2.f32']);
  });

  it('reuses dead slots, then rebuilds the graph when a commit leaves > 30% of slots dead', async () => {
    const dir = freshDir();
    await putAll(dir, Array.from({ length: 10 }, (_, i) => makeDoc(`d${i}`, [`d${i} x`, `d${i} y`])), ALWAYS_GRAPH);
    const capacityBefore = (await IndexStore.open(dir)).manifest.hnsw.maxElements;
    // Replace 2 documents (4 chunks): 4 dead slots then 4 reused ones: the file stays the same size.
    const sizeBefore = (await IndexStore.open(dir)).manifest.files.vectors!.bytes;
    await writeIndex(
      dir,
      init,
      async (tx) => {
        for (const id of ['d0', 'd1']) {
          const d = makeDoc(id, [`${id} x2`, `${id} y2`], 'v2');
          tx.putDocument(d.doc, d.chunks, d.vectors);
        }
      },
      ALWAYS_GRAPH,
    );
    let store = await IndexStore.open(dir);
    assert.equal(store.manifest.files.vectors!.bytes, sizeBefore);
    assert.equal(store.manifest.hnsw.maxElements, capacityBefore);
    assert.equal(store.search(vec('d0 x2'), 1)[0]!.chunk.id, 'd0#0');
    // Remove 7 of 10 documents: 14 of 20 slots dead -> rebuilt: search still right, labels consistent.
    await writeIndex(
      dir,
      init,
      async (tx) => {
        for (let i = 0; i < 7; i++) tx.removeDocument(`d${i}`);
      },
      ALWAYS_GRAPH,
    );
    store = await IndexStore.open(dir);
    assert.equal(store.chunkCount, 6);
    assert.ok(store.manifest.files.vectors!.bytes < sizeBefore, 'the rebuilt graph holds only live vectors');
    for (const id of ['d7#0', 'd8#1', 'd9#0']) {
      const text = store.getChunk(id)!.text;
      assert.equal(store.search(vec(text), 1, { exact: false, ef: 10 })[0]!.chunk.id, id);
    }
    // Removing everything leaves a valid empty index without a vectors file.
    await writeIndex(
      dir,
      init,
      async (tx) => {
        for (const d of [...tx.store.documents()]) tx.removeDocument(d.docId);
      },
      ALWAYS_GRAPH,
    );
    store = await IndexStore.open(dir);
    assert.equal(store.chunkCount, 0);
    assert.equal(store.manifest.files.vectors, undefined);
    assert.equal(store.manifest.files.flatVectors, undefined);
    assert.deepEqual(store.search(vec('x'), 5), []);
  });

  it('a transaction that changes nothing writes nothing; a throwing one changes nothing', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one'])]);
    await writeIndex(dir, init, async (tx) => tx.setCorpusStatistics(Buffer.from('s1')));
    const before = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeIndex(dir, init, async (tx) => tx.setCorpusStatistics(Buffer.from('s1')));
    await writeIndex(dir, init, async () => undefined);
    assert.equal(await readFile(join(dir, 'manifest.json'), 'utf8'), before);

    await assert.rejects(
      writeIndex(dir, init, async (tx) => {
        const b = makeDoc('b', ['two']);
        tx.putDocument(b.doc, b.chunks, b.vectors);
        throw new Error('embedding failed');
      }),
      /embedding failed/,
    );
    assert.equal(await readFile(join(dir, 'manifest.json'), 'utf8'), before);
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-1.jsonl', 'lexical-1.bin', 'manifest.json', 'offsets-1.bin', 'stats-2.bin', 'vectors-1.f32']);
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.generation, 2, 'a statistics-only commit reuses the chunk and vector files');
    assert.deepEqual([...store.documents()].map((d) => d.docId), ['a']);
  });

  it('tx.commit() commits a batch that readers see while the transaction goes on; a later throw keeps it', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one']), makeDoc('gone', ['old'])]);
    await assert.rejects(
      writeIndex(dir, init, async (tx) => {
        const b = makeDoc('b', ['two', 'three']);
        tx.removeDocument('gone');
        tx.putDocument(b.doc, b.chunks, b.vectors);
        tx.setCorpusStatistics(Buffer.from('after b'));
        await tx.commit();
        assert.deepEqual([...tx.store.documents()].map((d) => d.docId).sort(), ['a', 'b'], 'tx.store shows the commit');
        const reader = await IndexStore.open(dir);
        assert.equal(reader.manifest.generation, 2);
        assert.deepEqual([...reader.documents()].map((d) => d.docId).sort(), ['a', 'b']);
        assert.equal(reader.corpusStatistics()?.toString(), 'after b');
        await tx.commit(); // nothing staged: no new generation
        const c = makeDoc('c', ['four']);
        tx.putDocument(c.doc, c.chunks, c.vectors);
        throw new Error('interrupted');
      }),
      /interrupted/,
    );
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.generation, 2);
    assert.deepEqual([...store.documents()].map((d) => d.docId).sort(), ['a', 'b']);
    assert.deepEqual(Buffer.from(store.vectorOf('b#1')!.buffer), Buffer.from(normalized(vec('three')).buffer));
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-2.jsonl', 'lexical-2.bin', 'manifest.json', 'offsets-2.bin', 'stats-2.bin', 'vectors-2.f32']);
  });

  it('rebuild: starts from an empty index past every generation in use, and replaces the old one in one commit', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one']), makeDoc('b', ['two'])]);
    // A damaged manifest and a leftover of a later generation: the rebuild writes past both.
    await writeFile(join(dir, 'manifest.json'), '{');
    await writeFile(join(dir, 'chunks-7.jsonl.tmp-1'), 'x');
    await writeFile(join(dir, 'keep.txt'), 'not ours');
    await writeIndex(
      dir,
      init,
      async (tx) => {
        assert.equal(tx.store.documentCount, 0);
        const c = makeDoc('c', ['three']);
        tx.putDocument(c.doc, c.chunks, c.vectors);
      },
      { rebuild: true },
    );
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.generation, 8);
    assert.deepEqual([...store.documents()].map((d) => d.docId), ['c']);
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-8.jsonl', 'keep.txt', 'lexical-8.bin', 'manifest.json', 'offsets-8.bin', 'vectors-8.f32']);
  });

  it('rejects inconsistent putDocument calls', async () => {
    const dir = freshDir();
    await writeIndex(dir, init, async (tx) => {
      const a = makeDoc('a', ['one', 'two']);
      assert.throws(() => tx.putDocument(a.doc, a.chunks, a.vectors.slice(1)), /2 chunks but 1 vectors/);
      assert.throws(() => tx.putDocument({ ...a.doc, chunkIds: ['a#1', 'a#0'] }, a.chunks, a.vectors), /chunkIds must list/);
      assert.throws(() => tx.putDocument(a.doc, a.chunks, [new Float32Array(3), new Float32Array(3)]), /dimension 3, index uses 8/);
      assert.throws(() => tx.putDocument(a.doc, a.chunks, [a.vectors[0]!, new Float32Array(DIM).fill(Number.NaN)]), /NaN/);
    });
  });
});

describe('errors a user can cause', () => {
  it('no index', async () => {
    await assert.rejects(IndexStore.open(join(root, 'absent')), {
      name: 'RagError',
      message: `no index at ${join(root, 'absent')}; ingest documents into it first`,
    });
    assert.equal(await IndexStore.exists(join(root, 'absent')), false);
  });

  it('model fingerprint mismatch names both models', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one'])]);
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.model.id, 'hash');
    const other = { info: { ...model, id: 'bge-small-zh' }, fingerprint: 'ffff0000eeee' };
    await assert.rejects(writeIndex(dir, { ...init, model: other.info, modelFingerprint: other.fingerprint }, async () => undefined), {
      name: 'RagError',
      code: 'model-mismatch',
      message: `index ${dir} was built with model hash, not bge-small-zh; use model hash or ingest into another index`,
    });
    await assert.rejects(writeIndex(dir, { ...init, modelFingerprint: '999988887777' }, async () => undefined), {
      code: 'model-mismatch',
      message: `index ${dir} was built with hash under other settings (fingerprint ${init.modelFingerprint.slice(0, 12)}, now 999988887777); ingest into a new index to use the new settings`,
    });
  });

  it('different chunking settings', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one'])]);
    await assert.rejects(writeIndex(dir, { ...init, chunking: { chunkSize: 512, chunkOverlap: 64, lengthUnit: 'tokens' } }, async () => undefined), {
      name: 'RagError',
      code: 'chunking-mismatch',
      message: `index ${dir} was built with chunk size 400 and overlap 50 in characters; use those settings, rebuild it to re-chunk, or ingest into another index`,
    });
  });

  it('refuses to create an index in a directory holding other files', async () => {
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.md'), 'mine');
    await assert.rejects(writeIndex(dir, init, async () => undefined), {
      message: `${dir} exists and is not a rag index (it holds "notes.md"); choose another index location`,
    });
    assert.deepEqual(await readdir(dir), ['notes.md']);
  });

  it('corrupt, truncated and missing data files give one-line messages naming the file', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one', 'two']), makeDoc('b', ['three'])], ALWAYS_GRAPH);
    const chunksPath = join(dir, 'chunks-1.jsonl');
    const good = await readFile(chunksPath, 'utf8');
    const goodBytes = Buffer.byteLength(good);
    const advice = '; rebuild it from your documents (ingest with rebuild: true)';

    // Same length, one byte changed inside the JSON of line 3.
    const lines = good.split('\n');
    lines[2] = lines[2]!.replace('{', '[');
    await writeFile(chunksPath, lines.join('\n'));
    await assert.rejects(IndexStore.open(dir), { name: 'RagError', message: `index ${dir} is damaged: ${chunksPath} line 3 is not valid JSON${advice}` });

    await writeFile(chunksPath, good);
    await truncate(chunksPath, goodBytes - 5);
    await assert.rejects(IndexStore.open(dir), {
      message: `index ${dir} is damaged: ${chunksPath} is ${goodBytes - 5} bytes but should be ${goodBytes} (truncated or modified)${advice}`,
    });

    await rm(chunksPath);
    await assert.rejects(IndexStore.open(dir), { message: `index ${dir} is damaged: ${chunksPath} is missing${advice}` });

    await writeFile(chunksPath, good);
    const vectorsPath = join(dir, 'vectors-1.hnsw');
    const size = (await stat(vectorsPath)).size;
    await writeFile(vectorsPath, Buffer.alloc(size, 7));
    await assert.rejects(IndexStore.open(dir), (error: unknown) => {
      assert.ok(error instanceof RagError);
      assert.match(error.message, new RegExp(`^index ${dir} is damaged: ${vectorsPath} cannot be read \\(.*\\); rebuild it`));
      assert.ok(!error.message.includes('\n'));
      return true;
    });

    await writeFile(join(dir, 'manifest.json'), '{"formatVersion":1,');
    await assert.rejects(IndexStore.open(dir), { message: `index ${dir} is damaged: ${join(dir, 'manifest.json')} is not valid JSON${advice}` });
  });
});

describe('manifest format versions', () => {
  /** A manifest exactly as format 1 writes it (keep this literal: it is the compatibility contract). */
  const V1_MANIFEST = `{
  "formatVersion": 1,
  "createdAt": "2025-01-01T00:00:00.000Z",
  "updatedAt": "2025-01-02T00:00:00.000Z",
  "generation": 7,
  "model": { "id": "hash", "provider": "builtin", "name": "hash", "dimension": 8, "normalize": true },
  "modelFingerprint": "1a2b3c4d5e6f7a8b",
  "chunking": { "chunkSize": 400, "chunkOverlap": 50, "lengthUnit": "characters" },
  "hnsw": { "space": "cosine", "M": 16, "efConstruction": 200, "maxElements": 1024 },
  "counts": { "documents": 1, "chunks": 1 },
  "files": {
    "chunks": { "name": "chunks-7.jsonl", "bytes": 357 },
    "vectors": { "name": "vectors-3.hnsw", "bytes": VECTOR_BYTES }
  }
}
`;
  const V1_CHUNKS =
    '{"kind":"header","formatVersion":1}\n' +
    '{"kind":"document","document":{"docId":"a.md","source":"docs/a.md","origin":"docs","format":"markdown","contentHash":"h1","chunkIds":["a.md#0"]}}\n' +
    '{"kind":"chunk","label":0,"chunk":{"id":"a.md#0","docId":"a.md","index":0,"text":"hello","page":null,"start":0,"end":5,"headings":[]}}\n' +
    '{"kind":"end","documents":1,"chunks":1}\n';

  it('loads a literal format-1 index', async () => {
    assert.equal(Buffer.byteLength(V1_CHUNKS), 357);
    // Build the graph file as format 1 did (its bytes are hnswlib's), then hand-write the rest.
    const scratch = freshDir();
    await mkdir(scratch);
    const graph = VectorIndex.create(DIM);
    graph.add(0, vec('hello'));
    await graph.write(join(scratch, 'v1.hnsw'));
    const vectors = await readFile(join(scratch, 'v1.hnsw'));
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, 'vectors-3.hnsw'), vectors);
    await writeFile(join(dir, 'chunks-7.jsonl'), V1_CHUNKS);
    await writeFile(join(dir, 'manifest.json'), V1_MANIFEST.replace('VECTOR_BYTES', String(vectors.length)));
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.generation, 7);
    assert.equal(store.getChunk('a.md#0')?.text, 'hello');
    assert.equal(store.manifest.formatVersion, 1);
    assert.equal(store.search(vec('hello'), 1)[0]?.chunk.id, 'a.md#0');
    const hello = normalized(vec('hello'));
    store.vectorOf('a.md#0')!.forEach((x, i) => assert.ok(Math.abs(x - hello[i]!) < 1e-6));
    // Writing to it continues at generation 8, in format 2: the vectors move to a flat file and
    // the one-chunk index needs no graph.
    const b = makeDoc('b.md', ['world']);
    await writeIndex(dir, init, async (tx) => tx.putDocument(b.doc, b.chunks, b.vectors));
    const upgraded = await IndexStore.open(dir);
    assert.equal(upgraded.manifest.generation, 8);
    assert.equal(upgraded.manifest.formatVersion, 2);
    assert.equal(upgraded.manifest.files.vectors, undefined);
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-8.jsonl', 'lexical-8.bin', 'manifest.json', 'offsets-8.bin', 'vectors-8.f32']);
    assert.equal(upgraded.search(vec('hello'), 1)[0]?.chunk.id, 'a.md#0');
    assert.equal(upgraded.search(vec('world'), 1)[0]?.chunk.id, 'b.md#0');
    upgraded.vectorOf('a.md#0')!.forEach((x, i) => assert.ok(Math.abs(x - hello[i]!) < 1e-6));
  });

  it('rejects a newer format with advice', async () => {
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, 'manifest.json'), V1_MANIFEST.replace('"formatVersion": 1', '"formatVersion": 3').replace('VECTOR_BYTES', '1'));
    await assert.rejects(IndexStore.open(dir), {
      name: 'RagError',
      message: `index ${dir} was written by a newer rag (format 3); upgrade rag or ingest into a new index`,
    });
    await assert.rejects(writeIndex(dir, init, async () => undefined), { message: /was written by a newer rag \(format 3\)/ });
  });

  it('rejects manifests naming files outside the index directory', async () => {
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, 'manifest.json'), V1_MANIFEST.replace('chunks-7.jsonl', '../../etc/passwd').replace('VECTOR_BYTES', '1'));
    await assert.rejects(IndexStore.open(dir), { message: new RegExp(`manifest.json has no valid "files.chunks"`) });
  });
});

describe('flat vectors and the lazy HNSW graph', () => {
  /** Reference top-k: cosine of every stored vector, ties by insertion order (= label order). */
  function bruteForce(texts: string[], query: Float32Array, k: number): number[] {
    const q = normalized(query);
    return texts
      .map((text, i) => ({ i, dot: normalized(vec(text)).reduce((s, x, j) => s + x * q[j]!, 0) }))
      .sort((a, b) => b.dot - a.dot || a.i - b.i)
      .slice(0, k)
      .map((s) => s.i);
  }
  const manyDocs = (from: number, to: number): Array<ReturnType<typeof makeDoc>> =>
    Array.from({ length: to - from }, (_, i) => makeDoc(`m${from + i}`, [`many ${from + i}`]));
  /** Graph once live chunks × 8 non-zeros > 300 × 8, i.e. from 301 chunks; kept down to 150. */
  const SMALL_BUDGET: WriteIndexOptions = { graphWork: 300 * DIM };

  it('a small index has no graph file and searches return the exact top k', async () => {
    const dir = freshDir();
    await putAll(dir, manyDocs(0, 200));
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-1.jsonl', 'lexical-1.bin', 'manifest.json', 'offsets-1.bin', 'vectors-1.f32']);
    const store = await IndexStore.open(dir);
    assert.equal(store.manifest.formatVersion, 2);
    assert.equal(store.manifest.hnsw.maxElements, 0);
    const texts = Array.from({ length: 200 }, (_, i) => `many ${i}`);
    for (const seed of ['q1', 'q2', 'many 17', '向量']) {
      const q = vec(seed);
      assert.deepEqual(store.search(q, 10).map((h) => Number(h.chunk.docId.slice(1))), bruteForce(texts, q, 10));
      // Without a graph even a request for the graph scans.
      assert.deepEqual(store.search(q, 10, { exact: false }).map((h) => h.chunk.id), store.search(q, 10).map((h) => h.chunk.id));
    }
  });

  it('growing past the budget builds the graph from the flat vectors; graph search matches exact search', async () => {
    const dir = freshDir();
    await putAll(dir, manyDocs(0, 250), SMALL_BUDGET);
    assert.equal((await IndexStore.open(dir)).manifest.files.vectors, undefined);
    await putAll(dir, manyDocs(250, 600), SMALL_BUDGET);
    const store = await IndexStore.open(dir);
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-2.jsonl', 'lexical-2.bin', 'manifest.json', 'offsets-2.bin', 'vectors-2.f32', 'vectors-2.hnsw']);
    assert.ok(store.manifest.hnsw.maxElements >= 600);
    let found = 0;
    const queries = Array.from({ length: 50 }, (_, i) => vec(`query ${i}`));
    for (const q of queries) {
      const truth = new Set(store.search(q, 10, { exact: true }).map((h) => h.chunk.id));
      const graph = store.search(q, 10, { exact: false });
      assert.equal(graph.length, 10);
      for (const h of graph) if (truth.has(h.chunk.id)) found++;
    }
    assert.ok(found / (10 * queries.length) >= 0.95, `recall@10 ${found / 500}`);
    // Later commits keep the graph up to date incrementally: a replaced document is found by its new text.
    await writeIndex(
      dir,
      init,
      async (tx) => {
        const d = makeDoc('m3', ['replaced text'], 'v2');
        tx.putDocument(d.doc, d.chunks, d.vectors);
      },
      SMALL_BUDGET,
    );
    const after = await IndexStore.open(dir);
    assert.equal(after.manifest.hnsw.maxElements, store.manifest.hnsw.maxElements, 'the new vector reused the dead slot');
    assert.equal(after.search(vec('replaced text'), 1, { exact: false, ef: 50 })[0]!.chunk.id, 'm3#0');
    assert.ok(after.search(vec('many 3'), 600, { exact: false }).every((h) => h.chunk.text !== 'many 3'));
  });

  it('shrinking keeps working: the graph drops dead vectors, then goes away below half the budget', async () => {
    const dir = freshDir();
    await putAll(dir, manyDocs(0, 400), SMALL_BUDGET);
    assert.ok((await IndexStore.open(dir)).manifest.files.vectors !== undefined);
    const removeRange = (from: number, to: number): Promise<void> =>
      writeIndex(
        dir,
        init,
        async (tx) => {
          for (let i = from; i < to; i++) tx.removeDocument(`m${i}`);
        },
        SMALL_BUDGET,
      );
    const check = async (live: number[]): Promise<IndexStore> => {
      const store = await IndexStore.open(dir);
      assert.equal(store.chunkCount, live.length);
      const texts = live.map((i) => `many ${i}`);
      for (const seed of ['a', 'b', 'many 390']) {
        const q = vec(seed);
        assert.deepEqual(
          store.search(q, 10, { exact: true }).map((h) => h.chunk.text),
          bruteForce(texts, q, 10).map((i) => texts[i]),
        );
        for (const exact of [true, false]) assert.ok(store.search(q, 400, { exact }).every((h) => live.includes(Number(h.chunk.docId.slice(1)))));
      }
      return store;
    };
    // 400 → 200 chunks: still above half the budget (150), the graph stays (rebuilt: half its slots were dead).
    await removeRange(0, 200);
    let store = await check(Array.from({ length: 200 }, (_, i) => 200 + i));
    assert.ok(store.manifest.files.vectors !== undefined);
    // 200 → 100: below half the budget, the graph file goes; everything is scanned.
    await removeRange(200, 300);
    store = await check(Array.from({ length: 100 }, (_, i) => 300 + i));
    assert.equal(store.manifest.files.vectors, undefined);
    assert.deepEqual((await readdir(dir)).sort(), ['chunks-3.jsonl', 'lexical-3.bin', 'manifest.json', 'offsets-3.bin', 'vectors-3.f32']);
  });

  it('vectors round-trip bit-exactly through the flat file', async () => {
    const dir = freshDir();
    await mkdir(dir);
    const flat = FlatVectors.create(DIM);
    const inputs = Array.from({ length: 50 }, (_, i) => normalized(vec(`rt ${i}`)));
    inputs.forEach((v, i) => flat.add(i * 7 + 3, v));
    flat.remove(10);
    flat.remove(3);
    flat.remove(12345);
    const path = join(dir, 'vectors-1.f32');
    const { bytes, checksum } = await flat.write(path);
    assert.equal(bytes, (await stat(path)).size);
    assert.equal(checksum, await fileChecksum(path));
    assert.equal(bytes, 24 + 48 * 4 + 48 * DIM * 4);
    const back = await FlatVectors.read(path, DIM, flat.labels());
    assert.equal(back.size, 48);
    inputs.forEach((v, i) => {
      const label = i * 7 + 3;
      if (label === 3 || label === 10) return assert.equal(back.vector(label), undefined);
      // Bit-exact: the stored float32 is what normalized() gives, and a unit vector stays itself.
      assert.deepEqual(Buffer.from(back.vector(label)!.buffer), Buffer.from(normalized(v).buffer));
      assert.deepEqual(Buffer.from(back.vector(label)!.buffer), Buffer.from(flat.vector(label)!.buffer));
    });
    // And through the store.
    const idx = freshDir();
    await putAll(idx, [makeDoc('rt', ['one', 'two'])]);
    const store = await IndexStore.open(idx);
    assert.deepEqual(Buffer.from(store.vectorOf('rt#1')!.buffer), Buffer.from(normalized(vec('two')).buffer));
    await assert.rejects(FlatVectors.read(path, DIM, [...flat.labels(), 9999]), /has no vector for label 9999/);
    await assert.rejects(FlatVectors.read(path, DIM + 1, flat.labels()), /holds 8-dimensional vectors, expected 9/);
  });

  it('a corrupt or truncated vector file gives the one-line "damaged" message', async () => {
    const dir = freshDir();
    await putAll(dir, [makeDoc('a', ['one', 'two']), makeDoc('b', ['three'])]);
    const path = join(dir, 'vectors-1.f32');
    const good = await readFile(path);
    const advice = '; rebuild it from your documents (ingest with rebuild: true)';

    // Same size, header overwritten.
    const bad = Buffer.from(good);
    bad.write('garbage!', 0, 'latin1');
    await writeFile(path, bad);
    await assert.rejects(IndexStore.open(dir), { name: 'RagError', message: `index ${dir} is damaged: ${path} cannot be read (is not a rag vector file)${advice}` });

    // Same size, the count field changed.
    const miscounted = Buffer.from(good);
    miscounted.writeUInt32LE(2, 16);
    await writeFile(path, miscounted);
    await assert.rejects(IndexStore.open(dir), (error: unknown) => {
      assert.ok(error instanceof RagError);
      assert.match(error.message, new RegExp(`^index ${dir} is damaged: ${path} cannot be read \\(is ${good.length} bytes but its header says \\d+\\); rebuild it`));
      assert.ok(!error.message.includes('\n'));
      return true;
    });

    await writeFile(path, good.subarray(0, good.length - 4));
    await assert.rejects(IndexStore.open(dir), {
      name: 'RagError',
      message: `index ${dir} is damaged: ${path} is ${good.length - 4} bytes but should be ${good.length} (truncated or modified)${advice}`,
    });

    await rm(path);
    await assert.rejects(IndexStore.open(dir), { message: `index ${dir} is damaged: ${path} is missing${advice}` });

    await writeFile(path, good);
    assert.equal((await IndexStore.open(dir)).chunkCount, 3);
  });
});
