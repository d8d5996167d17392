import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
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
  it('chunks in model tokens, records the model, and refuses to guess the folder later', async () => {
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

    await assert.rejects(query({ text: 'rotate API keys', index, k: 3 }), (e: unknown) => {
      assert.ok(e instanceof RagError);
      assert.match(e.message, /built with the local model folder "tiny-mean"; pass --model with the path to that folder/);
      return true;
    });
    await assert.rejects(query({ text: 'x', index, model: 'hash' }), /was built with model local:tiny-mean, not hash/);

    // The second run reads every vector from the embedding cache: nothing changed, nothing embedded.
    const again = await ingest({ paths: [EN_DOCS], index, model: modelDir, cacheDir });
    assert.equal(again.chunks.embedded, 0);
    assert.equal(again.documents.unchanged, 18);
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
