/**
 * The embedding cache under concurrency (issue 22 item 7): two processes embedding the same texts
 * at once store each vector once, and `rag cache compact` rewrites a file that holds duplicates
 * (written by older versions) without them, also while another process appends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cacheInfo, compactCache } from '../src/embed/cache-admin.js';
import { EmbeddingCache } from '../src/embed/cache.js';
import { fakeVector } from './helpers/fake-embedding-servers.js';

const DIM = 16;
const FP = 'e'.repeat(64);
const RECORD = 32 + 4 * DIM;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-dedup-'));
  roots.push(dir);
  return dir;
}
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

const vec = (text: string): Float32Array => Float32Array.from(fakeVector(text, DIM));
const key = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The keys of the file's records, in file order. */
async function recordKeys(file: string): Promise<string[]> {
  const raw = await readFile(file);
  const headerLength = raw.readUInt32LE(16);
  const keys: string[] = [];
  for (let at = headerLength; at + RECORD <= raw.length; at += RECORD) keys.push(raw.toString('hex', at, at + 32));
  return keys;
}

/**
 * Writes a child script that waits at a barrier for its partner, then puts `batches` batches;
 * batch b holds 4 texts of its own and, for every `sharedEvery`-th batch, the same 12 shared
 * texts both children write (two cold evals of one corpus). Returns a runner.
 */
async function appender(dir: string): Promise<(who: string, other: string) => Promise<string>> {
  const script = path.join(dir, 'appender.mts');
  await writeFile(script, `
    import { EmbeddingCache } from ${JSON.stringify(path.join(HERE, '../src/embed/cache.ts'))};
    import { fakeVector } from ${JSON.stringify(path.join(HERE, 'helpers/fake-embedding-servers.ts'))};
    import { existsSync, writeFileSync } from 'node:fs';
    const [who, other] = process.argv.slice(2);
    const cache = await EmbeddingCache.open(${JSON.stringify(FP)}, ${DIM}, { dir: ${JSON.stringify(dir)} });
    // A barrier: each child says it is ready, then waits for the other, so both write at once.
    writeFileSync(${JSON.stringify(dir)} + '/ready-' + who, '');
    while (!existsSync(${JSON.stringify(dir)} + '/ready-' + other)) await new Promise((r) => setTimeout(r, 5));
    for (let b = 0; b < 120; b++) {
      const batch = [];
      for (let i = 0; i < 4; i++) { const t = who + '-' + b + '-' + i; batch.push([t, Float32Array.from(fakeVector(t, ${DIM}))]); }
      for (let i = 0; i < 12; i++) { const t = 'shared-' + b + '-' + i; batch.push([t, Float32Array.from(fakeVector(t, ${DIM}))]); }
      await cache.putMany(batch);
    }
    await cache.close();
  `);
  return (who, other) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, who, other], { stdio: ['ignore', 'ignore', 'pipe'], cwd: path.join(HERE, '..') });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve(`exit ${String(code)} ${stderr}`.trim()));
    });
}

describe('embedding cache deduplication', () => {
  it('two processes writing the same texts at once store each vector once', async () => {
    const dir = await tempDir();
    const run = await appender(dir);
    assert.deepEqual(await Promise.all([run('p', 'q'), run('q', 'p')]), ['exit 0', 'exit 0']);
    const file = path.join(dir, FP, 'vectors.bin');
    const keys = await recordKeys(file);
    const unique = 2 * 120 * 4 + 120 * 12;
    assert.equal(new Set(keys).size, unique);
    assert.equal(keys.length, unique, `${keys.length - unique} duplicate records`);
    // The writers really overlapped: the file switches between their own records many times, and
    // each of them wrote some of the shared texts (the other found them and skipped them).
    const owner = new Map<string, string>();
    for (const who of ['p', 'q']) for (let b = 0; b < 120; b++) for (let i = 0; i < 4; i++) owner.set(key(`${who}-${b}-${i}`), who);
    const turns: string[] = [];
    for (const k of keys) {
      const who = owner.get(k);
      if (who !== undefined && who !== turns.at(-1)) turns.push(who);
    }
    // p, q, p (or q, p, q) already proves both were appending in the same period: one after the
    // other gives exactly two runs. More is common on an idle machine (>10), but a loaded one may
    // schedule one child for most of its batches, so the bound is the proof, not a count.
    assert.ok(turns.length >= 3, `writers took turns only ${turns.length} times: they did not overlap`);
    const [info] = await cacheInfo({ dir });
    assert.deepEqual([info?.entries, info?.unique, info?.duplicates], [unique, unique, 0]);
    const cache = await EmbeddingCache.open(FP, DIM, { dir });
    assert.equal(cache.size, unique);
    for (let b = 0; b < 120; b++) for (let i = 0; i < 12; i++) assert.deepEqual(cache.get(`shared-${b}-${i}`), vec(`shared-${b}-${i}`));
    await cache.close();
  });

  it('compact drops duplicate records and a torn tail, reporting the bytes reclaimed', async () => {
    const dir = await tempDir();
    const cache = await EmbeddingCache.open(FP, DIM, { dir, modelId: 'm' });
    const texts = Array.from({ length: 50 }, (_, i) => `text ${i} 文本`);
    await cache.putMany(texts.map((t) => [t, vec(t)] as const));
    await cache.close();
    // What an older rag left after two concurrent cold runs: the same records appended again.
    const file = cache.file;
    const raw = await readFile(file);
    const headerLength = raw.readUInt32LE(16);
    await appendFile(file, raw.subarray(headerLength + 10 * RECORD, headerLength + 40 * RECORD));
    await appendFile(file, Buffer.alloc(RECORD - 5, 9)); // and a torn record from a crash
    const before = (await stat(file)).size;
    const [info] = await cacheInfo({ dir });
    assert.deepEqual([info?.entries, info?.unique, info?.duplicates], [80, 50, 30]);

    const [result] = await compactCache({ dir });
    assert.deepEqual(result, {
      fingerprint: FP,
      modelId: 'm',
      entriesBefore: 80,
      entries: 50,
      duplicatesRemoved: 30,
      tornBytes: RECORD - 5,
      bytesBefore: before,
      bytesAfter: headerLength + 50 * RECORD,
      bytesReclaimed: before - (headerLength + 50 * RECORD),
      rewritten: true,
    });
    assert.equal((await stat(file)).size, headerLength + 50 * RECORD);
    assert.deepEqual(await recordKeys(file), texts.map(key), 'first records kept, in order');
    const reopened = await EmbeddingCache.open(FP, DIM, { dir });
    for (const t of texts) assert.deepEqual(reopened.get(t), vec(t));
    await reopened.close();
    // Nothing left to drop: the file is not rewritten.
    const ino = (await stat(file)).ino;
    assert.equal((await compactCache({ dir }))[0]?.rewritten, false);
    assert.equal((await stat(file)).ino, ino);
  });

  it('a writer that opened the file before a compaction appends to the compacted file', async () => {
    const dir = await tempDir();
    const writer = await EmbeddingCache.open(FP, DIM, { dir });
    await writer.putMany([['a', vec('a')], ['b', vec('b')]]);
    const raw = await readFile(writer.file);
    await appendFile(writer.file, raw.subarray(raw.readUInt32LE(16))); // a and b again
    assert.equal((await compactCache({ dir }))[0]?.duplicatesRemoved, 2);
    // Its descriptor still points at the replaced file: the next write must land in the new one.
    assert.deepEqual(writer.get('a'), vec('a'));
    await writer.putMany([['a', vec('a')], ['c', vec('c')]]);
    await writer.close();
    assert.deepEqual(await recordKeys(writer.file), ['a', 'b', 'c'].map(key));
  });

  it('compacts while another process appends, losing nothing', async () => {
    const dir = await tempDir();
    const seed = await EmbeddingCache.open(FP, DIM, { dir });
    const texts = Array.from({ length: 200 }, (_, i) => `seed ${i}`);
    await seed.putMany(texts.map((t) => [t, vec(t)] as const));
    await seed.close();
    const raw = await readFile(seed.file);
    await appendFile(seed.file, raw.subarray(raw.readUInt32LE(16)));
    const run = await appender(dir);
    const child = run('p', 'compactor');
    const ready = path.join(dir, 'ready-p');
    while (!(await stat(ready).catch(() => undefined))) await new Promise((r) => setTimeout(r, 5));
    await writeFile(path.join(dir, 'ready-compactor'), '');
    let compactions = 0;
    let done = false;
    const finished = child.then((r) => {
      done = true;
      return r;
    });
    while (!done) {
      await compactCache({ dir });
      compactions++;
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(await finished, 'exit 0');
    assert.ok(compactions > 1, `only ${compactions} compaction ran while the writer wrote`);
    await compactCache({ dir });
    const keys = await recordKeys(seed.file);
    const expected = new Set([...texts.map(key)]);
    for (let b = 0; b < 120; b++) {
      for (let i = 0; i < 4; i++) expected.add(key(`p-${b}-${i}`));
      for (let i = 0; i < 12; i++) expected.add(key(`shared-${b}-${i}`));
    }
    assert.deepEqual(new Set(keys), expected);
    assert.equal(keys.length, expected.size);
  });
});
