import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RagError } from '../src/errors.js';
import { loadTransformersEmbedder, parallelSessionsSupported, type TransformersModelSpec } from '../src/embed/transformers.js';
import { writeTinyModel } from './helpers/tiny-bert.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));

let root: string;
let spec: TransformersModelSpec;

/** 150 texts of different lengths, Chinese and English, so pieces and batches differ by worker count. */
const TEXTS = Array.from({ length: 150 }, (_, i) =>
  i % 3 === 0 ? `向量检索 第${i}段 ${'数据库'.repeat(i % 7)}` : `passage ${i} about ${'retrieval '.repeat(1 + (i % 11))}and embeddings`,
);

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rag-worker-pool-'));
  const dir = await writeTinyModel(path.join(root, 'tiny-mean'), { variant: 'mean' });
  spec = { id: 't', source: { kind: 'local', dir }, pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' };
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((v, i) => {
    assert.equal(v.length, b[i]!.length);
    v.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i]![j]!))));
  });
  return worst;
}

describe('local models in worker threads', () => {
  it('give the same document and query vectors with 0, 1 and 2 workers, in input order', async () => {
    const inThread = await loadTransformersEmbedder(spec, { offline: true, workers: 0 });
    const reference = await inThread.embedDocuments(TEXTS);
    const referenceQuery = await inThread.embedQuery('how do vector indexes work');
    await inThread.dispose();
    for (const workers of [1, 2]) {
      const pooled = await loadTransformersEmbedder(spec, { offline: true, workers });
      assert.equal(pooled.fingerprint, inThread.fingerprint);
      const progress: number[] = [];
      const result = await pooled.embedDocuments(TEXTS, { onProgress: (p) => progress.push(p.done) });
      assert.ok(maxDiff(result.vectors, reference.vectors) < 1e-5, `${workers} workers`);
      assert.equal(result.truncated, reference.truncated);
      assert.equal(progress.at(-1), TEXTS.length);
      assert.ok(progress.every((d, i) => i === 0 || d > progress[i - 1]!), 'progress only grows');
      assert.ok(maxDiff([await pooled.embedQuery('how do vector indexes work')], [referenceQuery]) < 1e-5);
      assert.equal(pooled.countTokens('hello world'), inThread.countTokens('hello world'));
      await pooled.dispose();
    }
  });

  it('starts the second worker only when a call has texts to share', async () => {
    const pooled = (await loadTransformersEmbedder(spec, { offline: true, workers: 2 })) as unknown as { workerCount: number } & Awaited<
      ReturnType<typeof loadTransformersEmbedder>
    >;
    assert.equal(pooled.workerCount, 1);
    await pooled.embedQuery('one query');
    await pooled.embedDocuments(TEXTS.slice(0, 5));
    assert.equal(pooled.workerCount, 1, 'a query and a small call use the first worker');
    await pooled.embedDocuments(TEXTS);
    assert.equal(pooled.workerCount, 2);
    await pooled.dispose();
  });

  it('stops handing out work when aborted, and still works afterwards', async () => {
    const pooled = await loadTransformersEmbedder(spec, { offline: true, workers: 2 });
    const controller = new AbortController();
    await assert.rejects(
      pooled.embedDocuments(TEXTS, { signal: controller.signal, onProgress: () => controller.abort() }),
      { name: 'AbortError' },
    );
    const again = await pooled.embedDocuments(TEXTS.slice(0, 20));
    assert.equal(again.vectors.length, 20);
    await pooled.dispose();
  });

  it('reports a model that cannot load as one RagError from the load call', async () => {
    const broken = path.join(root, 'broken');
    await writeTinyModel(broken, { variant: 'cls' });
    await writeFile(path.join(broken, 'onnx', 'model.onnx'), 'not an onnx file');
    await assert.rejects(loadTransformersEmbedder({ ...spec, source: { kind: 'local', dir: broken } }, { offline: true, workers: 2 }), (error: unknown) => {
      assert.ok(error instanceof RagError, String(error));
      assert.match(error.message, /^cannot load model t from .*broken/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  it('does not keep the process alive when the embedder is never disposed', async () => {
    const script = path.join(root, 'no-dispose.mts');
    const modulePath = path.join(REPO, 'src', 'embed', 'transformers.ts');
    await writeFile(
      script,
      `import { loadTransformersEmbedder } from ${JSON.stringify(modulePath)};\n` +
        `const e = await loadTransformersEmbedder(${JSON.stringify(spec)}, { offline: true, workers: 2 });\n` +
        `const r = await e.embedDocuments(${JSON.stringify(TEXTS)});\n` +
        `console.log(r.vectors.length);\n`,
    );
    const started = performance.now();
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], { cwd: REPO, timeout: 120_000 });
    assert.equal(stdout.trim(), String(TEXTS.length));
    // Exit follows the last output; a worker holding the loop would run into the timeout.
    assert.ok(performance.now() - started < 120_000);
  });

  it('uses worker threads only with an onnxruntime-node that runs two sessions at once (1.22+)', () => {
    assert.equal(parallelSessionsSupported('1.21.0'), false);
    assert.equal(parallelSessionsSupported('1.22.0'), true);
    assert.equal(parallelSessionsSupported('1.30.1'), true);
    assert.equal(parallelSessionsSupported('2.0.0'), true);
    assert.equal(parallelSessionsSupported('garbage'), false);
  });
});
