/**
 * An index built with an HTTP model keeps the endpoint it was built at (never the key): queries
 * go back there, and an environment pointing elsewhere is refused before anything is sent.
 * Real servers on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliWording } from '../src/cli/error-advice.js';
import { ingest, query, RagError } from '../src/index.js';
import { startOllamaServer, startOpenAIServer, type FakeServer } from './helpers/fake-embedding-servers.js';
import { tempDir } from './helpers/cli.js';

const KEY = 'sk-endpoint-test-key-0123456789';
const VARIABLES = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OLLAMA_HOST'] as const;

async function rejection(promise: Promise<unknown>): Promise<RagError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RagError, String(error));
    return error;
  }
  assert.fail('expected a RagError');
}

function embedRequests(server: FakeServer): number {
  return server.requests.filter((r) => r.method === 'POST').length;
}

describe('the endpoint is part of the index', () => {
  let built: FakeServer;
  let other: FakeServer;
  let ollama: FakeServer;
  let dir = '';
  const saved: Partial<Record<(typeof VARIABLES)[number], string>> = {};

  before(async () => {
    for (const name of VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    process.env.OPENAI_API_KEY = KEY;
    built = await startOpenAIServer({ dimension: 8 });
    other = await startOpenAIServer({ dimension: 8 });
    ollama = await startOllamaServer({ dimension: 8 });
    dir = await tempDir('rag-endpoint-');
    await mkdir(path.join(dir, 'docs'));
    await writeFile(path.join(dir, 'docs', 'a.md'), '# Keys\n\nRotate the API keys every ninety days.\n');
    await writeFile(path.join(dir, 'docs', 'b.md'), '# Graphs\n\nHNSW graphs speed up vector search.\n');
    await ingest({ paths: [path.join(dir, 'docs')], index: path.join(dir, 'openai-idx'), model: 'openai:m', modelOptions: { baseUrl: `${built.origin}/v1/` } });
    await ingest({ paths: [path.join(dir, 'docs')], index: path.join(dir, 'ollama-idx'), model: 'ollama:m', modelOptions: { baseUrl: ollama.origin } });
  });

  after(async () => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await Promise.all([built.close(), other.close(), ollama.close()]);
  });

  it('stores the base URL in the manifest, never the key', async () => {
    const manifest = await readFile(path.join(dir, 'openai-idx', 'manifest.json'), 'utf8');
    const model = (JSON.parse(manifest) as { model: { endpoint?: string } }).model;
    assert.equal(model.endpoint, `${built.origin}/v1`);
    assert.ok(!manifest.includes(KEY));
  });

  it('queries go to the stored endpoint when OPENAI_BASE_URL is unset (not to api.openai.com)', async () => {
    const before = embedRequests(built);
    const { results } = await query({ text: 'rotate keys', index: path.join(dir, 'openai-idx'), k: 1 });
    assert.equal(results.length, 1);
    assert.ok(embedRequests(built) > before, 'the query was embedded by the server the index was built with');
  });

  it('an OPENAI_BASE_URL pointing elsewhere is refused before any request', async () => {
    process.env.OPENAI_BASE_URL = `${other.origin}/v1`;
    try {
      const error = await rejection(query({ text: 'secret question', index: path.join(dir, 'openai-idx') }));
      assert.equal(error.code, 'endpoint-mismatch');
      assert.ok(error.message.includes(`${built.origin}/v1`) && error.message.includes(`${other.origin}/v1`), error.message);
      assert.equal(other.requests.length, 0, 'nothing was sent to the other endpoint');
      // The same endpoint spelled with a trailing slash is the same endpoint.
      process.env.OPENAI_BASE_URL = `${built.origin}/v1/`;
      assert.equal((await query({ text: 'rotate keys', index: path.join(dir, 'openai-idx'), k: 1 })).results.length, 1);
    } finally {
      delete process.env.OPENAI_BASE_URL;
    }
  });

  it('an explicit base URL is the user choosing: it is used, and the fingerprint still has to match', async () => {
    const error = await rejection(query({ text: 'x', index: path.join(dir, 'openai-idx'), modelOptions: { baseUrl: `${other.origin}/v1` } }));
    assert.equal(error.code, 'model-mismatch', 'another host is another model as far as the index knows');
    assert.ok(other.requests.length > 0, 'the explicit endpoint was asked (the user chose it)');
  });

  it('ollama: the stored host wins over an unset OLLAMA_HOST; a different one is refused', async () => {
    const before = embedRequests(ollama);
    assert.equal((await query({ text: 'graphs', index: path.join(dir, 'ollama-idx'), k: 1 })).results.length, 1);
    assert.ok(embedRequests(ollama) > before);
    process.env.OLLAMA_HOST = '127.0.0.1:9';
    try {
      const error = await rejection(query({ text: 'graphs', index: path.join(dir, 'ollama-idx') }));
      assert.equal(error.code, 'endpoint-mismatch');
      assert.equal(error.hint, "unset OLLAMA_HOST to use the index's endpoint, or set the baseUrl option to choose one explicitly");
      assert.equal(cliWording(error).hint, "unset OLLAMA_HOST to use the index's endpoint, or pass --base-url to choose one explicitly");
    } finally {
      delete process.env.OLLAMA_HOST;
    }
  });
});
