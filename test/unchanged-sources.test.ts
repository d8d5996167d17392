/**
 * Change detection by file (ingest/unchanged.ts, store/sources-file.ts) and the skimmed chunk
 * file of a reader (IndexStore.skimChunks): an unchanged re-ingest answers from the manifest,
 * the files' hashes and the sources file; any change goes the ordinary way; a query decodes
 * only the chunks it returns and finds what a full open finds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, rm, unlink, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { checkIndex } from '../src/store/check.js';
import { IndexStore } from '../src/store/index-store.js';
import { readManifest } from '../src/store/manifest.js';
import { tempDir } from './helpers/cli.js';

async function folder(): Promise<{ root: string; docs: string; index: string }> {
  const root = await tempDir('rag-unchanged-');
  const docs = path.join(root, 'docs');
  await mkdir(docs, { recursive: true });
  for (let i = 0; i < 6; i++) await writeFile(path.join(docs, `note-${i}.md`), `# Note ${i}\n\nVector databases speed up retrieval number ${i}. Reimbursement ${i * 7}.\n`);
  return { root, docs, index: path.join(root, 'idx') };
}

describe('unchanged re-ingest by file hashes', () => {
  it('records every file, skips an unchanged run without a commit, and notices changes, additions and deletions', async () => {
    const { docs, index } = await folder();
    const first = await ingest({ paths: [docs], index });
    assert.equal(first.documents.added, 6);
    const m1 = await readManifest(index);
    assert.ok(m1.files.sources, 'the first commit writes the sources file');
    const sources = JSON.parse(await readFile(path.join(index, m1.files.sources.name), 'utf8')) as { files: Array<{ path: string; documents: unknown[] }> };
    assert.equal(sources.files.length, 6);
    assert.ok(sources.files.every((f) => f.documents.length === 1));
    assert.equal((await checkIndex(index)).ok, true);

    const same = await ingest({ paths: [docs], index });
    assert.deepEqual(same.documents, { added: 0, updated: 0, unchanged: 6, removed: 0, skipped: 0, failed: 0 });
    assert.equal(same.chunks.total, first.chunks.total);
    assert.equal((await readManifest(index)).generation, m1.generation, 'nothing changed: nothing committed');

    await appendFile(path.join(docs, 'note-1.md'), '\nA new sentence about embeddings.\n');
    await unlink(path.join(docs, 'note-2.md'));
    await writeFile(path.join(docs, 'note-9.md'), '# Nine\n\nA brand new note.\n');
    const changed = await ingest({ paths: [docs], index });
    assert.deepEqual(changed.documents, { added: 1, updated: 1, unchanged: 4, removed: 1, skipped: 0, failed: 0 });

    const again = await ingest({ paths: [docs], index });
    assert.deepEqual(again.documents, { added: 0, updated: 0, unchanged: 6, removed: 0, skipped: 0, failed: 0 });
    const store = await IndexStore.open(index);
    assert.deepEqual([...store.documents()].map((d) => d.docId).sort(), ['note-0.md', 'note-1.md', 'note-3.md', 'note-4.md', 'note-5.md', 'note-9.md']);
  });

  it('a file changed in place with the same size is loaded again', async () => {
    const { docs, index } = await folder();
    await ingest({ paths: [docs], index });
    const file = path.join(docs, 'note-3.md');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('Note 3', 'Nate 3'));
    const run = await ingest({ paths: [docs], index });
    assert.equal(run.documents.updated, 1);
    assert.equal(run.documents.unchanged, 5);
  });

  it('an index without a sources file (older rag) gets one from its next unchanged run', async () => {
    const { docs, index } = await folder();
    await ingest({ paths: [docs], index });
    // What an index written before sources were recorded looks like.
    const manifest = await readManifest(index);
    await unlink(path.join(index, manifest.files.sources!.name));
    delete manifest.files.sources;
    await writeFile(path.join(index, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    const run = await ingest({ paths: [docs], index });
    assert.equal(run.documents.unchanged, 6);
    const after = await readManifest(index);
    assert.ok(after.files.sources, 'the unchanged run recorded the files');
    assert.equal(after.generation, manifest.generation + 1);
    assert.equal(after.files.chunks.name, manifest.files.chunks.name, 'and rewrote nothing else');
    assert.equal((await checkIndex(index)).ok, true);
  });

  it('a damaged sources file fails like any damaged data file, and rag check names it', async () => {
    const { docs, index } = await folder();
    await ingest({ paths: [docs], index });
    const name = (await readManifest(index)).files.sources!.name;
    const text = await readFile(path.join(index, name), 'utf8');
    await writeFile(path.join(index, name), text.replace('note-1', 'note-x'));
    await assert.rejects(ingest({ paths: [docs], index }), /sources-1\.json does not match its checksum/);
    const check = await checkIndex(index);
    assert.equal(check.files.find((f) => f.role === 'sources')?.status, 'checksum-mismatch');
    await rm(path.join(docs, '..', 'idx'), { recursive: true });
  });
});

describe('a reader decodes only the chunks it returns', () => {
  it('dense and bm25 queries on a skimmed open return what a full open gives', async () => {
    const { docs, index } = await folder();
    await ingest({ paths: [docs], index });
    for (const mode of ['dense', 'bm25'] as const) {
      const result = await query({ text: 'reimbursement 21', index, k: 3, mode });
      const full = await IndexStore.open(index);
      assert.ok(result.results.length > 0);
      for (const hit of result.results) assert.equal(hit.text, full.getChunk(hit.chunkId)?.text);
    }
    const skimmed = await IndexStore.open(index, { lazyVectors: true });
    const full = await IndexStore.open(index);
    assert.equal(skimmed.chunkCount, full.chunkCount);
    for (const doc of full.documents()) assert.deepEqual(await skimmed.chunksOf(doc), await full.chunksOf(doc));
  });
});
