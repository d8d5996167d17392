import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock } from '../src/store/lock.js';
import { IndexStore } from '../src/store/index.js';
import { childScriptArgs } from './helpers/child-script.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
let root: string;
let childCommand: string[];

/** A second rag writer: tries writeIndex on a directory and prints what happened as JSON. */
const CHILD = `
import { writeIndex } from ${JSON.stringify(join(repo, 'src/store/index.ts'))};
const [dir, timeout] = process.argv.slice(2);
const init = {
  model: { id: 'hash', provider: 'builtin', name: 'hash', dimension: 4, normalize: true },
  modelFingerprint: 'f00d',
  chunking: { chunkSize: 100, chunkOverlap: 0, lengthUnit: 'characters' },
};
process.stdout.write('trying\\n');
const started = Date.now();
try {
  await writeIndex(dir, init, async (tx) => tx.setCorpusStatistics(Buffer.from('child')), { lockTimeoutMs: Number(timeout) });
  console.log(JSON.stringify({ ok: true, waitedMs: Date.now() - started }));
} catch (error) {
  console.log(JSON.stringify({ name: error.name, message: error.message, waitedMs: Date.now() - started }));
}
`;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'rag-lock-'));
  await writeFile(join(root, 'child.mts'), CHILD);
  childCommand = await childScriptArgs(root, 'child');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface ChildResult {
  ok?: boolean;
  name?: string;
  message?: string;
  waitedMs: number;
}

function runWriter(dir: string, timeoutMs: number, onStart?: () => void): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...childCommand, dir, String(timeoutMs)], {
      cwd: repo,
      env: { ...process.env, NODE_PATH: join(repo, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => onStart?.());
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`writer exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

/** A pid that certainly belongs to no process: one that just exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(result.stdout);
}

describe('index write lock', () => {
  it('a second writer (another process) waits, then fails naming the holder', async () => {
    const dir = join(root, 'held');
    await mkdir(dir);
    const lock = await acquireLock(dir);
    try {
      const content = JSON.parse(await readFile(join(dir, 'lock'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(content, { pid: process.pid, hostname: hostname(), startedAt: lock.owner.startedAt });
      const result = await runWriter(dir, 400);
      assert.deepEqual(
        { name: result.name, message: result.message },
        {
          name: 'RagError',
          message: `index ${dir} is locked by another rag process (pid ${process.pid}, since ${lock.owner.startedAt}); wait for it to finish or delete ${join(dir, 'lock')} if that process is gone`,
        },
      );
      assert.ok(result.waitedMs >= 400, `gave up after ${result.waitedMs} ms`);
    } finally {
      await lock.release();
    }
    assert.deepEqual(await readdir(dir), [], 'release removes the lock file');
  });

  it('a waiting writer (another process) proceeds once the holder releases', async () => {
    const dir = join(root, 'released');
    await mkdir(dir);
    const lock = await acquireLock(dir);
    let released = false;
    const result = await runWriter(dir, 15_000, () => {
      setTimeout(() => {
        released = true;
        void lock.release();
      }, 300);
    });
    assert.equal(released, true);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(result.waitedMs >= 250, `the writer waited ${result.waitedMs} ms for the holder`);
    assert.equal((await IndexStore.open(dir)).corpusStatistics()?.toString(), 'child');
    assert.ok(!(await readdir(dir)).includes('lock'));
  });

  it('takes over a lock whose process is dead', async () => {
    const dir = join(root, 'stale');
    await mkdir(dir);
    const pid = deadPid();
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid, hostname: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    // No waiting allowed: only a takeover can succeed with a zero timeout.
    const lock = await acquireLock(dir, { timeoutMs: 0 });
    assert.equal((JSON.parse(await readFile(join(dir, 'lock'), 'utf8')) as { pid: number }).pid, process.pid);
    await lock.release();
    assert.deepEqual(await readdir(dir), []);
  });

  it('takes over an old unreadable lock file, but waits for a fresh one', async () => {
    const dir = join(root, 'garbage');
    await mkdir(dir);
    await writeFile(join(dir, 'lock'), '');
    await assert.rejects(acquireLock(dir, { timeoutMs: 200 }), {
      message: `index ${dir} is locked by another rag process; wait for it to finish or delete ${join(dir, 'lock')} if that process is gone`,
    });
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'lock'), old, old);
    const lock = await acquireLock(dir, { timeoutMs: 200 });
    await lock.release();
  });

  it('waits for a lock held on another host (its pid cannot be checked here)', async () => {
    const dir = join(root, 'remote');
    await mkdir(dir);
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: deadPid(), hostname: 'build-box-7', startedAt: '2025-05-01T10:00:00.000Z' }));
    await assert.rejects(acquireLock(dir, { timeoutMs: 150 }), {
      name: 'RagError',
      message: `index ${dir} is locked by another rag process (pid ${JSON.parse(await readFile(join(dir, 'lock'), 'utf8')).pid} on build-box-7, since 2025-05-01T10:00:00.000Z); wait for it to finish or delete ${join(dir, 'lock')} if that process is gone`,
    });
  });

  it('release only removes the lock if it is still ours', async () => {
    const dir = join(root, 'mine');
    await mkdir(dir);
    const lock = await acquireLock(dir);
    const foreign = JSON.stringify({ pid: process.pid, hostname: 'elsewhere', startedAt: 'x' });
    await writeFile(join(dir, 'lock'), foreign);
    await lock.release();
    assert.equal(await readFile(join(dir, 'lock'), 'utf8'), foreign);
  });
});
