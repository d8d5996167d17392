import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RagError } from '../src/errors.js';
import { createOllamaEmbedder, resolveOllamaHost } from '../src/embed/ollama.js';
import { expectedVector, startOllamaServer, type FakeServer } from './helpers/fake-embedding-servers.js';

const fast = { retryBaseMs: 1, retryMaxMs: 20, timeoutMs: 2000 };

async function rejection(promise: Promise<unknown>): Promise<RagError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RagError, `expected a RagError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('resolveOllamaHost', () => {
  it('accepts the same shapes as OLLAMA_HOST', () => {
    assert.equal(resolveOllamaHost(undefined), 'http://127.0.0.1:11434');
    assert.equal(resolveOllamaHost(''), 'http://127.0.0.1:11434');
    assert.equal(resolveOllamaHost('0.0.0.0'), 'http://127.0.0.1:11434');
    assert.equal(resolveOllamaHost('gpu-box'), 'http://gpu-box:11434');
    assert.equal(resolveOllamaHost('gpu-box:8080'), 'http://gpu-box:8080');
    assert.equal(resolveOllamaHost(':9999'), 'http://127.0.0.1:9999');
    assert.equal(resolveOllamaHost('http://gpu-box'), 'http://gpu-box:80');
    assert.equal(resolveOllamaHost('https://ollama.example.com/proxy/'), 'https://ollama.example.com:443/proxy');
    assert.equal(resolveOllamaHost('[::1]:11500'), 'http://[::1]:11500');
    assert.throws(() => resolveOllamaHost('box:99999'), RagError);
  });
});

describe('createOllamaEmbedder', () => {
  let server: FakeServer;
  before(async () => {
    server = await startOllamaServer({ dimension: 6, models: ['nomic-embed-text:latest', 'bge-m3:567m'] });
  });
  after(() => server.close());

  it('embeds through /api/embed with truncate, records the digest, normalises', async () => {
    server.requests.length = 0;
    const host = server.origin.replace('http://', ''); // no scheme, as OLLAMA_HOST often is
    const embedder = await createOllamaEmbedder('nomic-embed-text', { host, passagePrefix: 'search_document: ', ...fast });
    assert.deepEqual(
      { id: embedder.info.id, provider: embedder.info.provider, dimension: embedder.info.dimension, revision: embedder.info.revision },
      { id: 'ollama:nomic-embed-text', provider: 'ollama', dimension: 6, revision: '0000abcdef01' },
    );
    const { vectors } = await embedder.embedDocuments(['一', 'two']);
    const expected = ['search_document: 一', 'search_document: two'].map((t) => expectedVector(t, 6));
    vectors.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - (expected[i]?.[j] as number)) < 1e-6)));
    const embed = server.requests.filter((r) => r.path === '/api/embed').at(-1);
    assert.deepEqual(embed?.body, { model: 'nomic-embed-text', input: ['search_document: 一', 'search_document: two'], truncate: true });
    const tagged = await createOllamaEmbedder('bge-m3:567m', { host, dimension: 6, ...fast });
    assert.equal(tagged.info.revision, '1111abcdef01');
    assert.notEqual(tagged.fingerprint, embedder.fingerprint);
  });

  it('batches and retries like the OpenAI provider', async () => {
    server.requests.length = 0;
    const embedder = await createOllamaEmbedder('bge-m3:567m', { host: server.origin, dimension: 6, batchSize: 2, ...fast });
    server.faults.push({ status: 503 });
    const { vectors } = await embedder.embedDocuments(['a', 'b', 'c']);
    assert.equal(vectors.length, 3);
    const sizes = server.requests.filter((r) => r.path === '/api/embed').map((r) => (r.body as { input: string[] }).input.length);
    assert.equal(sizes.length, 3, 'two batches plus one retry');
    assert.deepEqual([...sizes].sort(), [1, 2, 2]);
    server.faults.push({ status: 500 }, { status: 500 });
    const error = await rejection(
      (await createOllamaEmbedder('bge-m3:567m', { host: server.origin, dimension: 6, ...fast, maxRetries: 1 })).embedQuery('x'),
    );
    assert.equal(error.message, `Ollama at ${server.origin} failed: HTTP 500 (scripted 500) after 2 attempts`);
  });

  it('says to pull a missing model', async () => {
    const error = await rejection(createOllamaEmbedder('qwen3-embedding', { host: server.origin, ...fast }));
    assert.equal(error.message, `model qwen3-embedding not found at Ollama ${server.origin}; run \`ollama pull qwen3-embedding\``);
  });

  it('rejects malformed replies and points at `ollama serve` when unreachable', async () => {
    const embedder = await createOllamaEmbedder('bge-m3:567m', { host: server.origin, dimension: 6, ...fast });
    server.faults.push({ garbage: '{"embedding":[1,2]}' });
    assert.equal((await rejection(embedder.embedQuery('x'))).message, `Ollama at ${server.origin} returned an unexpected reply: missing embeddings`);
    server.faults.push({ dimension: 4 });
    assert.equal(
      (await rejection(embedder.embedQuery('x'))).message,
      `model bge-m3:567m at Ollama ${server.origin} returned a 4-dimensional vector, expected 6 like the first one`,
    );
    const gone = await startOllamaServer();
    await gone.close();
    const error = await rejection(createOllamaEmbedder('m', { host: gone.origin, ...fast, maxRetries: 5, retryBaseMs: 600_000, retryMaxMs: 600_000 }));
    assert.equal(error.code, 'endpoint-unreachable');
    assert.equal(
      error.message,
      `Ollama at ${gone.origin} refused the connection: nothing is listening at ${new URL(gone.origin).host} (ECONNREFUSED); is \`ollama serve\` running? (set OLLAMA_HOST if it listens elsewhere)`,
    );
  });
});
