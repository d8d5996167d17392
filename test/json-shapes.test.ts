/**
 * Pins the shape of every `--json` output a program may read: keys and value types, not values.
 * A change here is a change of the machine-readable contract: bump JSON_FORMAT_VERSION (or
 * results.json's formatVersion) when a key is removed or changes type, and update this test.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { EmbeddingCache } from '../src/embed/cache.js';
import { REPO, runCli, tempDir, type CliResult } from './helpers/cli.js';

type Shape = string | Shape[] | { [key: string]: Shape };

/** Keys and types of a JSON value; an array's shape is its first element's. */
function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}

let cwd: string;
const rag = (args: string[]): Promise<CliResult> => runCli(args, { cwd });

function parsed(r: CliResult): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  const value: unknown = JSON.parse(r.stdout);
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
  return value as Record<string, unknown>;
}

describe('--json shapes', () => {
  before(async () => {
    cwd = await tempDir('rag-json-');
    await cp(path.join(REPO, 'datasets', 'en-sample', 'docs'), path.join(cwd, 'docs'), { recursive: true });
    // One skipped file, so the notices' element shape is pinned too.
    await writeFile(path.join(cwd, 'docs', 'empty.md'), '');
  });

  it('rag ingest', async () => {
    const out = parsed(await rag(['ingest', 'docs', '--index', 'idx', '--json']));
    assert.deepEqual(shapeOf(out), {
      formatVersion: 'number',
      index: 'string',
      model: 'string',
      modelFingerprint: 'string',
      chunking: { chunkSize: 'number', chunkOverlap: 'number', lengthUnit: 'string' },
      documents: { added: 'number', updated: 'number', unchanged: 'number', removed: 'number', skipped: 'number', failed: 'number' },
      byReason: { empty: 'number' },
      chunks: { embedded: 'number', truncated: 'number', removed: 'number', total: 'number' },
      notices: [{ path: 'string', kind: 'string', code: 'string', reasonCode: 'string', params: {}, reason: 'string' }],
      warnings: [],
      seconds: 'number',
    });
    assert.equal(out['formatVersion'], 1);
  });

  it('rag query', async () => {
    const out = parsed(await rag(['query', 'how do we rotate API keys', '--index', 'idx', '-k', '2', '--json']));
    assert.deepEqual(shapeOf(out), {
      formatVersion: 'number',
      query: 'string',
      model: 'string',
      mode: 'string',
      index: 'string',
      results: [
        {
          rank: 'number',
          score: 'number',
          docId: 'string',
          source: 'string',
          title: 'string',
          page: 'null',
          chunkId: 'string',
          start: 'number',
          end: 'number',
          headings: ['string'],
          text: 'string',
          snippet: { text: 'string', highlights: [['number']], truncatedStart: 'boolean', truncatedEnd: 'boolean' },
        },
      ],
    });
    assert.equal(out['formatVersion'], 2, 'snippet became an object in format 2');
  });

  it('rag models', async () => {
    const out = parsed(await rag(['models', '--json']));
    assert.equal(out['formatVersion'], 2);
    const models = out['models'];
    assert.ok(Array.isArray(models) && models.length > 5);
    // The union over all entries, one level deep: keys only some models have are pinned too.
    // (card holds one {value, source} per known fact, so its keys vary by model.)
    const union: Record<string, string> = {};
    for (const m of models) for (const [k, v] of Object.entries(m as object)) union[k] = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    assert.deepEqual(union, {
      alias: 'string',
      provider: 'string',
      hubId: 'string',
      pooling: 'string',
      queryPrefix: 'string',
      passagePrefix: 'string',
      dimension: 'number',
      maxTokens: 'number',
      languages: 'array',
      notes: 'string',
      card: 'object',
      weights: 'object',
      matryoshka: 'boolean',
    });
    for (const m of models) {
      for (const fact of Object.values((m as { card: Record<string, unknown> }).card)) {
        if (typeof fact === 'object' && fact !== null) assert.equal(typeof (fact as { source?: unknown }).source, 'string');
      }
    }
  });

  it('rag cache info and clear', async () => {
    const dir = path.join(cwd, '.rag-cache', 'embeddings');
    await mkdir(dir, { recursive: true });
    const cache = await EmbeddingCache.open('ab'.repeat(32), 4, { dir, modelId: 'openai:m' });
    await cache.putMany([['x', Float32Array.of(1, 0, 0, 0)]]);
    await cache.close();
    const info = parsed(await rag(['cache', 'info', '--json']));
    assert.deepEqual(shapeOf(info), {
      formatVersion: 'number',
      dir: 'string',
      entries: 'number',
      duplicates: 'number',
      bytes: 'number',
      models: [{ fingerprint: 'string', modelId: 'string', entries: 'number', unique: 'number', duplicates: 'number', bytes: 'number' }],
    });
    const compacted = parsed(await rag(['cache', 'compact', '--json']));
    assert.deepEqual(Object.keys(compacted), ['formatVersion', 'dir', 'duplicatesRemoved', 'bytesReclaimed', 'models']);
    const cleared = parsed(await rag(['cache', 'clear', '--json']));
    assert.deepEqual(shapeOf(cleared), { formatVersion: 'number', removedBytes: 'number' });
  });

  it('rag eval: the top level and each run (results.json has the same formatVersion)', async () => {
    const out = parsed(await rag(['eval', '--dataset', path.join(REPO, 'datasets', 'en-sample'), '--mode', 'dense', '--mode', 'bm25', '--out', 'out', '--json']));
    assert.equal(typeof out['formatVersion'], 'number');
    assert.deepEqual(Object.keys(out), ['formatVersion', 'dataset', 'ks', 'runs', 'comparisons', 'gate', 'resultsFile']);
    const runs = out['runs'] as Record<string, unknown>[];
    assert.equal(runs.length, 2);
    assert.deepEqual(Object.keys(runs[0] ?? {}), ['model', 'mode', 'config', 'metrics', 'evaluatedQueries', 'skippedQueries', 'unrankedQueries', 'cost']);
    assert.ok(Array.isArray(out['comparisons']) && out['comparisons'].length === 1);
  });

  it('rag eval --dry-run: the plan', async () => {
    const out = parsed(await rag(['eval', '--dataset', path.join(REPO, 'datasets', 'en-sample'), '--dimensions', '128,64', '--dry-run', '--json']));
    assert.deepEqual(Object.keys(out), ['formatVersion', 'dryRun']);
    const plan = out['dryRun'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(plan), ['dataset', 'indexes', 'rows', 'embedCalls', 'cacheHits', 'estimatedEmbedSeconds', 'rerankCalls', 'adapterRowsNotCounted']);
    assert.deepEqual(Object.keys((plan['indexes'] as Record<string, unknown>[])[0] ?? {}), ['model', 'chunking', 'chunks', 'texts', 'cacheHits', 'embedCalls', 'rows', 'estimatedEmbedSeconds', 'estimateSample']);
    assert.deepEqual(Object.keys((plan['rows'] as Record<string, unknown>[])[0] ?? {}), ['model', 'mode', 'index', 'dimensions', 'precision', 'rescore', 'fusion', 'rerank']);
  });
});
