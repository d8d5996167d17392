/**
 * End-to-end tests of the library `ingest()`: real files in a temp folder, the built-in `hash`
 * model, a real index on disk. Each describe block shares one index and runs its steps in order.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { RagError } from '../src/errors.js';
import { ingest } from '../src/ingest/pipeline.js';
import type { IngestSummary } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { IndexStore } from '../src/store/index-store.js';
import { makePdf } from './helpers/make-pdf.js';
import { tempDir } from './helpers/cli.js';

let root: string;
before(async () => {
  root = await tempDir('ingest');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function docIds(index: string): Promise<string[]> {
  const store = await IndexStore.open(index);
  return [...store.documents()].map((d) => d.docId).sort();
}

async function topDocs(index: string, text: string, k = 10): Promise<string[]> {
  return (await query({ text, index, k })).results.map((r) => r.docId);
}

const counts = (s: IngestSummary['documents']): string =>
  `${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.removed} removed, ${s.skipped} skipped, ${s.failed} failed`;

describe('ingest(): incremental runs over one folder', () => {
  let docs: string;
  let index: string;
  const chunksOf = new Map<string, number>();

  before(async () => {
    docs = path.join(root, 'docs');
    index = path.join(root, 'index');
    await write(path.join(docs, 'alpha.md'), '# Alpha\n\nThe zebra migration crosses the savanna every spring.\n');
    await write(path.join(docs, 'beta.md'), '# Beta\n\nQuantum tunnelling lets electrons cross an energy barrier.\n');
    await write(
      path.join(docs, 'sub', 'gamma.md'),
      `# Gamma\n\n${'Sourdough bread needs a mature starter and a long, cool ferment overnight. '.repeat(30)}\n`,
    );
  });

  async function rememberChunks(): Promise<void> {
    const store = await IndexStore.open(index);
    chunksOf.clear();
    for (const d of store.documents()) chunksOf.set(d.docId, d.chunkIds.length);
  }

  it('first run adds every document and embeds every chunk', async () => {
    const s = await ingest({ paths: [docs], index });
    assert.equal(counts(s.documents), '3 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 0 failed');
    assert.equal(s.model, 'hash');
    assert.deepEqual(s.chunking, { chunkSize: 800, chunkOverlap: 100, lengthUnit: 'characters' });
    const store = await IndexStore.open(index);
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md', 'sub/gamma.md']);
    assert.equal(s.chunks.total, store.chunkCount);
    assert.equal(s.chunks.embedded, store.chunkCount);
    assert.equal(s.chunks.removed, 0);
    // gamma is ~2,200 characters: more than one 800-character chunk.
    assert.ok(store.getDocument('sub/gamma.md')!.chunkIds.length >= 3);
    assert.equal(store.getDocument('alpha.md')!.origin, docs);
    await rememberChunks();
  });

  it('a second run with nothing changed embeds nothing and does not rewrite the index', async () => {
    const manifestBefore = await readFile(path.join(index, 'manifest.json'), 'utf8');
    const filesBefore = (await readdir(index)).sort();
    const generation = (await IndexStore.open(index)).manifest.generation;
    const s = await ingest({ paths: [docs], index });
    assert.equal(counts(s.documents), '0 added, 0 updated, 3 unchanged, 0 removed, 0 skipped, 0 failed');
    assert.deepEqual(s.chunks, { embedded: 0, truncated: 0, removed: 0, total: [...chunksOf.values()].reduce((a, b) => a + b) });
    assert.equal((await IndexStore.open(index)).manifest.generation, generation);
    assert.equal(await readFile(path.join(index, 'manifest.json'), 'utf8'), manifestBefore);
    assert.deepEqual((await readdir(index)).sort(), filesBefore);
  });

  it('a changed file is updated and only its chunks are embedded', async () => {
    const generation = (await IndexStore.open(index)).manifest.generation;
    await write(path.join(docs, 'beta.md'), '# Beta\n\nQuantum tunnelling lets electrons cross an energy barrier.\n\nPhotons can tunnel too.\n');
    const s = await ingest({ paths: [docs], index });
    assert.equal(counts(s.documents), '0 added, 1 updated, 2 unchanged, 0 removed, 0 skipped, 0 failed');
    const store = await IndexStore.open(index);
    assert.equal(store.manifest.generation, generation + 1);
    assert.equal(s.chunks.embedded, store.getDocument('beta.md')!.chunkIds.length);
    assert.equal(s.chunks.removed, chunksOf.get('beta.md'));
    assert.equal(s.chunks.total, store.chunkCount);
    const hit = (await query({ text: 'photons tunnel', index, k: 1 })).results[0]!;
    assert.equal(hit.docId, 'beta.md');
    assert.match(hit.text, /Photons can tunnel too\./);
    await rememberChunks();
  });

  it('a deleted file is removed with its chunks', async () => {
    assert.deepEqual((await topDocs(index, 'sourdough starter ferment')).slice(0, 1), ['sub/gamma.md']);
    await unlink(path.join(docs, 'sub', 'gamma.md'));
    const s = await ingest({ paths: [docs], index });
    assert.equal(counts(s.documents), '0 added, 0 updated, 2 unchanged, 1 removed, 0 skipped, 0 failed');
    assert.equal(s.chunks.embedded, 0);
    assert.equal(s.chunks.removed, chunksOf.get('sub/gamma.md'));
    const store = await IndexStore.open(index);
    assert.equal(store.chunkCount, chunksOf.get('alpha.md')! + chunksOf.get('beta.md')!);
    assert.equal(s.chunks.total, store.chunkCount);
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md']);
    // k larger than the index: every chunk comes back, none of them gamma's.
    const all = await topDocs(index, 'sourdough starter ferment', 50);
    assert.equal(all.length, store.chunkCount);
    assert.ok(!all.includes('sub/gamma.md'));
  });

  it('a file that fails to parse is reported, the rest go on, and its stored version is kept', async () => {
    await write(
      path.join(docs, 'report.pdf'),
      makePdf([['Heliotrope quarterly report', 'Revenue grew in the third quarter.'], ['Page two lists the xylophone rehearsal schedule.']]),
    );
    const first = await ingest({ paths: [docs], index });
    assert.equal(counts(first.documents), '1 added, 0 updated, 2 unchanged, 0 removed, 0 skipped, 0 failed');
    const stored = (await IndexStore.open(index)).getDocument('report.pdf')!;
    assert.equal(stored.format, 'pdf');
    // Results from a PDF carry the page they come from.
    const onPage2 = (await query({ text: 'xylophone rehearsal schedule', index, k: 1 })).results[0]!;
    assert.equal(onPage2.docId, 'report.pdf');
    assert.equal(onPage2.page, 2);
    assert.match(onPage2.text, /xylophone rehearsal/);

    // Now the PDF is corrupt, a second corrupt PDF appears and a good file changes.
    await write(path.join(docs, 'report.pdf'), Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\n\x00\x01 garbage'));
    await write(path.join(docs, 'broken.pdf'), Buffer.from('%PDF-1.4\nnot really a pdf'));
    await write(path.join(docs, 'alpha.md'), '# Alpha\n\nThe zebra migration crosses the savanna every spring and autumn.\n');
    const s = await ingest({ paths: [docs], index });
    assert.equal(counts(s.documents), '0 added, 1 updated, 1 unchanged, 0 removed, 0 skipped, 2 failed');
    assert.deepEqual(
      s.notices.map((n) => [path.basename(n.path), n.kind]),
      [['broken.pdf', 'failed'], ['report.pdf', 'failed']],
    );
    for (const n of s.notices) assert.ok(n.reason.length > 0 && !n.reason.includes('\n'), n.reason);

    const store = await IndexStore.open(index);
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md', 'report.pdf']);
    assert.equal(store.getDocument('report.pdf')!.contentHash, stored.contentHash);
    assert.equal((await query({ text: 'heliotrope quarterly report', index, k: 1 })).results[0]!.docId, 'report.pdf');

    // Still failing on the next run: still kept.
    const again = await ingest({ paths: [docs], index });
    assert.equal(counts(again.documents), '0 added, 0 updated, 2 unchanged, 0 removed, 0 skipped, 2 failed');
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md', 'report.pdf']);
    await unlink(path.join(docs, 'broken.pdf'));
  });

  it('binary and unknown files are skipped and counted', async () => {
    await write(path.join(docs, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]));
    await write(path.join(docs, 'data.xyz'), 'plain text in a file of an unknown type\n');
    await write(path.join(docs, 'fake.md'), Buffer.from([0x23, 0x20, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00]));
    const s = await ingest({ paths: [docs], index });
    assert.equal(counts(s.documents), '0 added, 0 updated, 2 unchanged, 0 removed, 3 skipped, 1 failed');
    const skipped = s.notices.filter((n) => n.kind === 'skipped').map((n) => [path.basename(n.path), n.reason]);
    assert.deepEqual(skipped, [
      ['data.xyz', 'unsupported file type .xyz'],
      ['fake.md', 'binary content in a .md file (not UTF-8, UTF-16, GB18030, Big5 or Windows-1252 text)'],
      ['logo.png', 'unsupported file type .png'],
    ]);
    assert.equal(s.chunks.embedded, 0);
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md', 'report.pdf']);
  });

  it('a second folder ingested into the same index leaves the first folder alone', async () => {
    const other = path.join(root, 'other');
    await write(path.join(other, 'delta.md'), '# Delta\n\nGlaciers carve fjords over thousands of years.\n');
    const s = await ingest({ paths: [other], index });
    assert.equal(counts(s.documents), '1 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 0 failed');
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md', 'delta.md', 'report.pdf']);
    assert.equal((await IndexStore.open(index)).getDocument('delta.md')!.origin, other);

    // Re-ingesting the first folder does not remove the second folder's document either.
    const back = await ingest({ paths: [docs], index });
    assert.equal(back.documents.removed, 0);
    assert.deepEqual(await docIds(index), ['alpha.md', 'beta.md', 'delta.md', 'report.pdf']);
    assert.equal((await query({ text: 'glaciers carve fjords', index, k: 1 })).results[0]!.docId, 'delta.md');
    assert.deepEqual(back.warnings, []);
  });

  it('warns when a document replaces one of the same id from another folder', async () => {
    const third = path.join(root, 'third');
    await write(path.join(third, 'delta.md'), '# Delta\n\nVolcanic islands rise from hotspots in the ocean floor.\n');
    const events: string[] = [];
    const s = await ingest({ paths: [third], index, onEvent: (e) => e.type === 'warning' && events.push(e.message) });
    assert.equal(counts(s.documents), '0 added, 1 updated, 0 unchanged, 0 removed, 0 skipped, 0 failed');
    const expected = `delta.md from ${third} replaces the document of the same id ingested from ${path.join(root, 'other')}`;
    assert.deepEqual(s.warnings, [expected]);
    assert.deepEqual(events, [expected]);
    assert.equal((await IndexStore.open(index)).getDocument('delta.md')!.origin, third);
  });

  it('refuses other chunking or another model on an existing index, before any work', async () => {
    const generation = (await IndexStore.open(index)).manifest.generation;
    await assert.rejects(
      ingest({ paths: [docs], index, chunkSize: 300 }),
      (e: unknown) =>
        e instanceof RagError &&
        e.message === `index ${index} was built with chunk size 800 and overlap 100; use those settings, rebuild it to re-chunk, or ingest into another index`,
    );
    await assert.rejects(
      ingest({ paths: [docs], index, model: 'bge-small-zh' }),
      (e: unknown) =>
        e instanceof RagError &&
        e.message === `index ${index} was built with model hash, not bge-small-zh; use model hash or ingest into another index`,
    );
    assert.equal((await IndexStore.open(index)).manifest.generation, generation);
  });
});

describe('ingest(): BEIR corpus.jsonl', () => {
  let dir: string;
  let index: string;
  const line = (id: string, title: string, text: string): string => JSON.stringify({ _id: id, title, text });
  const corpus = (lines: string[]): Promise<void> => write(path.join(dir, 'corpus.jsonl'), `${lines.join('\n')}\n`);
  const base = [
    line('d1', 'Tides', 'The moon pulls the oceans into tides twice a day.'),
    line('d2', 'Volcanoes', 'Magma rises through the crust and erupts as lava.'),
    line('d3', 'Bees', 'Honey bees dance to tell the hive where flowers are.'),
    line('d4', 'Rust', 'Iron oxidises in damp air and forms rust.'),
    line('d5', 'Comets', 'A comet grows a tail of gas and dust near the sun.'),
  ];

  before(async () => {
    dir = path.join(root, 'beir');
    index = path.join(root, 'beir-index');
  });

  it('indexes one document per line with _id as docId', async () => {
    await corpus(base);
    const s = await ingest({ paths: [dir], index });
    assert.equal(counts(s.documents), '5 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 0 failed');
    assert.deepEqual(await docIds(index), ['d1', 'd2', 'd3', 'd4', 'd5']);
    const store = await IndexStore.open(index);
    assert.equal(store.getDocument('d3')!.source, 'corpus.jsonl#d3');
    assert.equal(store.getDocument('d3')!.format, 'beir');
    assert.equal((await query({ text: 'honey bees dance', index, k: 1 })).results[0]!.docId, 'd3');
  });

  it('editing one line updates exactly that document', async () => {
    const edited = [...base];
    edited[2] = line('d3', 'Bees', 'Honey bees dance to tell the hive where clover grows.');
    await corpus(edited);
    const s = await ingest({ paths: [dir], index });
    assert.equal(counts(s.documents), '0 added, 1 updated, 4 unchanged, 0 removed, 0 skipped, 0 failed');
    const store = await IndexStore.open(index);
    assert.equal(s.chunks.embedded, store.getDocument('d3')!.chunkIds.length);
    assert.match((await query({ text: 'clover', index, k: 1 })).results[0]!.text, /clover grows/);

    // A dropped line is a removed document.
    await corpus(edited.slice(0, 4));
    const removed = await ingest({ paths: [dir], index });
    assert.equal(counts(removed.documents), '0 added, 0 updated, 4 unchanged, 1 removed, 0 skipped, 0 failed');
    assert.deepEqual(await docIds(index), ['d1', 'd2', 'd3', 'd4']);
  });

  it('a corpus with a malformed line fails as a whole and keeps its stored documents', async () => {
    await write(path.join(dir, 'corpus.jsonl'), `${base[0]}\n{"_id": "d9", "title": "oops", "text": \n`);
    const s = await ingest({ paths: [dir], index });
    assert.equal(counts(s.documents), '0 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 1 failed');
    assert.equal(s.notices[0]!.kind, 'failed');
    assert.match(s.notices[0]!.reason, /^line 2: /);
    assert.deepEqual(await docIds(index), ['d1', 'd2', 'd3', 'd4']);
  });
});

describe('ingest(): legacy Chinese encodings', () => {
  it('decodes a GBK text file and finds it with a Chinese query', async () => {
    const dir = path.join(root, 'zh');
    const index = path.join(root, 'zh-index');
    const leave = '员工每年享有带薪年假，入职满一年后可以申请。年假需要提前三个工作日在系统里提交申请，由直属主管审批。';
    await write(path.join(dir, 'leave.txt'), iconv.encode(`年假制度\n\n${leave}\n`, 'gbk'));
    await write(path.join(dir, 'network.md'), '# 办公网络\n\n访客请连接访客无线网络，密码每周更换一次，可以向前台索取。\n');
    await write(path.join(dir, 'deploy.md'), '# 发布流程\n\n每次上线前需要通过代码评审和自动化测试，发布窗口为周二和周四下午。\n');
    const s = await ingest({ paths: [dir], index });
    assert.equal(counts(s.documents), '3 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 0 failed');
    const r = await query({ text: '怎么申请带薪年假', index, k: 3 });
    assert.equal(r.results[0]!.docId, 'leave.txt');
    assert.ok(r.results[0]!.text.includes(leave), r.results[0]!.text);
  });
});
