/**
 * End-to-end tests of `rag ingest` and `rag query` as a user runs them: `node bin/rag.js` in a
 * temp working directory, NO_COLOR=1, exit codes and both output streams checked exactly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { acquireLock } from '../src/store/lock.js';
import { IndexStore } from '../src/store/index-store.js';
import { lines, REPO, runCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';

const ZH = path.join(REPO, 'datasets', 'zh-sample', 'docs');
const EN = path.join(REPO, 'datasets', 'en-sample', 'docs');
const ZH_QUERY = '向量数据库如何加快检索速度';
const EN_QUERY = 'how do we rotate API keys';

let cwd: string;
/** Absolute path of the shared index (`idx` in cwd), built from both sample sets. */
let index: string;
let chunkCount: number;

const rag = (args: string[], env?: Record<string, string | undefined>): Promise<CliResult> => runCli(args, { cwd, ...(env ? { env } : {}) });

/** A failure as the CLI must print it: exit 2, nothing on stdout, exactly one line on stderr. */
function assertOneLineError(r: CliResult, message: string | RegExp): void {
  assert.equal(r.stdout, '');
  assert.equal(r.code, 2, r.stderr);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  if (typeof message === 'string') assert.equal(r.stderr, `rag: ${message}\n`);
  else assert.match(r.stderr.trimEnd(), message);
}

interface JsonHit {
  rank: number;
  score: number;
  docId: string;
  source: string;
  page: number | null;
  text: string;
  headings: string[];
  snippet: { text: string; highlights: Array<[number, number]> };
}

function parseHits(r: CliResult): { mode: string; model: string; results: JsonHit[] } {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { mode: string; model: string; results: JsonHit[] };
}

before(async () => {
  cwd = await tempDir('cli');
  index = path.join(cwd, 'idx');
  const r = await rag(['ingest', ZH, EN, '--index', 'idx', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { documents: Record<string, number>; chunks: { total: number; embedded: number }; index: string; model: string };
  assert.deepEqual(summary.documents, { added: 38, updated: 0, unchanged: 0, removed: 0, skipped: 0, failed: 0 });
  assert.equal(summary.index, index);
  assert.equal(summary.model, 'hash');
  assert.equal(summary.chunks.embedded, summary.chunks.total);
  chunkCount = summary.chunks.total;
  assert.equal(r.stderr, 'model: hash\n');
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('rag ingest', () => {
  it('prints a human summary on stdout; a re-run changes nothing', async () => {
    const r = await rag(['ingest', ZH, EN, '--index', 'idx']);
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.deepEqual(out.slice(0, 3), [
      'indexed idx with model hash (chunks of 800 characters, overlap 100)',
      'documents: 0 added, 0 updated, 38 unchanged, 0 removed, 0 skipped',
      `chunks: 0 embedded, 0 removed, ${chunkCount} in the index`,
    ]);
    assert.match(out[3]!, /^took \d+(\.\d)? m?s$/);
    assert.equal(out.length, 4);
    // Nothing to embed, so no model line: the summary names the model.
    assert.equal(r.stderr, '');
  });

  it('keeps notices on stderr and only the summary on stdout', async () => {
    const docs = path.join(cwd, 'mixed');
    await mkdir(docs);
    await writeFile(path.join(docs, 'note.md'), '# Note\n\nA note about lighthouses.\n');
    await writeFile(path.join(docs, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]));
    const r = await rag(['ingest', 'mixed', '--index', 'mixed-idx', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { documents: Record<string, number>; notices: Array<{ kind: string; reason: string }> };
    assert.deepEqual(summary.documents, { added: 1, updated: 0, unchanged: 0, removed: 0, skipped: 1, failed: 0 });
    assert.deepEqual(summary.notices.map((n) => [n.kind, n.reason]), [['skipped', 'unsupported file type .jpg']]);
    assert.deepEqual(lines(r.stderr), ['skipped mixed/photo.jpg: unsupported file type .jpg', 'model: hash']);
  });

  it('a nonexistent path: exit 2, one line, no index created', async () => {
    const r = await rag(['ingest', 'no-such-dir', '--index', 'new-idx']);
    assertOneLineError(r, `path not found: no-such-dir (resolved to ${path.join(cwd, 'no-such-dir')}); check the spelling or the working directory`);
    assert.equal(existsSync(path.join(cwd, 'new-idx')), false);
  });

  it('an unknown model alias: one line with a suggestion, before any work', async () => {
    const r = await rag(['ingest', ZH, '--index', 'new-idx', '--model', 'bge-smal']);
    assertOneLineError(r, /^rag: unknown model 'bge-smal'; did you mean bge-small-en or bge-small-zh\? /);
    assert.equal(existsSync(path.join(cwd, 'new-idx')), false);
  });

  it('another --chunk-size than the index was built with: exit 2, one line', async () => {
    const r = await rag(['ingest', ZH, '--index', 'idx', '--chunk-size', '300']);
    assertOneLineError(r, `index ${index} was built with --chunk-size 800 --chunk-overlap 100; use those, re-chunk it with --rebuild, or ingest into another --index`);
  });
});

describe('rag query', () => {
  it('says "1 result", not "1 results"', async () => {
    const r = await rag(['query', ZH_QUERY, '--index', 'idx', '-k', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^model: hash · mode: dense · 1 result in \d+ ms\n$/);
  });

  it('human output: rank, score, source and headings per result; the notice on stderr', async () => {
    const r = await rag(['query', ZH_QUERY, '--index', 'idx', '-k', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^model: hash · mode: dense · 3 results in \d+ ms\n$/);
    const out = lines(r.stdout);
    const heads = out.filter((l) => /^\d+\. /.test(l));
    assert.equal(heads.length, 3);
    assert.match(heads[0]!, /^1\. 0\.\d{3} {2}tech\/vector-index-hnsw\.md · 向量数据库与 HNSW 索引 › HNSW 是怎么加速检索的$/);
    assert.match(heads[1]!, /^2\. 0\.\d{3} {2}\S+\.(md|txt|html)( · .+)?$/);
    assert.match(heads[2]!, /^3\. 0\.\d{3} {2}\S+\.(md|txt|html)( · .+)?$/);
    // Each result: its header and an indented snippet (one line per line of the chunk: paragraphs,
    // table rows and code lines stay apart), results separated by a blank line.
    const blocks = r.stdout.replace(/\n$/, '').split('\n\n');
    assert.equal(blocks.length, 3);
    for (const block of blocks) {
      const [head, ...snippet] = block.split('\n');
      assert.match(head!, /^\d+\. /);
      assert.ok(snippet.length >= 1 && snippet.length <= 8, block);
      for (const line of snippet) assert.match(line, /^ {3}\S/);
      // Markdown syntax is stripped from what the terminal shows.
      for (const line of snippet) assert.doesNotMatch(line, /^ {3}#{1,6} |!\[|\|\s*-{3}/);
    }
  });

  it('--json: results with rank, score, docId, source, page and text, scores descending, -k respected', async () => {
    const { results, mode, model } = parseHits(await rag(['query', EN_QUERY, '--index', 'idx', '--json', '-k', '4']));
    assert.equal(mode, 'dense');
    assert.equal(model, 'hash');
    assert.equal(results.length, 4);
    assert.deepEqual(results.map((h) => h.rank), [1, 2, 3, 4]);
    for (let i = 1; i < results.length; i++) assert.ok(results[i]!.score <= results[i - 1]!.score);
    const top = results[0]!;
    assert.equal(top.docId, 'security/key-rotation.md');
    assert.equal(top.source, 'security/key-rotation.md');
    assert.equal(top.page, null);
    assert.deepEqual(top.headings, ['Rotating API Keys and Secrets', 'How to rotate an API key']);
    assert.match(top.text, /rotat/i);
    assert.equal(typeof top.snippet.text, 'string');
    assert.ok(top.snippet.highlights.length > 0, 'the query words are marked in the snippet');
  });

  it('--mode bm25 and --mode hybrid answer the quickstart questions (dense is covered above)', async () => {
    // test/query.test.ts checks every mode x question through the library; here the flag's plumbing.
    const runs = await Promise.all([
      rag(['query', ZH_QUERY, '--index', 'idx', '--json', '--mode', 'bm25']).then((r) => ({ mode: 'bm25', r, want: 'tech/vector-index-hnsw.md' })),
      rag(['query', EN_QUERY, '--index', 'idx', '--json', '--mode', 'hybrid']).then((r) => ({ mode: 'hybrid', r, want: 'security/key-rotation.md' })),
    ]);
    for (const { mode, r, want } of runs) {
      const parsed = parseHits(r);
      assert.equal(parsed.mode, mode);
      assert.equal(parsed.results.length, 5);
      assert.equal(parsed.results[0]!.docId, want, `${mode}: ${parsed.results.map((h) => h.docId).join(', ')}`);
    }
  });

  it('a missing index: exit 2 and one stderr line; --verbose adds the stack', async () => {
    const missing = path.join(cwd, 'nope');
    const r = await rag(['query', 'x', '--index', 'nope']);
    assertOneLineError(r, `no index at ${missing}: run \`rag ingest <paths>\` first`);
    const v = await rag(['--verbose', 'query', 'x', '--index', 'nope']);
    assert.equal(v.code, 2);
    assert.equal(v.stdout, '');
    const err = lines(v.stderr);
    assert.equal(err[0], `rag: no index at ${missing}: run \`rag ingest <paths>\` first`);
    assert.ok(err.slice(1).some((l) => /^\s+at /.test(l)), v.stderr);
  });

  it('an empty query: exit 2, one line', async () => {
    assertOneLineError(await rag(['query', '', '--index', 'idx']), 'the query is empty; pass the text to search for');
  });

  it('another model than the index was built with: exit 2, one line naming both, nothing on stdout', async () => {
    const r = await rag(['query', ZH_QUERY, '--index', 'idx', '--model', 'bge-small-zh']);
    assertOneLineError(r, `index ${index} was built with model hash, not bge-small-zh; use --model hash or ingest into another --index`);
  });

  it('invalid -k and --mode are usage errors (exit 2), nothing on stdout', async () => {
    for (const args of [['-k', '0'], ['-k', 'two'], ['--mode', 'fuzzy']]) {
      const r = await rag(['query', 'x', '--index', 'idx', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^rag: .* \(run `rag query --help` for usage\)\n$/);
    }
  });

  it('NO_COLOR wins over FORCE_COLOR: no escape codes on either stream', async () => {
    const args = ['query', EN_QUERY, '--index', 'idx', '-k', '2'];
    const plain = await rag(args, { FORCE_COLOR: '1' });
    assert.equal(plain.code, 0);
    assert.ok(!plain.stdout.includes('\x1b[') && !plain.stderr.includes('\x1b['));
    // The control: the same command with colours forced does colour its output.
    const coloured = await rag(args, { FORCE_COLOR: '1', NO_COLOR: undefined });
    assert.ok(coloured.stdout.includes('\x1b['));
    assert.equal(coloured.stdout.replace(/\x1b\[[0-9;]*m/g, ''), plain.stdout);
  });
});

describe('the index lock', () => {
  it('an ingest waits --lock-timeout for a held lock, fails with the holder, and changes nothing', async () => {
    const extra = path.join(cwd, 'extra');
    await mkdir(extra);
    await writeFile(path.join(extra, 'late.md'), '# Late\n\nA document that arrives while the index is locked.\n');
    const manifest = await readFile(path.join(index, 'manifest.json'), 'utf8');
    const lock = await acquireLock(index);
    try {
      const started = Date.now();
      const r = await rag(['ingest', 'extra', '--index', 'idx', '--lock-timeout', '1']);
      assertOneLineError(
        r,
        new RegExp(`^rag: index ${escape(index)} is locked by another rag process \\(pid ${process.pid}, since [^)]+\\); wait for it to finish or delete ${escape(path.join(index, 'lock'))} if that process is gone$`),
      );
      assert.ok(Date.now() - started >= 1000);
      assert.equal(await readFile(path.join(index, 'manifest.json'), 'utf8'), manifest);
      assert.equal((await IndexStore.open(index)).getDocument('late.md'), undefined);
      assert.equal(await readFile(lock.path, 'utf8'), `${JSON.stringify(lock.owner)}\n`);
    } finally {
      await lock.release();
    }
    const ok = await rag(['ingest', 'extra', '--index', 'idx', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { documents: { added: number } }).documents.added, 1);
    assert.equal((await IndexStore.open(index)).documentCount, 39);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
