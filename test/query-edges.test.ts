/**
 * Query edge cases (issue 22): queries longer than one argument may be (stdin, --query-file),
 * long queries cut with a notice, stop-word-only queries, and -k at least the index size with a
 * graph (every chunk comes back, as an exact scan returns them).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN, collect, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { IndexStore, writeIndex, type IndexInit } from '../src/store/index.js';
import type { ModelInfo } from '../src/model/model-info.js';
import type { Chunk, StoredDocument } from '../src/model/document.js';

let cwd: string;
let index: string;
const WORDS = 'river mountain cloud engine vector index search query token paper stone light shadow garden market signal'.split(' ');

/** `rag ...args` with `input` on its stdin. */
function ragWithStdin(args: string[], input: string): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', RAG_CACHE_DIR: path.join(cwd, '.rag-cache') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(input);
  return collect(child);
}

before(async () => {
  cwd = await tempDir('query-edges');
  const docs = path.join(cwd, 'docs');
  await mkdir(docs);
  for (let d = 0; d < 8; d++) await writeFile(path.join(docs, `d${d}.md`), `${Array.from({ length: 80 }, (_, i) => WORDS[(i * 5 + d) % WORDS.length]).join(' ')}\n`);
  index = path.join(cwd, 'index');
  const r = await runCli(['ingest', docs, '--index', index], { cwd });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('long queries', () => {
  // 300 KB: more than Linux accepts as one argument (128 KiB).
  const long = Array.from({ length: 50_000 }, (_, i) => WORDS[(i * 3) % WORDS.length]).join(' ');

  it('`rag query -` reads the query from stdin, cuts it with a notice', async () => {
    const r = await ragWithStdin(['query', '-', '--index', index, '--mode', 'bm25', '--json'], long);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`note: the query is ${long.length} characters long; only its first \\d+ are searched`));
    const json = JSON.parse(r.stdout) as { query: string; results: unknown[] };
    assert.ok(json.query.length <= 8192 && json.query.length > 4096);
    assert.ok(long.startsWith(json.query));
    assert.ok(json.results.length > 0);
  });

  it('--query-file reads it from a file; with an argument too it is a usage error', async () => {
    const file = path.join(cwd, 'q.txt');
    await writeFile(file, long);
    const r = await runCli(['query', '--query-file', file, '--index', index, '--mode', 'hybrid'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /only its first \d+ are searched/);
    const both = await runCli(['query', 'river', '--query-file', file, '--index', index], { cwd });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
    const none = await runCli(['query', '--index', index], { cwd });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing the query/);
  });
});

describe('a query of only stop words', () => {
  for (const mode of ['dense', 'bm25', 'hybrid']) {
    it(`says so and returns nothing (${mode})`, async () => {
      const r = await runCli(['query', 'the of and to', '--index', index, '--mode', mode, '--json'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /only stop words/);
      assert.deepEqual((JSON.parse(r.stdout) as { results: unknown[] }).results, []);
    });
  }
});

describe('-k at least what the index holds, with an HNSW graph', () => {
  it('returns every live chunk, like an exact scan', async () => {
    const dim = 16;
    const model: ModelInfo = { id: 'hash', provider: 'builtin', name: 'hash', dimension: dim, normalize: true };
    const init: IndexInit = { model, modelFingerprint: 'f'.repeat(16), chunking: { chunkSize: 100, chunkOverlap: 0, lengthUnit: 'characters' }, hnsw: { M: 4, efConstruction: 8 } };
    let seed = 3;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const dir = path.join(cwd, 'graph-index');
    const put = (n: number, tag: string) => async (tx: Parameters<Parameters<typeof writeIndex>[2]>[0]): Promise<void> => {
      for (let d = 0; d < n; d++) {
        const docId = `d${d}`;
        const chunk: Chunk = { id: `${docId}#0`, docId, index: 0, text: `${tag} ${d}`, page: null, start: 0, end: 4, headings: [] };
        const doc: StoredDocument = { docId, source: `docs/${docId}`, origin: 'docs', format: 'markdown', title: docId, contentHash: `${docId}-${tag}`, chunkIds: [chunk.id] };
        tx.putDocument(doc, [chunk], [Float32Array.from({ length: dim }, next)]);
      }
    };
    await writeIndex(dir, init, put(1500, 'a'), { graphWork: 0 });
    // Replacing documents leaves deleted nodes in the graph that a walk must step over.
    await writeIndex(dir, init, put(900, 'b'), { graphWork: 0 });
    const store = await IndexStore.open(dir);
    assert.ok(store.manifest.files.vectors !== undefined, 'the index has a graph');
    const q = Float32Array.from({ length: dim }, next);
    const all = store.search(q, 100_000);
    assert.equal(all.length, store.chunkCount);
    assert.deepEqual(all.map((h) => h.chunk.id), store.search(q, 100_000, { exact: true }).map((h) => h.chunk.id));
  });
});
