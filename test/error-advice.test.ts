/**
 * Library errors say what to do in library terms (no `--flag`, no `rag <command>`), carry a code
 * and the details behind the message; the CLI words the same error with its commands and flags.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cliLine, cliWording } from '../src/cli/error-advice.js';
import { EmbeddingCache } from '../src/embed/cache.js';
import { ingest, query, RagError } from '../src/index.js';
import { runCli, tempDir } from './helpers/cli.js';

/** Rejects with a RagError of `code` whose message and hint name no CLI flag or command. */
async function neutral(promise: Promise<unknown>, code: string): Promise<RagError> {
  const error = await promise.then(
    () => assert.fail('expected a RagError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RagError, String(error));
  assert.equal(error.code, code);
  for (const text of [error.message, error.hint ?? '']) {
    assert.doesNotMatch(text, /(^|\s|`)--[a-z]/, text);
    assert.doesNotMatch(text, /\brag (ingest|query|eval|models|cache|tune)\b/, text);
  }
  return error;
}

describe('library errors are CLI-neutral; the CLI adds the advice', () => {
  let dir: string;
  let docs: string;
  let index: string;
  before(async () => {
    dir = await tempDir('advice');
    docs = path.join(dir, 'docs');
    index = path.join(dir, 'idx');
    await mkdir(docs);
    await writeFile(path.join(docs, 'a.md'), '# A\n\nLighthouses guide ships at night.\n');
    await ingest({ paths: [docs], index, cache: false });
  });

  it('index-missing', async () => {
    const missing = path.join(dir, 'absent');
    const e = await neutral(query({ text: 'x', index: missing }), 'index-missing');
    assert.equal(e.details['location'], missing);
    const r = await runCli(['query', 'x', '--index', missing], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: no index at ${missing}: run \`rag ingest <paths>\` first\n`);
  });

  it('model-mismatch', async () => {
    const e = await neutral(ingest({ paths: [docs], index, model: 'bge-small-zh', cache: false }), 'model-mismatch');
    assert.equal(e.details['builtModel'], 'hash');
    const r = await runCli(['ingest', docs, '--index', index, '--model', 'bge-small-zh'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: index ${index} was built with model hash, not bge-small-zh; use --model hash or ingest into another --index\n`);
  });

  it('chunking-mismatch', async () => {
    const e = await neutral(ingest({ paths: [docs], index, chunkSize: 300, cache: false }), 'chunking-mismatch');
    assert.equal(e.details['chunkSize'], 800);
    const r = await runCli(['ingest', docs, '--index', index, '--chunk-size', '300', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rag: index ${index} was built with --chunk-size 800 --chunk-overlap 100; use those, re-chunk it with --rebuild, or ingest into another --index\n`);
    const doc = JSON.parse(r.stdout) as { error: { code: string; hint: string } };
    assert.equal(doc.error.code, 'chunking-mismatch');
    assert.match(doc.error.hint, /--rebuild/);
  });

  it('model-unknown', async () => {
    const e = await neutral(ingest({ paths: [docs], index: path.join(dir, 'other'), model: 'bge-smal-zh', cache: false }), 'model-unknown');
    assert.match(e.hint ?? '', /did you mean bge-small-zh\?/);
    const r = await runCli(['ingest', docs, '--index', path.join(dir, 'other'), '--model', 'bge-smal-zh'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rag: unknown model 'bge-smal-zh'; did you mean bge-small-zh\? run `rag models` for the list/);
  });

  it('cache-unusable', async () => {
    const cacheDir = path.join(dir, 'cache');
    const fp = 'c'.repeat(64);
    await mkdir(path.join(cacheDir, fp), { recursive: true });
    await writeFile(path.join(cacheDir, fp, 'vectors.bin'), 'not a cache file');
    const e = await neutral(EmbeddingCache.open(fp, 16, { dir: cacheDir }), 'cache-unusable');
    assert.equal(cliLine(cliWording(e)), `${e.summary}; delete it or run \`rag cache clear\``);
    assert.equal(cliLine(cliWording(e, 'zh-Hans')), `${e.summary}; 请删除该文件，或运行 \`rag cache clear\``);
  });
});
