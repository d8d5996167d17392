/**
 * A multi-megabyte text file through ingest (issue 22 item 9): the index holds exactly the chunks
 * the chunker cuts from the whole loaded text (in order, overlapping or abutting, none over the chunk size,
 * each the slice of the text its offsets name), and a query finds the one chunk that holds a
 * numbered sentence. An outcome check any change to how big files are read, chunked, embedded or
 * committed (streaming, batches) must keep passing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { characterLength, chunkDocument } from '../src/ingest/chunk.js';
import { loadSources } from '../src/ingest/load.js';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { mixedText } from './helpers/big-text.js';

let root: string;
after(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('a big text file', () => {
  it('is stored as exactly the chunks of its whole text, and a query finds its sentences', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rag-big-file-'));
    const file = path.join(root, 'docs', 'big.txt');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file)));
    await writeFile(file, mixedText(3 * 2 ** 20));
    const index = path.join(root, 'index');
    // Over the default limit's reach in chunks, under it in bytes: raise it as a user would for 60 MB.
    const summary = await ingest({ paths: [path.dirname(file)], index, cache: false, maxFileSize: 100 * 2 ** 20 });
    assert.equal(summary.documents.added, 1);

    const reference = (await loadSources([path.dirname(file)], { maxFileSize: 100 * 2 ** 20 })).documents[0]!.doc;
    const expected = chunkDocument(reference, summary.chunking, characterLength);
    const store = await IndexStore.open(index);
    const stored = await store.chunksOf(store.getDocument('big.txt')!);
    await store.close?.();
    assert.equal(stored.length, summary.chunks.total);
    assert.ok(stored.length > 3000, `${stored.length} chunks`);
    assert.deepEqual(
      stored.map((c) => [c.id, c.start, c.end, c.text]),
      expected.map((c) => [c.id, c.start, c.end, c.text]),
    );
    const text = reference.text;
    assert.equal(stored[0]!.start, 0);
    assert.equal(stored.at(-1)!.end, text.trimEnd().length);
    for (const [i, chunk] of stored.entries()) {
      assert.equal(chunk.text, text.slice(chunk.start, chunk.end), `chunk ${i} is the slice its offsets name`);
      assert.ok(chunk.text.length <= summary.chunking.chunkSize, `chunk ${i}: ${chunk.text.length} characters`);
      const next = stored[i + 1];
      if (next !== undefined) {
        assert.ok(next.start > chunk.start, `chunk ${i + 1} starts after chunk ${i}`);
        // Chunks overlap or abut: nothing between two of them is lost but whitespace.
        assert.equal(text.slice(chunk.end, Math.max(chunk.end, next.start)).trim(), '');
      }
    }

    for (const mode of ['bm25', 'dense'] as const) {
      for (const n of [4242, 9876, 12345]) {
        const result = await query({ text: `${n}`, index, mode, k: 3 });
        const top = stored.find((c) => c.id === result.results[0]?.chunkId);
        assert.ok(top?.text.includes(`(${n})`), `${mode} "${n}": top hit ${result.results[0]?.chunkId} lacks "(${n})"`);
      }
    }
  });
});
