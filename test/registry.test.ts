import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { RagError } from '../src/errors.js';
import { HASH_MODEL_ID } from '../src/embed/hash.js';
import { resolveModel } from '../src/embed/registry.js';
import { findModel, listModels, qwen3QueryPrefix, suggestAliases } from '../src/embed/aliases.js';

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describe('listModels', () => {
  const models = listModels();
  const byAlias = new Map(models.map((m) => [m.alias, m]));

  it('lists every alias once, with the built-in hash model', () => {
    assert.deepEqual(
      models.map((m) => m.alias),
      [
        HASH_MODEL_ID,
        'bge-small-zh',
        'bge-base-zh',
        'bge-large-zh',
        'bge-small-en',
        'bge-base-en',
        'bge-large-en',
        'bge-m3',
        'multilingual-e5-small',
        'multilingual-e5-base',
        'multilingual-e5-large',
        'gte-small',
        'jina-v2-base-zh',
        'Qwen3-Embedding-0.6B',
      ],
    );
    assert.equal(byAlias.get('hash')?.provider, 'builtin');
    for (const m of models.filter((x) => x.provider === 'transformers')) {
      assert.match(m.hubId, /^[\w.-]+\/[\w.-]+$/, m.alias);
      assert.ok(m.dimension > 0 && m.maxTokens > 0 && m.languages.length > 0 && m.notes.length > 0, m.alias);
    }
  });

  it('has the pooling and prefixes each model card asks for', () => {
    const row = (alias: string): [string, string, string, string, number, number] => {
      const m = byAlias.get(alias)!;
      return [m.hubId, m.pooling, m.queryPrefix, m.passagePrefix, m.dimension, m.maxTokens];
    };
    const zh = '为这个句子生成表示以用于检索相关文章：';
    const en = 'Represent this sentence for searching relevant passages: ';
    assert.deepEqual(row('bge-small-zh'), ['Xenova/bge-small-zh-v1.5', 'cls', zh, '', 512, 512]);
    assert.deepEqual(row('bge-base-zh'), ['Xenova/bge-base-zh-v1.5', 'cls', zh, '', 768, 512]);
    assert.deepEqual(row('bge-large-zh'), ['Xenova/bge-large-zh-v1.5', 'cls', zh, '', 1024, 512]);
    assert.deepEqual(row('bge-small-en'), ['Xenova/bge-small-en-v1.5', 'cls', en, '', 384, 512]);
    assert.deepEqual(row('bge-base-en'), ['Xenova/bge-base-en-v1.5', 'cls', en, '', 768, 512]);
    assert.deepEqual(row('bge-large-en'), ['Xenova/bge-large-en-v1.5', 'cls', en, '', 1024, 512]);
    assert.deepEqual(row('bge-m3'), ['Xenova/bge-m3', 'cls', '', '', 1024, 8192]);
    assert.deepEqual(row('multilingual-e5-small'), ['Xenova/multilingual-e5-small', 'mean', 'query: ', 'passage: ', 384, 512]);
    assert.deepEqual(row('multilingual-e5-base'), ['Xenova/multilingual-e5-base', 'mean', 'query: ', 'passage: ', 768, 512]);
    assert.deepEqual(row('multilingual-e5-large'), ['Xenova/multilingual-e5-large', 'mean', 'query: ', 'passage: ', 1024, 512]);
    assert.deepEqual(row('gte-small'), ['Xenova/gte-small', 'mean', '', '', 384, 512]);
    assert.deepEqual(row('jina-v2-base-zh'), ['jinaai/jina-embeddings-v2-base-zh', 'mean', '', '', 768, 8192]);
    assert.deepEqual(row('Qwen3-Embedding-0.6B'), [
      'onnx-community/Qwen3-Embedding-0.6B-ONNX',
      'last_token',
      'Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:',
      '',
      1024,
      8192,
    ]);
    assert.equal(byAlias.get('Qwen3-Embedding-0.6B')?.matryoshka, true);
    assert.equal(qwen3QueryPrefix('Find code'), 'Instruct: Find code\nQuery:');
  });

  it('returns copies: callers cannot change the table', () => {
    listModels()[1]!.languages.push('xx');
    listModels()[1]!.pooling = 'mean';
    assert.deepEqual(findModel('bge-small-zh')?.languages, ['zh']);
    assert.equal(findModel('bge-small-zh')?.pooling, 'cls');
  });
});

describe('resolveModel', () => {
  it('rejects an unknown alias and suggests the closest names', async () => {
    await assert.rejects(resolveModel('bge-smal-zh'), (e: unknown) => {
      assert.ok(e instanceof RagError);
      assert.equal(
        e.message,
        "unknown model 'bge-smal-zh'; did you mean bge-small-zh? listModels() has the aliases (or use hf:ORG/NAME, a ./folder, openai:MODEL, ollama:MODEL)",
      );
      return true;
    });
    await assert.rejects(resolveModel('zzzzzz'), {
      message: "unknown model 'zzzzzz'; listModels() has the aliases (or use hf:ORG/NAME, a ./folder, openai:MODEL, ollama:MODEL)",
    });
    assert.deepEqual(suggestAliases('e5-small'), ['multilingual-e5-small']);
    assert.deepEqual(suggestAliases('bge-large'), ['bge-large-en', 'bge-large-zh']);
    assert.deepEqual(suggestAliases('qwen3'), ['Qwen3-Embedding-0.6B']);
  });

  it('returns the built-in hash model', async () => {
    const embedder = await resolveModel('hash');
    assert.equal(embedder.info.id, HASH_MODEL_ID);
    assert.equal(embedder.info.provider, 'builtin');
  });

  it('checks hf: ids, --pooling values and --dimensions', async () => {
    await assert.rejects(resolveModel('hf:just-a-name'), {
      message: "'hf:just-a-name' is not a hub model id; write hf:ORG/NAME, e.g. hf:Xenova/bge-small-zh-v1.5",
    });
    await assert.rejects(resolveModel('bge-small-zh', { pooling: 'max' as never }), {
      message: "unknown pooling 'max'; use one of cls, mean, last_token, none",
    });
    await assert.rejects(resolveModel('bge-small-zh', { dimensions: 128 }), {
      message: 'bge-small-zh does not support the dimensions option (not a Matryoshka model); leave it out',
    });
    await assert.rejects(resolveModel('./no/such/folder'), { message: `model folder ${path.resolve('no/such/folder')} does not exist` });
  });

  it('asks for --pooling when an hf: repo declares none (offline, nothing cached)', async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'rag-registry-'));
    try {
      await assert.rejects(resolveModel('hf:some/model', { offline: true, cacheDir }), {
        message: 'some/model does not declare its pooling (no sentence-transformers 1_Pooling/config.json); set the pooling option to cls, mean or last_token as its model card says',
      });
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('dispatches openai: and ollama: to the HTTP providers', async () => {
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        const json = (status: number, value: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        };
        if (req.url === '/v1/embeddings') {
          const input = (JSON.parse(body) as { input: string[] }).input;
          json(200, { data: input.map((_, index) => ({ index, embedding: [3, 4, 0] })) });
        } else if (req.url === '/api/embed') {
          const input = (JSON.parse(body) as { input: string[] }).input;
          json(200, { embeddings: input.map(() => [0, 0, 2, 0]) });
        } else if (req.url === '/api/tags') {
          json(200, { models: [] });
        } else {
          json(404, { error: 'not found' });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const openai = await resolveModel('openai:text-embedding-3-small', { baseUrl: `${base}/v1`, queryPrefix: 'q: ' });
      assert.equal(openai.info.provider, 'openai');
      assert.equal(openai.info.id, 'openai:text-embedding-3-small');
      assert.equal(openai.info.name, 'text-embedding-3-small');
      assert.equal(openai.info.dimension, 3);
      assert.equal(openai.info.queryPrefix, 'q: ');
      const ollama = await resolveModel('ollama:bge-m3', { baseUrl: base });
      assert.equal(ollama.info.provider, 'ollama');
      assert.equal(ollama.info.id, 'ollama:bge-m3');
      assert.equal(ollama.info.dimension, 4);
      assert.ok(seen.includes('POST /v1/embeddings') && seen.includes('POST /api/embed'), seen.join(', '));
    } finally {
      server.close();
    }
  });
});

describe('import cost', () => {
  it('importing the registry does not load @huggingface/transformers or onnxruntime', async () => {
    // onnxruntime-node and sharp are CommonJS packages transformers.js loads at import time, so
    // they land in require.cache; the second check proves the probe sees them when they load.
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const heavy = () => Object.keys(require.cache).filter((p) => /onnxruntime|@huggingface|[\\\\/]sharp[\\\\/]/.test(p)).length;
      const registry = await import('./src/embed/aliases.ts');
      await import('./src/embed/registry.ts');
      registry.listModels();
      const before = heavy();
      await import('@huggingface/transformers');
      console.log(JSON.stringify({ before, after: heavy() }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot });
    const { before, after } = JSON.parse(stdout.trim().split('\n').pop()!) as { before: number; after: number };
    assert.equal(before, 0);
    assert.ok(after > 0, 'the probe must notice transformers.js once it is loaded');
  });
});
