import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RagError } from '../src/errors.js';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from '../src/embed/openai.js';
import { expectedVector, startOpenAIServer, type FakeServer } from './helpers/fake-embedding-servers.js';

const KEY = 'sk-test-SECRET123';
const fast = { retryBaseMs: 1, retryMaxMs: 20, timeoutMs: 2000 } satisfies OpenAIEmbedderOptions;

function assertClose(actual: Float32Array | undefined, expected: Float32Array): void {
  assert.ok(actual !== undefined);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) < 1e-6);
}

function embedRequests(server: FakeServer): Array<{ input: string[]; dimensions?: number; model: string; encoding_format: string }> {
  return server.requests.map((r) => r.body as { input: string[]; dimensions?: number; model: string; encoding_format: string });
}

async function rejection(promise: Promise<unknown>): Promise<RagError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RagError, `expected a RagError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('createOpenAIEmbedder', () => {
  let server: FakeServer;
  let baseUrl: string;
  before(async () => {
    server = await startOpenAIServer({ dimension: 8, models: ['m'], authorization: `Bearer ${KEY}` });
    baseUrl = `${server.origin}/v1`;
  });
  after(() => server.close());
  const reset = (): void => {
    server.requests.length = 0;
    server.faults.length = 0;
    server.maxInFlight = 0;
  };

  it('probes the dimension, sends the key, places vectors by index and L2-normalises them', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, ...fast });
    assert.equal(server.requests.length, 1, 'one probe request');
    assert.equal(embedder.info.dimension, 8);
    assert.deepEqual(
      { id: embedder.info.id, provider: embedder.info.provider, name: embedder.info.name, normalize: embedder.info.normalize },
      { id: 'openai:m', provider: 'openai', name: 'm', normalize: true },
    );
    assert.equal(embedder.info.params?.['host'], new URL(server.origin).host);
    assert.equal(embedder.cacheable, true);
    assert.match(embedder.fingerprint, /^[0-9a-f]{64}$/);
    const { vectors, truncated } = await embedder.embedDocuments(['alpha', '向量数据库', 'gamma']);
    assert.equal(truncated, 0);
    assertClose(vectors[0], expectedVector('alpha', 8));
    assertClose(vectors[1], expectedVector('向量数据库', 8));
    assertClose(vectors[2], expectedVector('gamma', 8));
    const last = server.requests.at(-1);
    assert.equal(last?.headers['authorization'], `Bearer ${KEY}`);
    assert.deepEqual(last?.body, { model: 'm', input: ['alpha', '向量数据库', 'gamma'], encoding_format: 'float' });
  });

  it('applies query and passage prefixes', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', {
      baseUrl, apiKey: KEY, dimension: 8, queryPrefix: 'query: ', passagePrefix: 'passage: ', ...fast,
    });
    const q = await embedder.embedQuery('what');
    await embedder.embedDocuments(['doc']);
    assertClose(q, expectedVector('query: what', 8));
    assert.deepEqual(embedRequests(server).map((b) => b.input), [['query: what'], ['passage: doc']]);
    assert.equal(embedder.info.queryPrefix, 'query: ');
  });

  it('splits documents into batches of batchSize, keeps order and reports progress', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimension: 8, batchSize: 3, concurrency: 1, ...fast });
    assert.equal(server.requests.length, 0, 'no probe when the dimension is given');
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const progress: number[] = [];
    const { vectors } = await embedder.embedDocuments(texts, { onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(embedRequests(server).map((b) => b.input.length), [3, 3, 3, 1]);
    assert.deepEqual(progress, [3, 6, 9, 10]);
    texts.forEach((t, i) => assertClose(vectors[i], expectedVector(t, 8)));
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const slow = await startOpenAIServer({ dimension: 8, delayMs: 40 });
    try {
      const embedder = await createOpenAIEmbedder('m', { baseUrl: `${slow.origin}/v1`, dimension: 8, batchSize: 1, concurrency: 3, ...fast });
      await embedder.embedDocuments(Array.from({ length: 12 }, (_, i) => `t${i}`));
      assert.equal(slow.requests.length, 12);
      assert.equal(slow.maxInFlight, 3);
      assert.equal(slow.requests[0]?.headers['authorization'], undefined, 'no key, no header');
    } finally {
      await slow.close();
    }
  });

  it('sends the dimensions parameter and records it in info', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimensions: 4, ...fast });
    assert.equal(server.requests.length, 0);
    assert.equal(embedder.info.dimension, 4);
    assert.equal(embedder.info.params?.['dimensions'], 4);
    const [v] = (await embedder.embedDocuments(['x'])).vectors;
    assertClose(v, expectedVector('x', 4));
    assert.equal(embedRequests(server)[0]?.dimensions, 4);
    const other = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimensions: 6, ...fast });
    assert.notEqual(other.fingerprint, embedder.fingerprint);
  });

  it('waits for Retry-After on 429 and then succeeds', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimension: 8, ...fast, retryMaxMs: 5000 });
    server.faults.push({ status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const { vectors } = await embedder.embedDocuments(['a']);
    const elapsed = Date.now() - started;
    assert.equal(server.requests.length, 2);
    assert.ok(elapsed >= 950, `waited ${elapsed} ms`);
    assertClose(vectors[0], expectedVector('a', 8));
  });

  it('retries 5xx and gives up with the status and the number of attempts', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimension: 8, maxRetries: 2, ...fast });
    server.faults.push({ status: 500 }, { status: 502 }, { status: 503, body: '{"error":{"message":"overloaded"}}' }, { status: 500 });
    const error = await rejection(embedder.embedDocuments(['a']));
    assert.equal(error.message, `the endpoint at ${baseUrl}/embeddings failed: HTTP 503 (overloaded) after 3 attempts`);
    assert.equal(server.requests.length, 3);
    // One 5xx then success is invisible to the caller.
    reset();
    server.faults.push({ status: 500 });
    assert.equal((await embedder.embedDocuments(['b'])).vectors.length, 1);
    assert.equal(server.requests.length, 2);
  });

  it('times out a stalled connection, retries, then fails', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimension: 8, ...fast, timeoutMs: 150, maxRetries: 1 });
    server.faults.push({ stall: true }, { stall: true });
    const error = await rejection(embedder.embedDocuments(['a']));
    assert.equal(error.message, `the endpoint at ${baseUrl}/embeddings failed: no reply within 150 ms after 2 attempts`);
    assert.equal(server.requests.length, 2);
    // A stall followed by an answer succeeds.
    server.faults.push({ stall: true });
    assert.equal((await embedder.embedDocuments(['b'])).vectors.length, 1);
  });

  it('rejects garbage and malformed replies without retrying', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimension: 8, ...fast });
    server.faults.push({ garbage: '<html>oops' });
    const notJson = await rejection(embedder.embedDocuments(['a']));
    assert.equal(notJson.message, `the endpoint at ${baseUrl}/embeddings returned an unexpected reply: not JSON (<html>oops)`);
    server.faults.push({ garbage: '{"object":"list"}' });
    const missing = await rejection(embedder.embedDocuments(['a']));
    assert.equal(missing.message, `the endpoint at ${baseUrl}/embeddings returned an unexpected reply: missing data[].embedding`);
    server.faults.push({ garbage: '{"data":[{"index":0,"embedding":[1,"x"]}]}' });
    assert.match((await rejection(embedder.embedDocuments(['a']))).message, /missing data\[\]\.embedding$/);
    server.faults.push({ garbage: '{"data":[]}' });
    assert.match((await rejection(embedder.embedDocuments(['a']))).message, /0 embeddings for 1 inputs$/);
    assert.equal(server.requests.length, 4);
  });

  it('rejects a vector whose dimension differs from the first one or from `dimensions`', async () => {
    reset();
    const embedder = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, ...fast });
    server.faults.push({ dimension: 5 });
    const error = await rejection(embedder.embedDocuments(['a']));
    assert.equal(error.message, `model m at ${baseUrl}/embeddings returned a 5-dimensional vector, expected 8 like the first one`);
    const reduced = await createOpenAIEmbedder('m', { baseUrl, apiKey: KEY, dimensions: 4, ...fast });
    server.faults.push({ dimension: 8 }); // a server that ignores `dimensions`
    const ignored = await rejection(reduced.embedDocuments(['a']));
    assert.match(ignored.message, /returned 8-dimensional vectors but dimensions=4 was requested/);
  });

  it('explains 401 and 404 in one line', async () => {
    reset();
    const wrongKey = await rejection(createOpenAIEmbedder('m', { baseUrl, apiKey: 'sk-wrong', ...fast }));
    assert.equal(wrongKey.message, `the endpoint at ${baseUrl}/embeddings rejected the API key (401); set OPENAI_API_KEY`);
    const noKey = await rejection(createOpenAIEmbedder('m', { baseUrl, apiKey: '', ...fast }));
    assert.equal(noKey.message, `the endpoint at ${baseUrl}/embeddings requires an API key (401); set OPENAI_API_KEY`);
    const notFound = await rejection(createOpenAIEmbedder('nope', { baseUrl, apiKey: KEY, ...fast }));
    assert.match(notFound.message, new RegExp(`^model nope not found at ${baseUrl}/embeddings \\(404: The model \`nope\` does not exist\\)`));
    assert.equal(server.requests.length, 3, '4xx are not retried');
  });

  it('names a refused connection (a closed port on 127.0.0.1) at once, without retrying', async () => {
    const gone = await startOpenAIServer();
    const origin = gone.origin;
    await gone.close();
    // A backoff this long would make a retry hang the test: failing at once is the behaviour under test.
    const error = await rejection(createOpenAIEmbedder('m', { baseUrl: `${origin}/v1`, maxRetries: 5, timeoutMs: 2000, retryBaseMs: 600_000, retryMaxMs: 600_000 }));
    assert.equal(error.code, 'endpoint-unreachable');
    assert.equal(
      error.message,
      `the endpoint at ${origin}/v1/embeddings refused the connection: nothing is listening at ${new URL(origin).host} (ECONNREFUSED); check the base URL and your network`,
    );
  });

  it('names a DNS failure as such and tries once', async () => {
    let calls = 0;
    const fetchImpl: typeof fetch = async () => {
      calls++;
      // What undici throws for a name that does not resolve.
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND embeddings.example.invalid'), { code: 'ENOTFOUND' }) });
    };
    const error = await rejection(createOpenAIEmbedder('m', { baseUrl: 'https://embeddings.example.invalid/v1', fetchImpl, maxRetries: 5, retryBaseMs: 600_000, retryMaxMs: 600_000 }));
    assert.equal(calls, 1);
    assert.equal(error.code, 'endpoint-unreachable');
    assert.match(error.message, /^the endpoint at https:\/\/embeddings\.example\.invalid\/v1\/embeddings cannot be reached: the host name in embeddings\.example\.invalid does not resolve \(DNS lookup failed: ENOTFOUND\)/);
  });

  it('never puts the API key into an error message, the info or the fingerprint', async () => {
    reset();
    const messages: string[] = [];
    const collect = async (promise: Promise<unknown>): Promise<void> => {
      const error = await rejection(promise);
      messages.push(error.message, String(error.cause ?? ''), error.stack ?? '');
    };
    const options = { baseUrl, apiKey: KEY, dimension: 8, maxRetries: 1, ...fast, timeoutMs: 100 };
    const embedder = await createOpenAIEmbedder('m', options);
    const echo = (status: number): { status: number; body: string } => ({ status, body: JSON.stringify({ error: { message: `bad key ${KEY}` } }) });
    const faults = [
      [echo(400)], [echo(403)], [echo(422)], [echo(500), echo(500)], [{ status: 429 }, { status: 429 }],
      [{ garbage: `not json ${KEY}` }], [{ garbage: '{}' }], [{ dimension: 3 }], [{ stall: true as const }, { stall: true as const }],
    ];
    for (const group of faults) {
      server.faults.push(...group);
      await collect(embedder.embedDocuments(['a']));
    }
    await collect(createOpenAIEmbedder('nope', { ...options, dimension: undefined }));
    const wrongServer = await createOpenAIEmbedder('m', { ...options, apiKey: `${KEY}-x` });
    await collect(wrongServer.embedDocuments(['a'])); // 401 whose body echoes the key
    await collect(createOpenAIEmbedder('m', { ...options, baseUrl: `http://u:${KEY}@127.0.0.1:1/v1?key=${KEY}` }));
    assert.equal(messages.length, 36);
    for (const message of messages) assert.ok(!message.includes('SECRET123'), `key leaked in: ${message}`);
    assert.ok(!JSON.stringify(embedder.info).includes('SECRET123'));
    assert.ok(!embedder.fingerprint.includes('SECRET123'));
    // The fingerprint does not depend on the key at all.
    const other = await createOpenAIEmbedder('m', { ...options, apiKey: 'sk-other' });
    assert.equal(other.fingerprint, embedder.fingerprint);
  });
});
