/**
 * Bad command lines: unknown flags and commands, missing arguments, k of 0, negative or not a
 * number, empty queries, and index paths that are files. Each is exactly one line on stderr, exit
 * 2, nothing on stdout, and nothing written.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { lines, runCli, tempDir } from './helpers/cli.js';

let cwd: string;
before(async () => {
  cwd = await tempDir('bad-cli');
  await writeFile(path.join(cwd, 'note.md'), '# Otters\n\nOtters hold hands while they sleep.\n');
  await writeFile(path.join(cwd, 'file.txt'), 'I am a file, not an index.\n');
  const ok = await runCli(['ingest', 'note.md', '--index', 'idx'], { cwd });
  assert.equal(ok.code, 0, ok.stderr);
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** The usage hint names the help of the command that was run. */
const usageHint = (command = 'rag'): string => ` (run \`${command} --help\` for usage)`;

/** Runs `args`; exit 2, no stdout, and stderr is exactly `rag: <expected>`. */
async function assertUsageError(args: string[], expected: string): Promise<void> {
  const r = await runCli(args, { cwd });
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '', args.join(' '));
  assert.deepEqual(lines(r.stderr), [`rag: ${expected}`], args.join(' '));
}

describe('unknown flags and commands, missing arguments', () => {
  it('one line each, with the suggestion on the same line', async () => {
    await assertUsageError(['ingest', 'note.md', '--frobnicate'], `unknown option '--frobnicate'${usageHint('rag ingest')}`);
    await assertUsageError(['query', 'otters', '--indx', 'idx'], `unknown option '--indx' (Did you mean --index?)${usageHint('rag query')}`);
    await assertUsageError(['eval', '--dataset', 'x', '--bogus'], `unknown option '--bogus'${usageHint('rag eval')}`);
    await assertUsageError(['--bogus'], `unknown option '--bogus'${usageHint()}`);
    await assertUsageError(['serve'], `unknown command 'serve'${usageHint()}`);
    await assertUsageError(['ingest'], `missing required argument 'paths'${usageHint('rag ingest')}`);
    // The text may also come from stdin (`-`) or --query-file, so rag (not commander) says what is missing.
    await assertUsageError(['query'], 'missing the query: pass the text to search for, `-` to read it from stdin, or --query-file PATH');
    await assertUsageError(['eval'], `required option '--dataset <dir>' not specified${usageHint('rag eval')}`);
    await assertUsageError(['query', 'otters', '--mode', 'fuzzy'], `option '--mode <mode>' argument 'fuzzy' is invalid. Allowed choices are dense, bm25, hybrid.${usageHint('rag query')}`);
    await assertUsageError(['ingest', 'note.md', '--chunk-size', '0'], `option '--chunk-size <n>' argument '0' is invalid. expected a positive integer, got "0"${usageHint('rag ingest')}`);
  });
});

describe('-k', () => {
  for (const k of ['0', '-3', 'abc', '1.5', '']) {
    it(`-k ${JSON.stringify(k)} is refused`, async () => {
      await assertUsageError(
        ['query', 'otters', '--index', 'idx', '-k', k],
        `option '-k, --k <n>' argument '${k}' is invalid. expected a positive integer, got "${k}"${usageHint('rag query')}`,
      );
    });
  }
  it('--k 0 for eval cutoffs is refused too', async () => {
    await assertUsageError(['eval', '--dataset', 'x', '--k', '1,0,10'], `option '--k <list>' argument '1,0,10' is invalid. expected a positive integer, got "0"${usageHint('rag eval')}`);
  });
});

describe('empty queries', () => {
  for (const text of ['', '   ', '\t\n']) {
    it(`${JSON.stringify(text)} is refused`, async () => {
      await assertUsageError(['query', text, '--index', 'idx'], 'the query is empty; pass the text to search for');
    });
  }
});

describe('an index path that is a file', () => {
  it('ingest, query and eval --out refuse it and leave the file alone', async () => {
    const before = await readdir(cwd);
    await assertUsageError(
      ['ingest', 'note.md', '--index', 'file.txt'],
      'index path file.txt is a file, not an index folder; pass a folder with --index (rag creates it)',
    );
    await assertUsageError(
      ['query', 'otters', '--index', 'file.txt'],
      'index path file.txt is a file, not an index folder; pass a folder with --index (rag creates it)',
    );
    await assertUsageError(['ingest', 'note.md', '--index', 'file.txt/idx'], 'index path file.txt/idx runs through a file, not folders; pass a folder with --index');
    await assertUsageError(['query', 'otters', '--index', 'file.txt/idx'], 'index path file.txt/idx runs through a file, not folders; pass a folder with --index');
    await writeFile(path.join(cwd, 'queries.jsonl'), '{"query": "otters", "relevant": ["note.md"]}\n');
    await assertUsageError(
      ['eval', '--dataset', '.', '--out', 'file.txt'],
      '--out file.txt is a file, not a folder for the reports; pass a folder with --out (rag creates it)',
    );
    assert.equal(await readFile(path.join(cwd, 'file.txt'), 'utf8'), 'I am a file, not an index.\n');
    assert.deepEqual((await readdir(cwd)).filter((f) => f !== 'queries.jsonl').sort(), before.sort());
  });
});

describe('help', () => {
  it('eval --help says which dataset layouts it reads; chunk options show their defaults', async () => {
    const r = await runCli(['eval', '--help'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Dataset layouts \(--dataset DIR\):\n {2}BEIR {7}DIR\/corpus\.jsonl/);
    assert.match(r.stdout, /documents {2}DIR\/queries\.jsonl/);
    assert.match(r.stdout.replace(/\s+/g, " "), /--chunk-size <list> chunk sizes, one index each \(default 512 tokens[^)]*800 characters\)/);
  });
});
