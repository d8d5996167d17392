/**
 * Under --json, an error is also a JSON document on stdout ({formatVersion, error: {code,
 * message, hint}}) so programs read it; stderr keeps its one `rag:` line for people.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../src/errors.js';
import { lines, runCli, tempDir } from './helpers/cli.js';

interface JsonError {
  formatVersion: number;
  error: { code: string; message: string; hint: string | null };
}

function parseError(stdout: string): JsonError {
  const doc = JSON.parse(stdout) as JsonError;
  assert.deepEqual(Object.keys(doc), ['formatVersion', 'error']);
  assert.deepEqual(Object.keys(doc.error), ['code', 'message', 'hint']);
  return doc;
}

describe('errors under --json', () => {
  it('a missing index: its code and message on stdout, one line on stderr, exit 2', async () => {
    const dir = await tempDir('rag-json-err-');
    const missing = path.join(dir, 'absent');
    const r = await runCli(['query', 'hello', '--index', missing, '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    const doc = parseError(r.stdout);
    assert.equal(doc.formatVersion, 1);
    assert.equal(doc.error.code, 'index-missing');
    assert.ok(doc.error.message.includes(missing), doc.error.message);
    assert.equal(lines(r.stderr).length, 1);
    assert.match(r.stderr, /^rag: no index at /);
  });

  it('an unknown model: message and hint apart, the hint carrying the suggestion', async () => {
    const dir = await tempDir('rag-json-err-');
    const r = await runCli(['ingest', dir, '--index', path.join(dir, 'idx'), '--model', 'bge-smal-zh', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    const doc = parseError(r.stdout);
    assert.equal(doc.error.code, 'model-unknown');
    assert.equal(doc.error.message, "unknown model 'bge-smal-zh'");
    assert.match(doc.error.hint ?? '', /did you mean bge-small-zh\?/);
    assert.equal(r.stderr, `rag: ${doc.error.message}; ${doc.error.hint}\n`);
    assert.ok(doc.error.code in ERROR_CODES);
  });

  it('a bad command line is code usage; without --json stdout stays empty', async () => {
    const dir = await tempDir('rag-json-err-');
    const withJson = await runCli(['query', 'x', '--json', '--bogus'], { cwd: dir });
    assert.equal(withJson.code, 2);
    const doc = parseError(withJson.stdout);
    assert.equal(doc.error.code, 'usage');
    assert.match(doc.error.message, /unknown option '--bogus'/);
    assert.equal(lines(withJson.stderr).length, 1);
    const plain = await runCli(['query', 'x', '--bogus'], { cwd: dir });
    assert.equal(plain.code, 2);
    assert.equal(plain.stdout, '');
  });
});
