import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliWording } from '../src/cli/error-advice.js';
import { cacheInfo } from '../src/embed/cache-admin.js';
import { RagError } from '../src/errors.js';
import { evaluate } from '../src/eval/runner.js';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { writeTinyModel } from './helpers/tiny-bert.js';

// A generated BERT-architecture ONNX model run through the whole product: token-based chunking,
// the manifest's model guard, query and eval. Its weights are random, so only mechanics are checked.
const EN_DOCS = path.resolve('datasets/en-sample/docs');
let root: string;
let modelDir: string;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rag-local-e2e-'));
  modelDir = await writeTinyModel(path.join(root, 'tiny-mean'), { variant: 'mean', maxPositions: 128 });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a local ONNX model folder through ingest, query and eval', () => {
  it('chunks in model tokens, records the model and its folder, and reopens that folder later', async () => {
    const index = path.join(root, 'idx');
    const cacheDir = path.join(root, 'cache');
    const summary = await ingest({ paths: [EN_DOCS], index, model: modelDir, cacheDir });
    assert.equal(summary.chunking.lengthUnit, 'tokens');
    // The tiny model's window is 128 positions: the default 512 is lowered to fit inside it.
    assert.ok(summary.chunking.chunkSize <= 112, `chunk size ${summary.chunking.chunkSize}`);
    assert.equal(summary.documents.added, 18);
    assert.ok(summary.chunks.embedded > 18);

    const store = await IndexStore.open(index);
    assert.equal(store.manifest.model.provider, 'transformers');
    assert.equal(store.manifest.model.pooling, 'mean');

    const hits = await query({ text: 'rotate API keys', index, model: modelDir, k: 3 });
    assert.equal(hits.results.length, 3);
    assert.ok(hits.results[0]!.score >= hits.results[2]!.score);

    assert.equal(store.manifest.model.path, modelDir, 'the absolute folder is stored');
    assert.match(store.manifest.model.revision ?? '', /^local-[0-9a-f]{16}$/);
    // No --model: the stored folder is used, with the same results.
    const reopened = await query({ text: 'rotate API keys', index, k: 3 });
    assert.deepEqual(reopened.results.map((r) => r.chunkId), hits.results.map((r) => r.chunkId));
    await assert.rejects(query({ text: 'x', index, model: 'hash' }), /was built with model local:tiny-mean, not hash/);

    // The second run reads every vector from the embedding cache: nothing changed, nothing embedded.
    const again = await ingest({ paths: [EN_DOCS], index, model: modelDir, cacheDir });
    assert.equal(again.chunks.embedded, 0);
    assert.equal(again.documents.unchanged, 18);
  });

  it('says so when the stored folder was moved, and when its files changed', async () => {
    const folder = path.join(root, 'tiny-copy');
    await cp(modelDir, folder, { recursive: true });
    const index = path.join(root, 'idx-copy');
    await ingest({ paths: [path.join(EN_DOCS, 'security')], index, model: folder, cacheDir: path.join(root, 'cache-copy') });
    // Same name, another parent: the model's id (local:<folder name>) stays the same.
    await mkdir(path.join(root, 'elsewhere'));
    const moved = path.join(root, 'elsewhere', 'tiny-copy');
    await rename(folder, moved);
    await assert.rejects(query({ text: 'keys', index }), (e: unknown) => {
      assert.ok(e instanceof RagError && e.code === 'model-invalid');
      assert.equal(e.summary, `index ${index} was built with the local model folder ${folder}, which is no longer there (moved or deleted)`);
      assert.equal(e.hint, 'give its new path as the model');
      assert.equal(cliWording(e).hint, 'pass --model with its new path');
      return true;
    });
    // The moved folder given explicitly is the same model (same files): accepted.
    assert.ok((await query({ text: 'keys', index, model: moved })).results.length > 0);
    await rename(moved, folder);
    const configPath = path.join(folder, 'tokenizer_config.json');
    const config = existsSync(configPath) ? (JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>) : {};
    await writeFile(configPath, JSON.stringify({ ...config, edited_by_test: true }));
    await assert.rejects(query({ text: 'keys', index }), (e: unknown) => {
      assert.ok(e instanceof RagError && e.code === 'model-mismatch');
      assert.match(e.message, new RegExp(`^the model folder ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed since index .* was built with it`));
      assert.equal(e.hint, 'restore the files the index was built with, or rebuild the index (ingest with rebuild: true)');
      assert.equal(cliWording(e).hint, 'restore the files the index was built with, or rebuild it with `rag ingest --rebuild`');
      return true;
    });
  });

  it('evaluates next to the built-in model, with token counts and cost per run', async () => {
    const results = await evaluate({
      dataset: 'datasets/en-sample',
      models: ['hash', modelDir],
      modes: ['dense'],
      cacheDir: path.join(root, 'cache'),
      workDir: root,
    });
    assert.deepEqual(results.runs.map((r) => r.model), ['hash', modelDir]);
    const local = results.runs[1]!;
    assert.equal(local.cost.dimension, 32);
    assert.equal(local.config.chunking && typeof local.config.chunking === 'object' && 'lengthUnit' in local.config.chunking ? local.config.chunking.lengthUnit : null, 'tokens');
    assert.equal(results.comparisons.length, 1);
    assert.equal(results.comparisons[0]!.result.n, 30);

    // Run again: chunks, document vectors and query vectors all come from the cache, so the
    // cache gains no entry (every query of the first run was added to it), and nothing changes.
    const cacheDir = path.join(root, 'cache');
    const [before] = await cacheInfo({ dir: cacheDir });
    assert.ok(before !== undefined && before.entries >= local.cost.chunks + 30, `${before?.entries} cached vectors`);
    assert.equal((await readdir(path.join(cacheDir, 'chunks'))).length, 1, 'one chunk list: hash is not cached');
    const again = await evaluate({ dataset: 'datasets/en-sample', models: [modelDir], modes: ['dense'], cacheDir, workDir: root });
    assert.deepEqual(await cacheInfo({ dir: cacheDir }), [before]);
    const warm = again.runs[0]!;
    assert.deepEqual(warm.perQuery, local.perQuery);
    assert.deepEqual(warm.metrics, local.metrics);
    assert.equal(warm.cost.chunks, local.cost.chunks);
    assert.equal(warm.cost.truncatedChunks, local.cost.truncatedChunks);
  });

  it('a re-run with nothing to embed never loads the model: its ONNX file is not even read', async () => {
    const model = path.join(root, 'tiny-lazy');
    await cp(modelDir, model, { recursive: true });
    const docs = path.join(root, 'lazy-docs');
    await cp(EN_DOCS, docs, { recursive: true });
    const index = path.join(root, 'idx-lazy');
    const cacheDir = path.join(root, 'cache-lazy');
    const first = await ingest({ paths: [docs], index, model, cacheDir });
    const cold = await evaluate({ dataset: 'datasets/en-sample', models: [model], modes: ['dense'], cacheDir, workDir: root });

    // Same size, so the model's identity (config, tokenizer, ONNX size) is unchanged: only
    // loading the session would notice the garbage.
    const weights = path.join(model, 'onnx', 'model.onnx');
    const good = await readFile(weights);
    await writeFile(weights, Buffer.alloc(good.length, 7));

    const again = await ingest({ paths: [docs], index, model, cacheDir });
    assert.deepEqual([again.documents.unchanged, again.chunks.embedded], [18, 0]);
    const warm = await evaluate({ dataset: 'datasets/en-sample', models: [model], modes: ['dense'], cacheDir, workDir: root });
    assert.deepEqual(warm.runs[0]!.metrics, cold.runs[0]!.metrics);

    // A changed document needs the model: the load fails in one line and the index is untouched.
    const [name] = (await readdir(docs, { recursive: true })).filter((f) => f.endsWith('.md')).sort();
    await writeFile(path.join(docs, name!), `${await readFile(path.join(docs, name!), 'utf8')}\n\nOne more paragraph.\n`);
    await assert.rejects(ingest({ paths: [docs], index, model, cacheDir }), (e: unknown) => {
      assert.ok(e instanceof RagError);
      assert.match(e.message, /^cannot load model local:tiny-lazy from /);
      return true;
    });
    const store = await IndexStore.open(index);
    assert.equal(store.chunkCount, first.chunks.total);
    await store.close();
    // A new index needs the model for every document: it fails before creating anything.
    const fresh = path.join(root, 'idx-lazy-new');
    await assert.rejects(ingest({ paths: [docs], index: fresh, model, cacheDir }), /^RagError: cannot load model local:tiny-lazy from /);
    assert.equal(existsSync(fresh), false, 'no empty index folder left behind');

    await writeFile(weights, good);
    const repaired = await ingest({ paths: [docs], index, model, cacheDir });
    assert.deepEqual([repaired.documents.updated, repaired.documents.unchanged], [1, 17]);
  });
});
