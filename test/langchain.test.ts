import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Embeddings } from '@langchain/core/embeddings';
import { RagError } from '../src/errors.js';
import { fromLangChainEmbeddings, toLangChainEmbeddings } from '../src/embed/langchain.js';
import { createOpenAIEmbedder } from '../src/embed/openai.js';
import { expectedVector, fakeVector, startOpenAIServer } from './helpers/fake-embedding-servers.js';

/** A LangChain model that records its calls and returns unnormalised deterministic vectors. */
class RecordingEmbeddings extends Embeddings {
  calls: Array<{ kind: 'documents' | 'query'; input: string[] }> = [];
  constructor(readonly size: number) {
    super({});
  }
  override async embedDocuments(documents: string[]): Promise<number[][]> {
    this.calls.push({ kind: 'documents', input: documents });
    return documents.map((d) => fakeVector(d, this.size));
  }
  override async embedQuery(document: string): Promise<number[]> {
    this.calls.push({ kind: 'query', input: [document] });
    return fakeVector(document, this.size);
  }
}

function assertClose(actual: ArrayLike<number> | undefined, expected: ArrayLike<number>): void {
  assert.ok(actual !== undefined);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) < 1e-6);
}

describe('toLangChainEmbeddings', () => {
  it('exposes one of our HTTP models as LangChain Embeddings with plain number arrays', async () => {
    const server = await startOpenAIServer({ dimension: 5 });
    try {
      const ours = await createOpenAIEmbedder('m', { baseUrl: `${server.origin}/v1`, dimension: 5, queryPrefix: 'q: ' });
      const lc = toLangChainEmbeddings(ours);
      assert.ok(lc instanceof Embeddings);
      const docs = await lc.embedDocuments(['one', '二']);
      assert.ok(Array.isArray(docs) && docs.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number')));
      assertClose(docs[0], expectedVector('one', 5));
      assertClose(docs[1], expectedVector('二', 5));
      const query = await lc.embedQuery('what');
      assert.ok(Array.isArray(query));
      assertClose(query, expectedVector('q: what', 5));
    } finally {
      await server.close();
    }
  });
});

describe('fromLangChainEmbeddings', () => {
  it('probes the dimension, batches documents, applies prefixes and normalises', async () => {
    const lc = new RecordingEmbeddings(7);
    const embedder = await fromLangChainEmbeddings(lc, { id: 'lc:recording', batchSize: 2, queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    assert.deepEqual(lc.calls, [{ kind: 'query', input: ['dimension probe'] }]);
    assert.deepEqual(
      [embedder.info.provider, embedder.info.dimension, embedder.info.normalize, embedder.cacheable],
      ['langchain', 7, true, true],
    );
    const progress: number[] = [];
    const { vectors } = await embedder.embedDocuments(['a', 'b', 'c'], { onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(lc.calls.slice(1).map((c) => c.input), [['passage: a', 'passage: b'], ['passage: c']]);
    assert.deepEqual(progress, [2, 3]);
    ['a', 'b', 'c'].forEach((t, i) => assertClose(vectors[i], expectedVector(`passage: ${t}`, 7)));
    assertClose(await embedder.embedQuery('x'), expectedVector('query: x', 7));
  });

  it('fingerprints id, dimension and revision, and skips the probe when the dimension is given', async () => {
    const lc = new RecordingEmbeddings(4);
    const a = await fromLangChainEmbeddings(lc, { id: 'lc:x', dimension: 4, revision: '2024-01' });
    assert.equal(lc.calls.length, 0);
    const same = await fromLangChainEmbeddings(lc, { id: 'lc:x', dimension: 4, revision: '2024-01' });
    const newer = await fromLangChainEmbeddings(lc, { id: 'lc:x', dimension: 4, revision: '2024-06' });
    const other = await fromLangChainEmbeddings(lc, { id: 'lc:y', dimension: 4, revision: '2024-01' });
    assert.equal(a.fingerprint, same.fingerprint);
    assert.notEqual(a.fingerprint, newer.fingerprint);
    assert.notEqual(a.fingerprint, other.fingerprint);
    assert.equal(a.info.revision, '2024-01');
  });

  it('rejects vectors of the wrong length or shape', async () => {
    const embedder = await fromLangChainEmbeddings(new RecordingEmbeddings(4), { id: 'lc:x', dimension: 6 });
    await assert.rejects(embedder.embedQuery('x'), (e: unknown) => e instanceof RagError && e.message === 'LangChain model lc:x returned a 4-dimensional vector, expected 6');
    const broken: Pick<Embeddings, 'embedDocuments' | 'embedQuery'> = {
      embedDocuments: async () => [[1, 2]],
      embedQuery: async () => [Number.NaN, 1],
    };
    await assert.rejects(fromLangChainEmbeddings(broken, { id: 'lc:broken' }), /not a list of numbers/);
    const shortReply = await fromLangChainEmbeddings(broken, { id: 'lc:broken', dimension: 2 });
    await assert.rejects(shortReply.embedDocuments(['a', 'b']), /returned 1 vectors for 2 texts/);
  });

  it('round-trips: our model -> LangChain -> our model gives the same vectors', async () => {
    const inner = await fromLangChainEmbeddings(new RecordingEmbeddings(3), { id: 'lc:inner' });
    const outer = await fromLangChainEmbeddings(toLangChainEmbeddings(inner), { id: 'lc:outer' });
    assert.equal(outer.info.dimension, 3);
    const [direct, round] = await Promise.all([inner.embedDocuments(['z']), outer.embedDocuments(['z'])]);
    assertClose(round.vectors[0], direct.vectors[0] as Float32Array);
  });
});
