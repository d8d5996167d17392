/**
 * `rag eval --dataset DIR` builds its per-model index through ingest's own loading and writing,
 * so on a folder with skipped files and odd encodings both report the same notices and index the
 * same chunks. Library and CLI both checked.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import iconv from 'iconv-lite';

import { evaluate } from '../src/eval/runner.js';
import type { LoadNotice } from '../src/ingest/discover.js';
import { ingest } from '../src/ingest/pipeline.js';
import { runCli, tempDir } from './helpers/cli.js';

/** Notices as comparable strings, in a stable order. */
function keys(notices: readonly LoadNotice[]): string[] {
  return notices.map((n) => `${n.kind} ${n.code} ${n.path}: ${n.reason}`).sort();
}

describe('eval and ingest agree on a messy folder', () => {
  let root: string;
  let docs: string;
  before(async () => {
    root = await tempDir('agree');
    docs = path.join(root, 'set', 'docs');
    await mkdir(docs, { recursive: true });
    const long = 'Vector databases index embeddings so that nearest neighbours are found quickly. '.repeat(40);
    await writeFile(path.join(docs, 'vectors.md'), `# Vector databases\n\n${long}\n`);
    await writeFile(path.join(docs, 'travel.txt'), 'Travel expenses are reimbursed within thirty days of the trip.\n');
    await writeFile(path.join(docs, 'gbk.txt'), iconv.encode('差旅报销\n\n员工出差报销需要在三十天内提交发票。\n', 'gbk'));
    await writeFile(path.join(docs, 'big5.txt'), iconv.encode('資料庫\n\n資料庫檢索的效率很重要。\n', 'big5'));
    // Mostly UTF-8 with one stray byte: ingested with U+FFFD and a warning.
    await writeFile(path.join(docs, 'broken.txt'), Buffer.concat([Buffer.from('Invoices are due at the end of the month. '), Buffer.from([0xff]), Buffer.from(' Late ones are flagged.\n')]));
    await writeFile(path.join(docs, 'empty.md'), '   \n\n');
    await writeFile(path.join(docs, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    await writeFile(path.join(docs, 'data.bin'), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)));
    await writeFile(
      path.join(root, 'set', 'queries.jsonl'),
      [
        { query: 'vector database nearest neighbours', relevant: ['vectors.md'] },
        { query: 'travel reimbursement', relevant: ['travel.txt'] },
        { query: 'empty file', relevant: ['empty.md'] },
      ].map((q) => JSON.stringify(q)).join('\n') + '\n',
    );
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('same notices and the same chunk count (library)', async () => {
    const ingestNotices: LoadNotice[] = [];
    const summary = await ingest({
      paths: [docs],
      index: path.join(root, 'idx'),
      chunkSize: 200,
      chunkOverlap: 20,
      maxFileSize: Number.POSITIVE_INFINITY,
      onEvent: (e) => {
        if (e.type === 'notice') ingestNotices.push(e.notice);
      },
    });
    const evalNotices: LoadNotice[] = [];
    let unknownDocuments: string[] = [];
    const results = await evaluate({
      dataset: path.join(root, 'set'),
      chunkSize: 200,
      chunkOverlap: 20,
      workDir: root,
      onEvent: (e) => {
        if (e.type === 'notice') evalNotices.push(e.notice);
        if (e.type === 'dataset') unknownDocuments = e.warnings.unknownDocuments.examples;
      },
    });

    // The folder really is messy: skipped files and encoding notices, not just clean text.
    const codes = new Set(ingestNotices.map((n) => n.code));
    for (const code of ['empty', 'legacy-encoding', 'invalid-encoding']) assert.ok(codes.has(code as LoadNotice['code']), `expected a ${code} notice: ${keys(ingestNotices).join('; ')}`);
    assert.ok(summary.documents.skipped >= 2, `skipped: ${summary.documents.skipped}`);

    assert.deepEqual(keys(evalNotices), keys(ingestNotices));
    assert.deepEqual(keys(evalNotices), keys(summary.notices));
    assert.equal(results.runs[0]!.cost.chunks, summary.chunks.total);
    // The label on the empty (skipped) file is dropped as naming an unknown document.
    assert.deepEqual(unknownDocuments, ['q3 -> empty.md']);
  });

  it('the CLI prints the same notice lines for both', async () => {
    const ing = await runCli(['ingest', 'set/docs', '--index', 'idx-cli', '--chunk-size', '200', '--chunk-overlap', '20'], { cwd: root, timeoutMs: 120_000 });
    assert.equal(ing.code, 0, ing.stderr);
    const ev = await runCli(['eval', '--dataset', 'set', '--chunk-size', '200', '--chunk-overlap', '20', '--json'], { cwd: root, timeoutMs: 120_000 });
    assert.equal(ev.code, 0, ev.stderr);
    const noticeLines = (stderr: string): string[] =>
      stderr.split('\n').filter((l) => /^(failed|skipped|warning|note) /.test(l)).sort();
    const fromIngest = noticeLines(ing.stderr);
    assert.ok(fromIngest.length >= 4, ing.stderr);
    assert.deepEqual(noticeLines(ev.stderr), fromIngest);
    const summaryChunks = /chunks: \d+ embedded, \d+ removed, (\d+) in the index/.exec(ing.stdout)?.[1];
    const results = JSON.parse(ev.stdout) as { runs: Array<{ cost: { chunks: number } }> };
    assert.equal(String(results.runs[0]!.cost.chunks), summaryChunks);
  });
});
