/**
 * One rule for rag's cache root, embeddings and models alike (src/embed/cache-dir.ts):
 * RAG_CACHE_DIR (relative to the current directory), else an absolute XDG_CACHE_HOME/rag (a
 * relative one is ignored, as the XDG spec says), else ~/.cache/rag; embeddings/ and models/ under it.
 */
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cacheRoot, defaultCacheDir, defaultModelCacheDir } from '../src/embed/cache-dir.js';
import { runCli, tempDir } from './helpers/cli.js';

const home = os.homedir();

describe('cache directories', () => {
  const cases: Array<[string, NodeJS.ProcessEnv, string]> = [
    ['RAG_CACHE_DIR wins', { RAG_CACHE_DIR: '/x', XDG_CACHE_HOME: '/xdg' }, '/x'],
    ['a relative RAG_CACHE_DIR is taken from the current directory', { RAG_CACHE_DIR: 'rel/cache' }, path.resolve('rel/cache')],
    ['an absolute XDG_CACHE_HOME', { XDG_CACHE_HOME: '/xdg' }, '/xdg/rag'],
    ['a relative XDG_CACHE_HOME is ignored (XDG spec)', { XDG_CACHE_HOME: 'relative' }, path.join(home, '.cache', 'rag')],
    ['nothing set', {}, path.join(home, '.cache', 'rag')],
  ];
  for (const [name, env, root] of cases) {
    it(`${name}: embeddings and models share the root`, () => {
      assert.equal(cacheRoot(env), root);
      assert.equal(defaultCacheDir(env), path.join(root, 'embeddings'));
      assert.equal(defaultModelCacheDir(env), path.join(root, 'models'));
    });
  }

  it('the CLI reports RAG_CACHE_DIR/embeddings, a relative value taken from its directory', async () => {
    const cwd = await tempDir('rag-cache-dirs-');
    const r = await runCli(['cache', 'info', '--json'], { cwd, env: { RAG_CACHE_DIR: 'my-cache' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { dir: string }).dir, path.join(await realpath(cwd), 'my-cache', 'embeddings'));
  });
});
