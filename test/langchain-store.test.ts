/**
 * RagVectorStore: a real rag index (the HNSW files, and pgvector through PGlite on 127.0.0.1) as
 * a LangChain VectorStore with the installed @langchain/core; its retriever ranks as `rag query
 * --mode dense` does and composes with LangChain runnables.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunnableLambda } from '@langchain/core/runnables';
import { VectorStore } from '@langchain/core/vectorstores';
import { ingest, query, RagError, RagVectorStore } from '../src/index.js';
import { startPgServer, type PgTestServer } from './helpers/pg-server.js';
import { tempDir } from './helpers/cli.js';

const DOCS = path.resolve('datasets/en-sample/docs');
const QUESTION = 'how do we rotate API keys';

describe('RagVectorStore over a rag index', () => {
  let server: PgTestServer;
  const locations: Record<'files' | 'pgvector', string> = { files: '', pgvector: '' };

  before(async () => {
    const dir = await tempDir('rag-lc-store-');
    locations.files = path.join(dir, 'idx');
    server = await startPgServer();
    locations.pgvector = server.url('lcstore');
    await ingest({ paths: [DOCS], index: locations.files, cacheDir: path.join(dir, 'cache') });
    await ingest({ paths: [DOCS], index: locations.pgvector, cacheDir: path.join(dir, 'cache') });
  });

  after(async () => {
    await server?.stop();
  });

  for (const store of ['files', 'pgvector'] as const) {
    it(`${store}: asRetriever() returns the chunks rag query ranks first, as Documents`, async () => {
      const location = locations[store];
      const vectorStore = await RagVectorStore.open(location);
      try {
        assert.ok(vectorStore instanceof VectorStore);
        const docs = await vectorStore.asRetriever({ k: 3 }).invoke(QUESTION);
        const expected = await query({ text: QUESTION, index: location, k: 3, mode: 'dense' });
        assert.deepEqual(docs.map((d) => d.metadata.chunkId), expected.results.map((r) => r.chunkId));
        assert.equal(docs[0]?.metadata.source, expected.results[0]?.source);
        assert.equal(docs[0]?.pageContent, expected.results[0]?.text);
        assert.ok(Math.abs((docs[0]?.metadata.score ?? 0) - (expected.results[0]?.score ?? 0)) < 1e-5);

        const withScores = await vectorStore.similaritySearchWithScore(QUESTION, 3);
        for (let i = 1; i < withScores.length; i++) assert.ok(withScores[i]![1] <= withScores[i - 1]![1]);

        // A chain: retriever | format, the way an app puts retrieved context into a prompt.
        const chain = vectorStore.asRetriever({ k: 2 }).pipe(RunnableLambda.from((found: { metadata: Record<string, unknown> }[]) => found.map((d) => String(d.metadata.source)).join('\n')));
        assert.equal(await chain.invoke(QUESTION), expected.results.slice(0, 2).map((r) => r.source).join('\n'));
      } finally {
        await vectorStore.close();
      }
    });
  }

  it('a metadata filter keeps only matching chunks, still up to k', async () => {
    const vectorStore = await RagVectorStore.open(locations.files);
    try {
      const docs = await vectorStore.similaritySearch(QUESTION, 3, (m) => !m.source.startsWith('security/'));
      assert.ok(docs.length > 0);
      assert.ok(docs.every((d) => !String(d.metadata.source).startsWith('security/')));
    } finally {
      await vectorStore.close();
    }
  });

  it('is read-only, and refuses a model the index was not built with', async () => {
    const vectorStore = await RagVectorStore.open(locations.files);
    try {
      await assert.rejects(vectorStore.addDocuments([{ pageContent: 'x', metadata: {} }]), (e: unknown) => {
        assert.ok(e instanceof RagError && e.code === 'usage');
        assert.equal(e.message, 'RagVectorStore is read-only; add documents with ingest(), then open the store again');
        return true;
      });
    } finally {
      await vectorStore.close();
    }
    await assert.rejects(RagVectorStore.open(locations.files, { model: 'bge-small-zh' }), (e: unknown) => e instanceof RagError && e.code === 'model-mismatch');
  });
});
