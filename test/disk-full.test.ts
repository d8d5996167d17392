/**
 * Full disks, on a real tmpfs that really fills up (issue 22): the previous eval reports survive
 * whole, the error names the file system, and a failed ingest commit leaves no orphan files.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO, runCli, tempDir } from './helpers/cli.js';
import { mountTmpfs, type Tmpfs } from './helpers/tmpfs.js';

const EN_SAMPLE = path.join(REPO, 'datasets', 'en-sample');
const REPORTS = ['junit.xml', 'per-query.jsonl', 'report.html', 'report.md', 'results.json'];

let fs: Tmpfs | undefined;
let skip: string | false = false;
let cwd: string;

before(async () => {
  cwd = await tempDir('disk-full');
  const mounted = await mountTmpfs(1 << 20);
  if (typeof mounted === 'string') skip = mounted;
  else fs = mounted;
});
after(async () => {
  await fs?.unmount();
  await rm(cwd, { recursive: true, force: true });
});

describe('rag eval --out on a full disk', () => {
  it('keeps every previous report whole, writes nothing half, and names the file system', async (t) => {
    if (skip) return t.skip(skip);
    const out = path.join(fs!.dir, 'out');
    const eval_ = (modes: string[]): ReturnType<typeof runCli> =>
      runCli(['eval', '--dataset', EN_SAMPLE, ...modes.flatMap((m) => ['--mode', m]), '--out', out], { cwd });
    const good = await eval_(['bm25']);
    assert.equal(good.code, 0, good.stderr);
    const before = new Map<string, string>();
    for (const name of REPORTS) before.set(name, await readFile(path.join(out, name), 'utf8'));
    // Less room than the new, bigger results.json needs: the old code truncated it and then failed.
    await fs!.fill(16 * 1024);

    const full = await eval_(['bm25', 'dense']);
    assert.equal(full.code, 2, full.stderr);
    assert.match(full.stderr, /no space left/);
    assert.deepEqual((await readdir(out)).sort(), REPORTS, 'no temp files left behind');
    for (const name of REPORTS) assert.equal(await readFile(path.join(out, name), 'utf8'), before.get(name), `${name} unchanged`);
    JSON.parse(before.get('results.json')!);
    assert.ok(full.stderr.includes(fs!.dir), `names the file system: ${full.stderr}`);
  });
});

describe('rag ingest into a full disk', () => {
  it('names the file system and leaves no file the manifest does not name', async (t) => {
    if (skip) return t.skip(skip);
    await fs!.unfill();
    const words = 'river mountain cloud engine vector index search query token paper stone light shadow garden market signal'.split(' ');
    const docs = path.join(cwd, 'docs');
    await mkdir(docs, { recursive: true });
    await writeFile(path.join(docs, 'small.md'), 'river mountain cloud engine\n');
    const index = path.join(fs!.dir, 'index');
    const first = await runCli(['ingest', docs, '--index', index], { cwd });
    assert.equal(first.code, 0, first.stderr);
    let seed = 7;
    const text = Array.from({ length: 40_000 }, () => words[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % words.length]).join(' ');
    await writeFile(path.join(docs, 'big.md'), `${text}\n`);
    await rm(path.join(fs!.dir, 'out'), { recursive: true, force: true });
    // The same ingest elsewhere says how big its files are: leave room for the chunks file and
    // half the vectors, so the commit fails after it wrote a whole file of its own.
    const probe = path.join(cwd, 'probe-index');
    assert.equal((await runCli(['ingest', docs, '--index', probe], { cwd })).code, 0);
    const probeFiles = (JSON.parse(await readFile(path.join(probe, 'manifest.json'), 'utf8')) as { files: Record<string, { bytes: number }> }).files;
    await fs!.fill(probeFiles['chunks']!.bytes + probeFiles['flatVectors']!.bytes / 2);

    const full = await runCli(['ingest', docs, '--index', index], { cwd });
    assert.equal(full.code, 2, full.stderr);
    assert.match(full.stderr, /no space left on the file system at /);
    assert.ok(full.stderr.includes(fs!.dir), full.stderr);
    const manifest = JSON.parse(await readFile(path.join(index, 'manifest.json'), 'utf8')) as { files: Record<string, { name: string }> };
    const named = new Set(['manifest.json', ...Object.values(manifest.files).map((f) => f.name)]);
    const orphans = (await readdir(index)).filter((name) => !named.has(name) && name !== 'lock');
    assert.deepEqual(orphans, [], 'what the failed commit wrote is removed');
    const query = await runCli(['query', 'river', '--index', index, '--json'], { cwd });
    assert.equal(query.code, 0, query.stderr);
  });
});
