/**
 * A warm embedding cache on a read-only file system (issue 22): eval runs from it with one notice
 * and embeds nothing; a run that must add vectors fails naming the cache and --no-cache.
 * A real tmpfs remounted read-only (root can write through permission bits, not through that).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { REPO, runCli, tempDir } from './helpers/cli.js';
import { startOpenAIServer, type FakeServer } from './helpers/fake-embedding-servers.js';
import { mountTmpfs, type Tmpfs } from './helpers/tmpfs.js';

const EN_SAMPLE = path.join(REPO, 'datasets', 'en-sample');
let fs: Tmpfs | undefined;
let skip: string | false = false;
let cwd: string;
let server: FakeServer;

before(async () => {
  cwd = await tempDir('cache-ro');
  server = await startOpenAIServer({ dimension: 8 });
  const mounted = await mountTmpfs(16 << 20);
  if (typeof mounted === 'string') skip = mounted;
  else fs = mounted;
});
after(async () => {
  await server.close();
  await fs?.unmount();
  await rm(cwd, { recursive: true, force: true });
});

describe('a read-only embedding cache', () => {
  it('serves a warm eval with one notice; a cold one fails naming the cache and --no-cache', async (t) => {
    if (skip) return t.skip(skip);
    const cache = path.join(fs!.dir, 'cache');
    const evalWith = (model: string, extra: string[] = []): ReturnType<typeof runCli> =>
      runCli(['eval', '--dataset', EN_SAMPLE, '--model', `openai:${model}`, '--base-url', `${server.origin}/v1`, '--mode', 'dense', '--out', 'out', ...extra], {
        cwd,
        env: { RAG_CACHE_DIR: cache, OPENAI_API_KEY: 'sk-test' },
      });
    const cold = await evalWith('text-embedding-3-small');
    assert.equal(cold.code, 0, cold.stderr);
    execFileSync('mount', ['-o', 'remount,ro', fs!.dir]);

    const requests = server.requests.length;
    const warm = await evalWith('text-embedding-3-small');
    assert.equal(warm.code, 0, warm.stderr);
    // Opening an OpenAI model asks for its dimension once; no document or query is embedded.
    const embedded = server.requests.slice(requests).filter((r) => JSON.stringify((r.body as { input?: unknown }).input) !== '["dimension probe"]');
    assert.deepEqual(embedded, [], 'nothing embedded');
    assert.equal(warm.stderr.match(/is read-only; using the vectors it holds without adding any/g)?.length, 1, warm.stderr);

    const other = await evalWith('text-embedding-3-large');
    assert.equal(other.code, 2, other.stderr);
    assert.ok(other.stderr.includes(cache), other.stderr);
    assert.match(other.stderr, /--no-cache/);
    assert.equal((await evalWith('text-embedding-3-large', ['--no-cache'])).code, 0);
  });
});
