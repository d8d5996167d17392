import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RagError } from '../src/errors.js';
import { cacheInfo, clearCache } from '../src/embed/cache-admin.js';
import { defaultCacheDir } from '../src/embed/cache-dir.js';
import { EmbeddingCache } from '../src/embed/cache.js';
import { withCache } from '../src/embed/cached-embedder.js';
import type { EmbedBatchResult, Embedder } from '../src/embed/types.js';
import { fakeVector } from './helpers/fake-embedding-servers.js';

const DIM = 16;
const FP = 'a'.repeat(64);
const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-cache-'));
  roots.push(dir);
  return dir;
}
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

const vec = (text: string, dim = DIM): Float32Array => Float32Array.from(fakeVector(text, dim));

/** An embedder that records every text it is asked to embed; fails on a chosen call. */
function countingEmbedder(options: { failOnCall?: number } = {}): Embedder & { seen: string[]; calls: number } {
  const state = {
    seen: [] as string[],
    calls: 0,
    info: { id: 'counting', provider: 'builtin' as const, name: 'counting', dimension: DIM, normalize: false },
    fingerprint: FP,
    cacheable: true,
    async embedDocuments(texts: readonly string[]): Promise<EmbedBatchResult> {
      state.calls++;
      if (state.calls === options.failOnCall) throw new Error('model crashed');
      state.seen.push(...texts);
      return { vectors: texts.map((t) => vec(t)), truncated: 0 };
    },
    async embedQuery(text: string): Promise<Float32Array> {
      state.seen.push(`query:${text}`);
      // Unlike its document vector, as with models that prefix queries.
      return vec(`query:${text}`);
    },
  };
  return state;
}

describe('EmbeddingCache', () => {
  it('stores, finds and keeps vectors across reopening', async () => {
    const dir = await tempDir();
    const cache = await EmbeddingCache.open(FP, DIM, { dir, modelId: 'hash' });
    assert.equal(cache.size, 0);
    assert.equal(cache.get('alpha'), undefined);
    await cache.putMany([['alpha', vec('alpha')], ['向量', vec('向量')], ['alpha', vec('alpha')]]);
    assert.equal(cache.size, 2);
    assert.deepEqual(cache.get('向量'), vec('向量'));
    await cache.putMany([['alpha', vec('other')]]); // already cached: ignored
    await cache.close();
    assert.equal(cache.file, path.join(dir, FP, 'vectors.bin'));
    const header = 24 + Buffer.byteLength(JSON.stringify({ fingerprint: FP, modelId: 'hash' }));
    assert.equal((await stat(cache.file)).size, header + 2 * (32 + 4 * DIM));

    const again = await EmbeddingCache.open(FP, DIM, { dir });
    assert.equal(again.size, 2);
    assert.deepEqual(again.get('alpha'), vec('alpha'));
    assert.deepEqual(again.get('向量'), vec('向量'));
    assert.equal(again.modelId, 'hash');
    await again.close();
    assert.throws(() => again.get('alpha'), /closed/);
  });

  it('rejects a dimension that does not match the file, and foreign files', async () => {
    const dir = await tempDir();
    await (await EmbeddingCache.open(FP, DIM, { dir })).close();
    await assert.rejects(EmbeddingCache.open(FP, 8, { dir }), (e: unknown) => e instanceof RagError && /holds 16-dimensional vectors, expected 8/.test(e.message));
    await mkdir(path.join(dir, 'b'.repeat(64)));
    await writeFile(path.join(dir, 'b'.repeat(64), 'vectors.bin'), 'hello world, not a cache file');
    await assert.rejects(EmbeddingCache.open('b'.repeat(64), DIM, { dir }), /is unreadable \(not an embedding cache\)/);
  });

  it('ignores and then cuts a torn trailing record', async () => {
    const dir = await tempDir();
    const cache = await EmbeddingCache.open(FP, DIM, { dir });
    await cache.putMany(['a', 'b', 'c'].map((t) => [t, vec(t)] as [string, Float32Array]));
    await cache.close();
    const whole = (await stat(cache.file)).size;
    // A crash in the middle of appending record "d".
    const torn = Buffer.concat([Buffer.alloc(32, 7), Buffer.alloc(10, 1)]);
    await appendFile(cache.file, torn);
    const reopened = await EmbeddingCache.open(FP, DIM, { dir });
    assert.equal(reopened.size, 3);
    assert.equal((await stat(cache.file)).size, whole, 'torn bytes truncated');
    await reopened.putMany([['d', vec('d')]]);
    await reopened.close();
    const last = await EmbeddingCache.open(FP, DIM, { dir });
    assert.equal(last.size, 4);
    for (const t of ['a', 'b', 'c', 'd']) assert.deepEqual(last.get(t), vec(t));
    await last.close();
  });

  it('keeps every record when two processes append at the same time', async () => {
    const dir = await tempDir();
    const cacheModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/embed/cache.ts');
    const helper = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'helpers/fake-embedding-servers.ts');
    const script = path.join(dir, 'appender.mts');
    await writeFile(script, `
      import { EmbeddingCache } from ${JSON.stringify(cacheModule)};
      import { fakeVector } from ${JSON.stringify(helper)};
      import { existsSync, writeFileSync } from 'node:fs';
      const [who, other] = process.argv.slice(2);
      // A barrier: each child says it is ready, then waits for the other, so both append at once
      // however slowly either started.
      writeFileSync(${JSON.stringify(dir)} + '/ready-' + who, '');
      while (!existsSync(${JSON.stringify(dir)} + '/ready-' + other)) await new Promise((r) => setTimeout(r, 5));
      const cache = await EmbeddingCache.open(${JSON.stringify(FP)}, ${DIM}, { dir: ${JSON.stringify(dir)} });
      for (let b = 0; b < 150; b++) {
        const batch = [];
        for (let i = 0; i < 7; i++) { const t = who + '-' + b + '-' + i; batch.push([t, Float32Array.from(fakeVector(t, ${DIM}))]); }
        batch.push(['shared-' + b, Float32Array.from(fakeVector('shared-' + b, ${DIM}))]);
        await cache.putMany(batch);
      }
      await cache.close();
    `);
    const run = (who: string, other: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, who, other], {
          stdio: ['ignore', 'ignore', 'pipe'],
          cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), // where `tsx` resolves
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve(`exit ${String(code)} ${stderr}`.trim()));
      });
    assert.deepEqual(await Promise.all([run('p', 'q'), run('q', 'p')]), ['exit 0', 'exit 0']);
    const cache = await EmbeddingCache.open(FP, DIM, { dir });
    assert.equal(cache.size, 2 * 150 * 7 + 150);
    for (const who of ['p', 'q']) {
      for (let b = 0; b < 150; b++) {
        for (let i = 0; i < 7; i++) assert.deepEqual(cache.get(`${who}-${b}-${i}`), vec(`${who}-${b}-${i}`));
        assert.deepEqual(cache.get(`shared-${b}`), vec(`shared-${b}`));
      }
    }
    await cache.close();
    // The two writers really overlapped: p, q, p (or q, p, q) cannot come from one writing after
    // the other, which gives exactly two runs. An idle machine gives many more; a loaded one may
    // schedule one child for most of its batches, so three runs is the proof, not a count.
    const owner = new Map<string, string>();
    for (const who of ['p', 'q']) {
      for (let b = 0; b < 150; b++) {
        for (let i = 0; i < 7; i++) owner.set(createHash('sha256').update(`${who}-${b}-${i}`).digest('hex'), who);
      }
    }
    const raw = await readFile(cache.file);
    const headerLength = raw.readUInt32LE(16);
    const owners: string[] = [];
    for (let at = headerLength; at < raw.length; at += 32 + 4 * DIM) {
      const who = owner.get(raw.toString('hex', at, at + 32));
      if (who !== undefined && who !== owners.at(-1)) owners.push(who);
    }
    assert.ok(owners.length >= 3, `writers took turns only ${owners.length} times: they did not overlap`);
    const [info] = await cacheInfo({ dir });
    // Appends go under the cache lock, which re-reads the file first: shared texts are stored once.
    assert.ok(info !== undefined && info.entries === 2 * 150 * 7 + 150 && info.duplicates === 0, JSON.stringify(info));
  });

  it('lists and clears caches, leaving unrelated folders alone', async () => {
    const dir = await tempDir();
    const one = await EmbeddingCache.open(FP, DIM, { dir, modelId: 'openai:text-embedding-3-small' });
    await one.putMany([['x', vec('x')], ['y', vec('y')]]);
    await one.close();
    const fp2 = 'c'.repeat(64);
    await (await EmbeddingCache.open(fp2, 4, { dir })).close();
    await mkdir(path.join(dir, 'models'));
    await writeFile(path.join(dir, 'models', 'keep.txt'), 'not ours');
    const size1 = (await stat(one.file)).size;
    const size2 = (await stat(path.join(dir, fp2, 'vectors.bin'))).size;
    assert.deepEqual(await cacheInfo({ dir }), [
      { fingerprint: FP, modelId: 'openai:text-embedding-3-small', entries: 2, unique: 2, duplicates: 0, bytes: size1 },
      { fingerprint: fp2, entries: 0, unique: 0, duplicates: 0, bytes: size2 },
    ]);
    assert.deepEqual(await clearCache({ dir, fingerprint: fp2 }), { removedBytes: size2 });
    assert.deepEqual((await cacheInfo({ dir })).map((i) => i.fingerprint), [FP]);
    await mkdir(path.join(dir, 'chunks'));
    await writeFile(path.join(dir, 'chunks', 'a.json'), 'chunk lists');
    assert.deepEqual(await clearCache({ dir }), { removedBytes: size1 + 'chunk lists'.length });
    assert.equal(existsSync(path.join(dir, 'chunks')), false);
    assert.deepEqual(await cacheInfo({ dir }), []);
    assert.equal(await readFile(path.join(dir, 'models', 'keep.txt'), 'utf8'), 'not ours');
    assert.deepEqual(await cacheInfo({ dir: path.join(dir, 'missing') }), []);
  });

  it('finds its directory from RAG_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    const saved = { rag: process.env['RAG_CACHE_DIR'], xdg: process.env['XDG_CACHE_HOME'] };
    try {
      process.env['RAG_CACHE_DIR'] = '/tmp/rag-x';
      process.env['XDG_CACHE_HOME'] = '/tmp/xdg';
      assert.equal(defaultCacheDir(), '/tmp/rag-x/embeddings');
      delete process.env['RAG_CACHE_DIR'];
      assert.equal(defaultCacheDir(), '/tmp/xdg/rag/embeddings');
      delete process.env['XDG_CACHE_HOME'];
      assert.equal(defaultCacheDir(), path.join(os.homedir(), '.cache', 'rag', 'embeddings'));
    } finally {
      for (const [key, value] of [['RAG_CACHE_DIR', saved.rag], ['XDG_CACHE_HOME', saved.xdg]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

describe('withCache', () => {
  it('embeds each distinct text once, across calls and across reopening', async () => {
    const dir = await tempDir();
    const inner = countingEmbedder();
    const cached = withCache(inner, await EmbeddingCache.forEmbedder(inner, { dir }));
    const first = await cached.embedDocuments(['a', 'b', 'a', 'c']);
    assert.deepEqual(inner.seen, ['a', 'b', 'c']);
    assert.deepEqual(first.vectors, ['a', 'b', 'a', 'c'].map((t) => vec(t)));
    const progress: number[] = [];
    const second = await cached.embedDocuments(['c', 'd', 'a'], { onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(inner.seen, ['a', 'b', 'c', 'd']);
    assert.deepEqual(second.vectors, ['c', 'd', 'a'].map((t) => vec(t)));
    assert.deepEqual(progress, [2, 3]);
    assert.deepEqual(cached.stats, { hits: 2, misses: 4 });
    // A query is not served the document vector of the same text, and is embedded once.
    assert.deepEqual(await cached.embedQuery('a'), vec('query:a'));
    assert.deepEqual(await cached.embedQuery('a'), vec('query:a'));
    assert.deepEqual(inner.seen.slice(4), ['query:a']);
    assert.deepEqual(cached.queryStats, { hits: 1, misses: 1 });
    assert.deepEqual(cached.stats, { hits: 2, misses: 4 });
    await cached.dispose?.();

    const fresh = countingEmbedder();
    const reopened = withCache(fresh, await EmbeddingCache.forEmbedder(fresh, { dir }));
    await reopened.embedDocuments(['d', 'c', 'b', 'a']);
    assert.deepEqual(await reopened.embedQuery('a'), vec('query:a'));
    // The document vector of 'a' is still its own, and a text only ever queried is not a document.
    assert.deepEqual((await reopened.embedDocuments(['a'])).vectors[0], vec('a'));
    assert.deepEqual(fresh.seen, [], 'everything came from disk');
    await reopened.embedDocuments(['b']);
    await reopened.embedQuery('never-a-document');
    await reopened.embedDocuments(['never-a-document']);
    assert.deepEqual(fresh.seen, ['query:never-a-document', 'never-a-document']);
    assert.deepEqual((await cacheInfo({ dir }))[0]?.modelId, 'counting');
    await reopened.dispose?.();
  });

  it('keeps finished batches when the model fails midway, so a rerun resumes', async () => {
    const dir = await tempDir();
    const texts = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const crashing = countingEmbedder({ failOnCall: 3 });
    const cached = withCache(crashing, await EmbeddingCache.forEmbedder(crashing, { dir }), { batchSize: 3 });
    await assert.rejects(cached.embedDocuments(texts), /model crashed/);
    assert.deepEqual(crashing.seen, texts.slice(0, 6));
    await cached.dispose?.();

    const rerun = countingEmbedder();
    const resumed = withCache(rerun, await EmbeddingCache.forEmbedder(rerun, { dir }), { batchSize: 3 });
    const { vectors } = await resumed.embedDocuments(texts);
    assert.deepEqual(rerun.seen, texts.slice(6));
    assert.deepEqual(vectors, texts.map((t) => vec(t)));
    await resumed.dispose?.();
  });

  it('refuses a cache opened for another model', async () => {
    const dir = await tempDir();
    const cache = await EmbeddingCache.open('d'.repeat(64), DIM, { dir });
    assert.throws(() => withCache(countingEmbedder(), cache), /opened for another model than counting/);
    await cache.close();
  });
});
