import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingest } from '../src/ingest/pipeline.js';
import { IndexStore } from '../src/store/index-store.js';
import { writeBigCorpus, type BigCorpus } from './helpers/big-corpus.js';
import { KeywordEmbedder } from './helpers/keyword-embedder.js';

// V8 cannot hold a string longer than ~512 MB (0x1fffffe8 UTF-16 units). A corpus whose text is
// bigger must therefore never be decoded, stored or written as one string anywhere between the
// corpus file and a search result. 620 MB of ASCII text in one BEIR corpus.jsonl, an 8-dimension
// keyword embedder (so the test is about text, not embedding cost) and 4,000-character chunks
// (~155k chunks, few enough that the index is scanned and no HNSW graph is built).
const MEGABYTES = 620;
const NEEDLE = 'The zqxneedle sentence is planted in exactly one document.';

describe('a corpus with more than 600 MB of chunk text', { timeout: 1_800_000 }, () => {
  let root: string;
  let corpus: BigCorpus;
  let corpusPath: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rag-large-'));
    corpusPath = path.join(root, 'corpus.jsonl');
    corpus = await writeBigCorpus(corpusPath, MEGABYTES, NEEDLE);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('ingests, stores every chunk and finds the planted sentence', { timeout: 1_800_000 }, async () => {
    assert.ok((await stat(corpusPath)).size > 2 ** 29, 'the corpus file is larger than the longest string V8 allows');
    const index = path.join(root, 'index');
    const embedder = new KeywordEmbedder(['zqxneedle']);
    // One file above the default --max-file-size (50 MB): a user raises it the same way.
    const summary = await ingest({ paths: [corpusPath], index, model: embedder, chunkSize: 4000, chunkOverlap: 0, maxFileSize: 2 ** 30 });
    assert.equal(summary.documents.added, corpus.documents);
    assert.equal(summary.documents.failed, 0);
    assert.equal(summary.chunks.total, summary.chunks.embedded);
    assert.equal(embedder.documentsEmbedded, summary.chunks.total);

    const store = await IndexStore.open(index);
    assert.equal(store.documentCount, corpus.documents);
    assert.equal(store.chunkCount, summary.chunks.total);
    assert.equal(store.manifest.files.vectors, undefined, 'no graph at this size: the test is about text');
    let chunkChars = 0;
    for (const doc of store.documents()) {
      for (const id of doc.chunkIds) chunkChars += store.getChunk(id)!.text.length;
    }
    // Chunks without overlap cover each document's text except the whitespace between them.
    assert.ok(chunkChars > 600_000_000, `chunk text is ${chunkChars} characters`);
    assert.ok(chunkChars <= corpus.textChars && chunkChars > corpus.textChars * 0.99, `${chunkChars} of ${corpus.textChars} characters kept`);
    assert.ok((await stat(path.join(index, store.manifest.files.chunks.name))).size > 2 ** 29);

    const [hit] = store.search(await embedder.embedQuery('zqxneedle'), 1);
    assert.ok(hit !== undefined);
    assert.equal(hit.chunk.docId, corpus.needleDoc);
    assert.ok(hit.chunk.text.includes(NEEDLE));
  });
});
