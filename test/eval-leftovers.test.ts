/**
 * eval's temporary indexes (issue 22): removed on SIGINT and SIGTERM, and, after a real SIGKILL,
 * by the next run; a pid that was reused by another process does not keep a dead run's folder.
 * The eval is held inside its embedding step by a real HTTP embedding server that answers slowly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processStartTicks, removeStaleWorkDirs } from '../src/eval/work-dir.js';
import { collect, REPO, runCli, spawnCli, tempDir } from './helpers/cli.js';
import { startOpenAIServer, type FakeServer } from './helpers/fake-embedding-servers.js';

const EN_SAMPLE = path.join(REPO, 'datasets', 'en-sample');

let cwd: string;
let server: FakeServer;

before(async () => {
  cwd = await tempDir('eval-leftovers');
  server = await startOpenAIServer({ dimension: 8, delayMs: 1500 });
});
after(async () => {
  await server.close();
  await rm(cwd, { recursive: true, force: true });
});

async function workDirs(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((n) => n.startsWith('rag-eval-'));
}

/** Starts a dense eval through the slow server and waits until it is embedding, inside its work folder. */
async function startSlowEval(tmp: string): Promise<ReturnType<typeof spawnCli>> {
  await mkdir(tmp, { recursive: true });
  const seen = server.requests.length;
  const child = spawnCli(['eval', '--dataset', EN_SAMPLE, '--model', 'openai:text-embedding-3-small', '--base-url', `${server.origin}/v1`, '--no-cache', '--out', path.join(tmp, '..', 'out')], {
    cwd,
    env: { TMPDIR: tmp, OPENAI_API_KEY: 'sk-test' },
  });
  for (let i = 0; i < 400 && server.requests.length === seen; i++) await sleep(25);
  assert.ok(server.requests.length > seen, 'the eval reached its embedding step');
  const dirs = await workDirs(tmp);
  assert.equal(dirs.length, 1, 'one work folder while running');
  assert.ok(existsSync(path.join(tmp, dirs[0]!, 'owner.json')));
  return child;
}

describe('eval temporary indexes', () => {
  it('SIGKILL leaves the folder, and the next run removes it and says so', async () => {
    const tmp = path.join(cwd, 'tmp-kill');
    const child = await startSlowEval(tmp);
    child.kill('SIGKILL');
    const killed = await collect(child);
    assert.equal(killed.signal, 'SIGKILL');
    const [left] = await workDirs(tmp);
    assert.ok(left !== undefined, 'a SIGKILL cannot clean up');

    const next = await runCli(['eval', '--dataset', EN_SAMPLE, '--mode', 'bm25', '--out', 'out-next'], { cwd, env: { TMPDIR: tmp } });
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, /removed 1 temporary index folder left by earlier evals that died/);
    assert.ok(next.stderr.includes(left), next.stderr);
    assert.deepEqual(await workDirs(tmp), []);
  });

  it('SIGINT says it is interrupting, exits 130 and removes the folder', async () => {
    const tmp = path.join(cwd, 'tmp-int');
    const child = await startSlowEval(tmp);
    child.kill('SIGINT');
    const r = await collect(child, 30_000);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted: stopping the eval/);
    assert.match(r.stderr, /rag: eval interrupted: no reports were written and its temporary indexes are removed/);
    assert.deepEqual(await workDirs(tmp), []);
  });

  it('SIGTERM exits 143 and removes the folder', async () => {
    const tmp = path.join(cwd, 'tmp-term');
    const child = await startSlowEval(tmp);
    child.kill('SIGTERM');
    const r = await collect(child, 30_000);
    assert.equal(r.code, 143, r.stderr);
    assert.deepEqual(await workDirs(tmp), []);
  });

  it('keeps the folders of live runs, removes those whose pid now belongs to another process', async (t) => {
    const ticks = processStartTicks(process.pid);
    if (ticks === undefined) return t.skip('no /proc: process start times are unknown here');
    const tmp = path.join(cwd, 'tmp-owners');
    const make = async (name: string, owner: object): Promise<void> => {
      await mkdir(path.join(tmp, name, 'm0'), { recursive: true });
      await writeFile(path.join(tmp, name, 'owner.json'), JSON.stringify(owner));
    };
    await make('rag-eval-alive1', { pid: process.pid, hostname: hostname(), startTicks: ticks });
    await make('rag-eval-reused', { pid: process.pid, hostname: hostname(), startTicks: String(Number(ticks) - 1) });
    await make('rag-eval-elsewh', { pid: 1 << 22, hostname: `not-${hostname()}`, startTicks: '1' });
    await mkdir(path.join(tmp, 'rag-eval-2026-01-01T00-00-00'), { recursive: true }); // a report folder, no owner
    const removed = await removeStaleWorkDirs(tmp);
    assert.deepEqual(removed, [path.join(tmp, 'rag-eval-reused')]);
    assert.deepEqual((await readdir(tmp)).sort(), ['rag-eval-2026-01-01T00-00-00', 'rag-eval-alive1', 'rag-eval-elsewh']);
  });
});
