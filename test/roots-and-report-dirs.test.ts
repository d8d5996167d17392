/**
 * Issue 20 items 6 and 7: an ingest that adds a new root beside another one says so, and default
 * report folders are created atomically and uniquely (two runs in the same second).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createUniqueDir } from '../src/eval/report/unique-dir.js';
import { runCli, tempDir } from './helpers/cli.js';

describe('ingest into an index that holds another root', () => {
  it('warns once the second root is added, not on re-runs of the same one', async () => {
    const cwd = await tempDir('roots');
    for (const dir of ['sample', 'mine']) {
      await mkdir(path.join(cwd, dir));
      await writeFile(path.join(cwd, dir, `${dir}.md`), `# ${dir}\n\ntext of ${dir}\n`);
    }
    const first = await runCli(['ingest', 'sample'], { cwd });
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /already held/);
    const again = await runCli(['ingest', 'sample'], { cwd });
    assert.doesNotMatch(again.stderr, /already held/);
    const second = await runCli(['ingest', 'mine'], { cwd });
    assert.equal(second.code, 0, second.stderr);
    assert.ok(
      second.stderr.includes('warning: .rag already held documents from sample; mine now sit beside them in one index (use another --index to keep them apart)'),
      second.stderr,
    );
    const rebuilt = await runCli(['ingest', 'mine', '--rebuild'], { cwd });
    assert.doesNotMatch(rebuilt.stderr, /already held/);
  });
});

describe('default report folders', () => {
  it('gives concurrent callers distinct folders for one timestamped name', async () => {
    const root = await tempDir('unique-dir');
    const base = path.join(root, 'rag-eval-20261203-120000');
    const dirs = await Promise.all(Array.from({ length: 6 }, () => createUniqueDir(base)));
    assert.equal(new Set(dirs).size, 6);
    assert.deepEqual((await readdir(root)).sort(), ['rag-eval-20261203-120000', ...[2, 3, 4, 5, 6].map((n) => `rag-eval-20261203-120000-${n}`)].sort());
  });

  it('keeps the first eval run’s reports when two runs write the default folder in the same second', async () => {
    const cwd = await tempDir('eval-dirs');
    await mkdir(path.join(cwd, 'ds', 'docs'), { recursive: true });
    await writeFile(path.join(cwd, 'ds', 'docs', 'a.md'), '# 向量检索\n\nHNSW 图索引提高检索速度。\n');
    await writeFile(path.join(cwd, 'ds', 'docs', 'b.md'), '# 报销\n\n差旅费用按制度报销。\n');
    await writeFile(path.join(cwd, 'ds', 'queries.jsonl'), '{"query": "检索速度", "relevant": ["a.md"]}\n{"query": "差旅报销", "relevant": ["b.md"]}\n');
    const runs = await Promise.all([0, 1, 2].map(() => runCli(['eval', '--dataset', 'ds', '--mode', 'bm25'], { cwd })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const folders = (await readdir(cwd)).filter((f) => f.startsWith('rag-eval-'));
    assert.equal(folders.length, 3, folders.join(', '));
    for (const folder of folders) assert.ok((await readdir(path.join(cwd, folder))).includes('results.json'));
  });
});
