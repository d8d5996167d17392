import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { characterLength, chunkDocument } from '../src/ingest/chunk.js';
import { ChunkCache, chunkDocumentsCached } from '../src/ingest/chunk-cache.js';
import type { ChunkCacheKey } from '../src/ingest/chunk-cache.js';
import type { LoadedDocument } from '../src/ingest/types.js';
import type { ChunkingOptions } from '../src/model/chunking.js';

const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-chunk-cache-'));
  roots.push(dir);
  return dir;
}
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

/** The body of a cache file, checked against its checksum line. */
function parsed(file: string): unknown {
  assert.equal(createHash('sha256').update(file.slice(65)).digest('hex'), file.slice(0, 64));
  return JSON.parse(file.slice(65));
}

const sentence = (i: number): string => `Sentence number ${i} talks about topic ${i % 7}. 第${i}句讲的是主题${i % 5}。`;

/** Markdown with sections, plain text, and a paged document: every input the chunker reads. */
function corpus(): LoadedDocument[] {
  const body = (from: number, n: number): string => Array.from({ length: n }, (_, i) => sentence(from + i)).join(' ');
  const markdown = `# Title\n\n${body(0, 12)}\n\n## Part two\n\n${body(12, 20)}\n\n\`\`\`\ncode line\n\`\`\`\n`;
  const paged = `${body(40, 10)}\n${body(50, 10)}`;
  const split = body(40, 10).length + 1;
  return [
    { docId: 'a.md', source: 'a.md', format: 'markdown', text: markdown, contentHash: 'x' },
    { docId: 'b.txt', source: 'b.txt', format: 'text', text: body(100, 30), contentHash: 'y' },
    {
      docId: 'c.pdf',
      source: 'c.pdf',
      format: 'pdf',
      text: paged,
      contentHash: 'z',
      pages: [
        { page: 1, start: 0, end: split },
        { page: 2, start: split, end: paged.length },
      ],
    },
    { docId: 'empty.txt', source: 'empty.txt', format: 'text', text: '  \n ', contentHash: 'e' },
  ];
}

/** A stand-in tokenizer: one token per word or CJK character. */
const wordTokens = (text: string): number => (text.match(/[\u4e00-\u9fff]|[^\s\u4e00-\u9fff]+/g) ?? []).length;

const chars: ChunkingOptions = { chunkSize: 200, chunkOverlap: 40, lengthUnit: 'characters' };
const tokens: ChunkingOptions = { chunkSize: 40, chunkOverlap: 8, lengthUnit: 'tokens' };
const charKey: ChunkCacheKey = { chunking: chars, lengthFingerprint: 'characters' };
const tokenKey: ChunkCacheKey = { chunking: tokens, lengthFingerprint: 'model-a' };

async function chunkTwice(dir: string, key: ChunkCacheKey, length: (t: string) => number) {
  const docs = corpus();
  const first = await ChunkCache.open(dir, key);
  let prepared = 0;
  const cold = await chunkDocumentsCached(docs, key.chunking, length, first, async () => {
    prepared++;
  });
  // Called once, before the first document it had to chunk (a tokenizer loads there).
  assert.equal(prepared, 1);
  await first.save();
  const second = await ChunkCache.open(dir, key);
  const warm = await chunkDocumentsCached(docs, key.chunking, () => assert.fail('a cached document was measured again'), second, () =>
    assert.fail('prepared for chunking although every document was cached'),
  );
  return { docs, cold, warm };
}

describe('ChunkCache', () => {
  it('serves chunks equal to fresh ones, with token counts, without measuring anything', async () => {
    for (const [key, length] of [
      [charKey, characterLength],
      [tokenKey, wordTokens],
    ] as const) {
      const dir = await tempDir();
      const { docs, cold, warm } = await chunkTwice(dir, key, length);
      const fresh = docs.map((d) => chunkDocument(d, key.chunking, length));
      assert.ok(fresh.flat().length > 6, `${fresh.flat().length} chunks`);
      assert.ok(fresh.flat().some((c) => c.page === 2) && fresh.flat().some((c) => c.headings.length === 2));
      assert.equal(cold.hits, 0);
      assert.deepEqual(cold.perDoc, fresh);
      assert.equal(warm.hits, docs.length);
      assert.deepEqual(warm.perDoc, fresh);
      if (key.chunking.lengthUnit === 'tokens') {
        const counts = fresh.flat().map((c) => wordTokens(c.text));
        assert.deepEqual(cold.tokens, counts);
        assert.deepEqual(warm.tokens, counts);
      } else {
        assert.equal(warm.tokens, undefined);
      }
    }
  });

  it('misses when a setting, the tokenizer or the document changes; chunk ids follow the document id', async () => {
    const dir = await tempDir();
    await chunkTwice(dir, tokenKey, wordTokens);
    const docs = corpus();
    const hitsFor = async (key: ChunkCacheKey, documents = docs): Promise<number> =>
      (await chunkDocumentsCached(documents, key.chunking, wordTokens, await ChunkCache.open(dir, key))).hits;
    assert.equal(await hitsFor(tokenKey), docs.length);
    assert.equal(await hitsFor({ ...tokenKey, chunking: { ...tokens, chunkSize: 41 } }), 0);
    assert.equal(await hitsFor({ ...tokenKey, chunking: { ...tokens, chunkOverlap: 9 } }), 0);
    assert.equal(await hitsFor({ ...tokenKey, chunking: { ...tokens, lengthUnit: 'characters' } }), 0);
    assert.equal(await hitsFor({ ...tokenKey, lengthFingerprint: 'model-b' }), 0);

    const edited = corpus();
    edited[1] = { ...edited[1]!, text: `${edited[1]!.text} One more.` };
    edited[2] = { ...edited[2]!, pages: [{ page: 1, start: 0, end: edited[2]!.text.length }] };
    edited[0] = { ...edited[0]!, format: 'text' };
    assert.equal(await hitsFor(tokenKey, edited), 1, 'only the untouched empty document hits');

    const renamed = corpus().map((d) => ({ ...d, docId: `new/${d.docId}`, source: 'elsewhere' }));
    const served = await chunkDocumentsCached(renamed, tokens, wordTokens, await ChunkCache.open(dir, tokenKey));
    assert.equal(served.hits, renamed.length);
    assert.deepEqual(served.perDoc, renamed.map((d) => chunkDocument(d, tokens, wordTokens)));
  });

  it('ignores a damaged file and rewrites it; drops an entry that does not fit its document', async () => {
    const dir = await tempDir();
    await chunkTwice(dir, charKey, characterLength);
    const [name] = await readdir(path.join(dir, 'chunks'));
    const file = path.join(dir, 'chunks', name!);
    const good = await readFile(file, 'utf8');

    // One flipped byte: the checksum fails, nothing is trusted, and the next save repairs it.
    await writeFile(file, good.replace('"entries"', '"entriez"'));
    let cache = await ChunkCache.open(dir, charKey);
    assert.equal((await chunkDocumentsCached(corpus(), chars, characterLength, cache)).hits, 0);
    await cache.save();
    assert.equal(await readFile(file, 'utf8'), good);

    // Damage with a valid checksum (as a buggy writer would leave): spans past the text's end.
    const body = JSON.parse(good.slice(65)) as { key: string; entries: Record<string, Array<[number, number]>> };
    const [hash] = Object.keys(body.entries).filter((h) => body.entries[h]!.length > 0);
    body.entries[hash!]![0]![1] = 1e9;
    const forged = JSON.stringify(body);
    await writeFile(file, `${createHash('sha256').update(forged).digest('hex')}\n${forged}`);
    cache = await ChunkCache.open(dir, charKey);
    const run = await chunkDocumentsCached(corpus(), chars, characterLength, cache);
    assert.equal(run.hits, corpus().length - 1);
    assert.deepEqual(run.perDoc, corpus().map((d) => chunkDocument(d, chars, characterLength)));
    await cache.save();
    assert.deepEqual(parsed(await readFile(file, 'utf8')), parsed(good));
    assert.equal((await chunkDocumentsCached(corpus(), chars, characterLength, await ChunkCache.open(dir, charKey))).hits, corpus().length);

    // Truncated to nothing, or not ours at all.
    for (const junk of ['', 'not a cache\n{}', good.slice(0, 100)]) {
      await writeFile(file, junk);
      cache = await ChunkCache.open(dir, charKey);
      assert.equal((await chunkDocumentsCached(corpus(), chars, characterLength, cache)).hits, 0);
      await cache.save();
      assert.equal(await readFile(file, 'utf8'), good);
    }
  });
});
