/**
 * Damaged indexes: each kind of damage makes `rag query` and `rag ingest` fail with one line
 * naming the problem and the file and pointing to `rag ingest --rebuild` (exit 2, nothing
 * written); `rag ingest --rebuild` then recovers an index whose contents equal a clean ingest.
 * Also: --rebuild on a healthy index, a rebuild killed before its manifest, the lock, and the
 * library option.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { writeIndex } from '../src/store/write-index.js';
import { acquireLock } from '../src/store/lock.js';
import { collect, lines, runCli, spawnCli, tempDir } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { dumpIndex, type IndexDump } from './helpers/index-dump.js';

let cwd: string;
let clean: IndexDump;
const rag = (args: string[], env?: Record<string, string>): Promise<CliResult> => runCli(args, { cwd, ...(env === undefined ? {} : { env }) });
/** Chunking other than the default, to see that a rebuild keeps the stored settings. */
const CHUNKING = ['--chunk-size', '300', '--chunk-overlap', '40'];

/** Names and content hashes of every file in a folder: to prove nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = createHash('sha256').update(await readFile(path.join(dir, name))).digest('hex');
  return out;
}

async function manifestOf(dir: string): Promise<Record<string, unknown> & { files: Record<string, { name: string; bytes: number }>; counts: { documents: number; chunks: number } }> {
  return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as never;
}

/** Only the manifest and the files it names (and foreign files) are left: no lock, temp file or old generation. */
async function assertTidy(dir: string, foreign: string[] = []): Promise<void> {
  const named = Object.values((await IndexStore.open(dir)).manifest.files).map((f) => f.name);
  assert.deepEqual((await readdir(dir)).sort(), ['manifest.json', ...named, ...foreign].sort());
}

before(async () => {
  cwd = await tempDir('rebuild');
  await cp(path.join(process.cwd(), 'datasets', 'zh-sample', 'docs'), path.join(cwd, 'docs'), { recursive: true });
  const r = await rag(['ingest', 'docs', '--index', 'good', ...CHUNKING, '--json']);
  assert.equal(r.code, 0, r.stderr);
  clean = await dumpIndex(path.join(cwd, 'good'));
  assert.ok(clean.counts.chunks > 10);
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

interface Damage {
  name: string;
  /** Damages the index in `dir`; returns the expected message between "is damaged: " and "; rebuild". */
  apply(dir: string): Promise<string>;
  /** Flags the rebuild needs (when the manifest is unreadable the stored chunking is lost). */
  rebuildFlags?: string[];
  /** Build the damaged index with an HNSW graph first. */
  graph?: boolean;
}

const file = (dir: string, name: string): string => path.join(dir, name);

const DAMAGES: Damage[] = [
  {
    name: 'truncated vector file',
    async apply(dir) {
      const { name, bytes } = (await manifestOf(dir)).files['flatVectors']!;
      await truncate(file(dir, name), bytes - 100);
      return `${file(dir, name)} is ${bytes - 100} bytes but should be ${bytes} (truncated or modified)`;
    },
  },
  {
    name: 'manifest that is not JSON',
    async apply(dir) {
      const text = await readFile(file(dir, 'manifest.json'), 'utf8');
      await writeFile(file(dir, 'manifest.json'), text.slice(0, text.length / 2));
      return `${file(dir, 'manifest.json')} is not valid JSON`;
    },
    rebuildFlags: CHUNKING,
  },
  {
    name: 'manifest with wrong counts',
    async apply(dir) {
      const manifest = await manifestOf(dir);
      const { documents, chunks } = manifest.counts;
      manifest.counts = { documents: documents + 1, chunks };
      await writeFile(file(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
      return `${file(dir, manifest.files['chunks']!.name)} holds ${documents} documents and ${chunks} chunks, but the manifest says ${documents + 1} and ${chunks}`;
    },
  },
  {
    name: 'manifest naming a missing file',
    async apply(dir) {
      const manifest = await manifestOf(dir);
      manifest.files['flatVectors']!.name = 'vectors-99.f32';
      await writeFile(file(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
      return `${file(dir, 'vectors-99.f32')} is missing`;
    },
  },
  {
    name: 'missing chunk store',
    async apply(dir) {
      const { name } = (await manifestOf(dir)).files['chunks']!;
      await unlink(file(dir, name));
      return `${file(dir, name)} is missing`;
    },
  },
  {
    name: 'garbled chunk store (same size)',
    async apply(dir) {
      const { name } = (await manifestOf(dir)).files['chunks']!;
      const text = await readFile(file(dir, name), 'utf8');
      const all = text.split('\n');
      all[2] = all[2]!.replace('{', '[');
      await writeFile(file(dir, name), all.join('\n'));
      return `${file(dir, name)} line 3 is not valid JSON`;
    },
  },
  {
    name: 'truncated chunk store',
    async apply(dir) {
      const { name, bytes } = (await manifestOf(dir)).files['chunks']!;
      await truncate(file(dir, name), bytes - 7);
      return `${file(dir, name)} is ${bytes - 7} bytes but should be ${bytes} (truncated or modified)`;
    },
  },
  {
    name: 'truncated HNSW graph file',
    graph: true,
    async apply(dir) {
      const graph = (await manifestOf(dir)).files['vectors'];
      assert.ok(graph !== undefined, 'the index has a graph file');
      await truncate(file(dir, graph.name), graph.bytes - 64);
      return `${file(dir, graph.name)} is ${graph.bytes - 64} bytes but should be ${graph.bytes} (truncated or modified)`;
    },
  },
];

/**
 * Re-commits every document of the index in `dir` with an HNSW graph (built below the usual size).
 * (Re-normalising the stored vectors may change their last bits; the rebuild re-embeds them.)
 */
async function withGraph(dir: string): Promise<void> {
  const store = await IndexStore.open(dir);
  const { model, modelFingerprint, chunking } = store.manifest;
  await writeIndex(
    dir,
    { model, modelFingerprint, chunking },
    async (tx) => {
      for (const doc of [...tx.store.documents()]) {
        const chunks = doc.chunkIds.map((id) => tx.store.getChunk(id)!);
        tx.putDocument(doc, chunks, doc.chunkIds.map((id) => tx.store.vectorOf(id)!));
      }
    },
    { graphWork: 0 },
  );
  assert.equal((await IndexStore.open(dir)).documentCount, clean.counts.documents);
}

// Each case runs a handful of short CLI processes: run the cases side by side.
describe('a damaged index', { concurrency: 4 }, () => {
  for (const [i, damage] of DAMAGES.entries()) {
    it(`${damage.name}: query and ingest fail with one line naming it (exit 2, nothing written); --rebuild recovers`, async () => {
      const name = `damaged-${i}`;
      const dir = path.join(cwd, name);
      await cp(path.join(cwd, 'good'), dir, { recursive: true });
      if (damage.graph === true) await withGraph(dir);
      // Not ours: a rebuild must leave it alone.
      await writeFile(path.join(dir, 'NOTES.txt'), 'mine');
      const what = await damage.apply(dir);
      const expected = `rag: index ${dir} is damaged: ${what}; rebuild it from your documents with \`rag ingest --rebuild --index ${dir} <paths>\``;
      const before = await snapshot(dir);

      const attempts = [['query', '报销', '--index', dir, '--json'], ['ingest', 'docs', '--index', dir, '--json']];
      for (const [j, r] of (await Promise.all(attempts.map((args) => rag(args)))).entries()) {
        const what = attempts[j]!.join(' ');
        assert.equal(r.code, 2, `${what}: ${r.stderr}`);
        // --json: the error is also a JSON document on stdout (json-errors.test.ts has the shape).
        assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'index-damaged', what);
        assert.deepEqual(lines(r.stderr), [expected], what);
      }
      assert.deepEqual(await snapshot(dir), before, 'nothing was written');

      const rebuilt = await rag(['ingest', '--rebuild', 'docs', '--index', dir, '--json', ...(damage.rebuildFlags ?? [])]);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      const summary = JSON.parse(rebuilt.stdout) as { documents: { added: number }; chunks: { embedded: number } };
      assert.equal(summary.documents.added, clean.counts.documents);
      assert.equal(summary.chunks.embedded, clean.counts.chunks);
      assert.deepEqual(await dumpIndex(dir), clean);
      await assertTidy(dir, ['NOTES.txt']);
      for (const mode of ['dense', 'bm25'] as const) {
        assert.equal((await query({ text: '报销', index: dir, mode, k: 3 })).results.length, 3);
      }
    });
  }
});

describe('rag ingest --rebuild', () => {
  it('on a healthy index re-embeds everything and drops documents of other paths', async () => {
    const dir = path.join(cwd, 'healthy');
    await cp(path.join(cwd, 'good'), dir, { recursive: true });
    await cp(path.join(process.cwd(), 'datasets', 'en-sample', 'docs'), path.join(cwd, 'other'), { recursive: true });
    const other = await rag(['ingest', 'other', '--index', dir, '--json']);
    assert.equal(other.code, 0, other.stderr);
    assert.ok((await IndexStore.open(dir)).documentCount > clean.counts.documents);

    const r = await rag(['ingest', '--rebuild', 'docs', '--index', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { documents: Record<string, number>; chunks: Record<string, number> };
    assert.deepEqual(summary.documents, { added: clean.counts.documents, updated: 0, unchanged: 0, removed: 0, skipped: 0, failed: 0 });
    assert.equal(summary.chunks['embedded'], clean.counts.chunks);
    assert.deepEqual(await dumpIndex(dir), clean);
    await assertTidy(dir);
  });

  it('killed before its manifest is written leaves the old index; a second rebuild completes', async () => {
    const dir = path.join(cwd, 'rebuild-killed');
    await cp(path.join(cwd, 'good'), dir, { recursive: true });
    const child = spawnCli(['ingest', '--rebuild', 'docs', '--index', dir], { cwd, env: { RAG_TEST_CRASH_AT: 'manifest-before-rename' } });
    const killed = await collect(child);
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.ok((await readdir(dir)).some((n) => n.startsWith('manifest.json.tmp-')), 'it died with the new manifest unrenamed');
    assert.deepEqual(await dumpIndex(dir), clean);
    const q = await rag(['query', '报销', '--index', dir, '--json']);
    assert.equal(q.code, 0, q.stderr);

    const r = await rag(['ingest', '--rebuild', 'docs', '--index', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await dumpIndex(dir), clean);
    await assertTidy(dir);
  });

  it('waits for the lock even when the manifest is unreadable', async () => {
    const dir = path.join(cwd, 'rebuild-locked');
    await cp(path.join(cwd, 'good'), dir, { recursive: true });
    await writeFile(path.join(dir, 'manifest.json'), '{');
    const lock = await acquireLock(dir);
    try {
      const before = await snapshot(dir);
      const r = await rag(['ingest', '--rebuild', 'docs', '--index', dir, '--lock-timeout', '0.3']);
      assert.equal(r.code, 2);
      assert.match(lines(r.stderr).at(-1)!, new RegExp(`^rag: index ${dir} is locked by another rag process \\(pid ${process.pid}, since `));
      assert.deepEqual(await snapshot(dir), before);
    } finally {
      await lock.release();
    }
  });

  it('works from the library: ingest({ rebuild: true }) on a damaged index', async () => {
    const dir = path.join(cwd, 'library');
    await cp(path.join(cwd, 'good'), dir, { recursive: true });
    await unlink(path.join(dir, (await manifestOf(dir)).files['flatVectors']!.name));
    await assert.rejects(ingest({ paths: [path.join(cwd, 'docs')], index: dir, cacheDir: path.join(cwd, '.rag-cache') }), {
      name: 'RagError',
      message: /is damaged: .*vectors-\d+\.f32 is missing; rebuild it/,
    });
    const summary = await ingest({ paths: [path.join(cwd, 'docs')], index: dir, rebuild: true, cacheDir: path.join(cwd, '.rag-cache') });
    assert.equal(summary.documents.added, clean.counts.documents);
    assert.deepEqual(summary.chunking, { chunkSize: 300, chunkOverlap: 40, lengthUnit: 'characters' });
    assert.deepEqual(await dumpIndex(dir), clean);
  });
});
