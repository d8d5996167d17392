import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { ingest } from '../src/ingest/pipeline.js';
import { IndexStore } from '../src/store/index-store.js';
import { attentionMacsPerToken, BGE_SMALL_ZH_SHAPE, weightMacsPerToken, wordPieceVocabulary, writeBertModel, type BertShape } from './helpers/bert-onnx.js';

const TEXTS = [
  'hello world',
  '向量数据库如何加快检索速度？',
  'the quick brown fox jumps over the lazy dog and the cat sat on the mat while the vector index was rebuilt',
  'a',
  'embedding model for retrieval of relevant passages 检索相关文章',
];
const SHAPE: BertShape = { layers: 2, hidden: 64, heads: 2, ffn: 128, vocab: 600, maxPositions: 128 };

let root: string;
let dir: string;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rag-bert-onnx-'));
  dir = await writeBertModel(path.join(root, 'bert'), { shape: SHAPE, vocabulary: wordPieceVocabulary(TEXTS, SHAPE.vocab), dtypes: ['fp32', 'q8'], pooling: 'mean' });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

describe('generated BERT encoder (bench model shapes)', () => {
  it('counts the multiply-adds of bge-small-zh per token', () => {
    // 4 layers × (4 × 512² attention projections + 2 × 512 × 2048 feed-forward).
    assert.equal(weightMacsPerToken(BGE_SMALL_ZH_SHAPE), 12_582_912);
    assert.equal(attentionMacsPerToken(BGE_SMALL_ZH_SHAPE, 128), 4 * 2 * 128 * 512);
  });

  it('makes a vocabulary of exactly the asked size with every character of the texts', () => {
    const vocab = wordPieceVocabulary(TEXTS, SHAPE.vocab);
    assert.equal(vocab.length, SHAPE.vocab);
    assert.equal(new Set(vocab).size, SHAPE.vocab);
    assert.deepEqual(vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    for (const ch of ['向', 'q', '？']) assert.ok(vocab.includes(ch) && vocab.includes(`##${ch}`), ch);
  });

  it('gives padded batches the vectors of one-by-one runs (fp32), so the attention mask works', async () => {
    const embedder = await loadTransformersEmbedder({ id: 'bert', source: { kind: 'local', dir }, pooling: 'mean' }, { threads: 1 });
    try {
      assert.equal(embedder.info.dimension, 64);
      const batched = await embedder.embedDocuments(TEXTS);
      for (const [i, text] of TEXTS.entries()) {
        const [alone] = (await embedder.embedDocuments([text])).vectors;
        const diff = Math.max(...Array.from(alone!, (v, j) => Math.abs(v - batched.vectors[i]![j]!)));
        assert.ok(diff < 1e-5, `text ${i}: batched differs from alone by ${diff}`);
      }
      // Different texts give different vectors: the random weights do mix tokens.
      assert.ok(cosine(batched.vectors[0]!, batched.vectors[1]!) < 0.999);
    } finally {
      await embedder.dispose();
    }
  });

  it('loads the q8 graph with --dtype q8 and stays close to fp32', async () => {
    const fp32 = await loadTransformersEmbedder({ id: 'bert', source: { kind: 'local', dir }, pooling: 'mean' }, { threads: 1 });
    const q8 = await loadTransformersEmbedder({ id: 'bert', source: { kind: 'local', dir }, pooling: 'mean', dtype: 'q8' }, { threads: 1 });
    try {
      assert.notEqual(q8.fingerprint, fp32.fingerprint);
      const a = await fp32.embedDocuments(TEXTS);
      const b = await q8.embedDocuments(TEXTS);
      for (let i = 0; i < TEXTS.length; i++) {
        const c = cosine(a.vectors[i]!, b.vectors[i]!);
        assert.ok(c > 0.95 && c < 1 - 1e-7, `text ${i}: cosine fp32/q8 ${c}`);
      }
    } finally {
      await fp32.dispose();
      await q8.dispose();
    }
  });

  it('chunks in characters with a tokenizer model when asked, and keeps that unit for the index', async () => {
    const docs = path.join(root, 'docs');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(docs, { recursive: true });
    await writeFile(path.join(docs, 'a.md'), `${'the quick brown fox jumps over the lazy dog. '.repeat(40)}\n`);
    const index = path.join(root, 'index-chars');
    const summary = await ingest({ paths: [docs], index, model: dir, chunkUnit: 'characters', chunkSize: 300, chunkOverlap: 0, cache: false });
    assert.deepEqual(summary.chunking, { chunkSize: 300, chunkOverlap: 0, lengthUnit: 'characters' });
    const store = await IndexStore.open(index);
    for (const doc of store.documents()) {
      for (const id of doc.chunkIds) assert.ok([...store.getChunk(id)!.text].length <= 300);
    }
    // 1,800 characters in chunks of at most 300 (in tokens the text is ~400, which would make 2).
    assert.equal(summary.chunks.total, 6);
    await assert.rejects(ingest({ paths: [docs], index, model: dir, chunkUnit: 'tokens', cache: false }), /overlap \d+ in characters; use those settings/);
  });
});
