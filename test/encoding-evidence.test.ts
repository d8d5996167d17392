/**
 * Encodings decided per file from the evidence (issue 22 item 5) and loaders that sniff what a
 * file really is (item 6). Every case is a real file on disk in its encoding, loaded by loadFile
 * or ingested by the CLI, with the one notice it must print.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { decodeText, looksLikeText } from '../src/ingest/encoding.js';
import type { SourceFile } from '../src/ingest/discover.js';
import { classifyFile, FileLoadError, loadFile } from '../src/ingest/loaders/index.js';
import { makeDocx } from './helpers/make-docx.js';
import { makePdf } from './helpers/make-pdf.js';
import { runCli, tempDir } from './helpers/cli.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rag-evidence-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function source(relPath: string, content: Buffer): Promise<SourceFile> {
  const absPath = path.join(tmp, relPath);
  await mkdir(path.dirname(absPath), { recursive: true });
  await writeFile(absPath, content);
  return { absPath, origin: tmp, relPath, size: content.length };
}

const ENGLISH = 'Rotating API keys: create the new key, deploy it, then revoke the old one after a day. ';

describe('encodings decided from the evidence', () => {
  it('keeps an English UTF-8 file with two stray bytes UTF-8, the bytes counted in one notice', async () => {
    const bytes = Buffer.concat([Buffer.from(ENGLISH.repeat(3)), Buffer.from([0x80]), Buffer.from(' costs '), Buffer.from([0x81]), Buffer.from(' more.\n')]);
    const loaded = await loadFile(await source('stray.txt', bytes));
    assert.equal(loaded.encoding, 'utf-8');
    const text = loaded.documents[0]!.text;
    assert.ok(!text.includes('€'), 'a stray 0x80 is not a euro sign');
    assert.equal(text.split('\uFFFD').length - 1, 2);
    assert.deepEqual(loaded.warnings, [
      {
        code: 'invalid-encoding',
        reason: 'not valid UTF-8: 2 invalid byte sequences replaced with U+FFFD, the rest ingested',
        why: { reasonCode: 'bytes-replaced', params: { encoding: 'UTF-8', replaced: 2, nuls: 0 } },
      },
    ]);
  });

  it('loads valid UTF-8 Markdown with a stray NUL byte, dropping the NUL', async () => {
    const md = Buffer.from('# 向量检索\n\nHNSW 图索引\u0000提高检索速度。\n');
    const file = await source('nul.md', md);
    assert.equal(classifyFile(file.absPath, md).format, 'markdown');
    const loaded = await loadFile(file);
    assert.equal(loaded.documents[0]!.text, '# 向量检索\n\nHNSW 图索引提高检索速度。\n');
    assert.deepEqual(loaded.warnings, [
      {
        code: 'invalid-encoding',
        reason: 'read as UTF-8: 1 stray NUL byte dropped, the rest ingested',
        why: { reasonCode: 'nuls-dropped', params: { encoding: 'UTF-8', replaced: 0, nuls: 1 } },
      },
    ]);
    // Many NULs still mean binary.
    assert.equal(looksLikeText(Buffer.from([0x41, 0, 0, 0, 0x42])), false);
  });

  it('decodes Latin-1 and Windows-1252 text, saying so once', async () => {
    const latin = iconv.encode('Le café est très chaud. Müller fährt nach Zürich. Señor, ¿qué tal?\n', 'latin1');
    const cp1252 = iconv.encode('He said “hello” — it’s déjà vu… a naïve façade.\n', 'win1252');
    for (const [name, bytes, expected] of [
      ['latin1.txt', latin, 'Le café est très chaud. Müller fährt nach Zürich. Señor, ¿qué tal?\n'],
      ['cp1252.md', cp1252, 'He said “hello” — it’s déjà vu… a naïve façade.\n'],
    ] as const) {
      const loaded = await loadFile(await source(name, bytes));
      assert.equal(loaded.documents[0]!.text, expected);
      assert.equal(loaded.encoding, 'windows-1252');
      assert.deepEqual(loaded.warnings, [
        { code: 'legacy-encoding', reason: 'read as Windows-1252 (Latin-1) (detected)', why: { reasonCode: 'read-as-detected', params: { encoding: 'Windows-1252 (Latin-1)' } } },
      ]);
    }
    assert.equal(decodeText(latin, { encoding: 'windows-1252' }).text.slice(0, 8), 'Le café ');
  });

  it('still reads GBK and Big5, including English with a single Chinese word', async () => {
    const mixed = Buffer.concat([Buffer.from('English text with one word '), iconv.encode('中文', 'gbk'), Buffer.from(' in it.\n')]);
    assert.equal(decodeText(mixed).encoding, 'gb18030');
    assert.equal(decodeText(mixed).text, 'English text with one word 中文 in it.\n');
    const big5 = iconv.encode('差旅報銷制度（二〇二五年版）第一條員工因公出差，按本制度報銷。', 'big5');
    assert.equal(decodeText(big5).encoding, 'big5');
    const gbk = iconv.encode('差旅报销制度（二〇二五年版）第一条员工因公出差，按本制度报销。', 'gbk');
    assert.equal(decodeText(gbk).encoding, 'gb18030');
  });

  it('prints the notices through rag ingest', async () => {
    const cwd = await tempDir('evidence-cli');
    await mkdir(path.join(cwd, 'docs'));
    await writeFile(path.join(cwd, 'docs', 'latin.txt'), iconv.encode('Crème brûlée recipe: café, sucre, œufs.\n', 'win1252'));
    await writeFile(path.join(cwd, 'docs', 'nul.md'), Buffer.from('# Notes\n\nplain\u0000 text\n'));
    const r = await runCli(['ingest', 'docs', '--index', 'idx'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /latin\.txt.*read as Windows-1252 \(Latin-1\) \(detected\)/);
    assert.match(r.stderr, /nul\.md.*1 stray NUL byte dropped/);
    assert.doesNotMatch(r.stderr, /binary content/);
  });
});

describe('loaders sniff what a file really is', () => {
  const html = Buffer.from('<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>gone</body></html>\n');

  it('says a .pdf that is HTML is not a PDF', async () => {
    await assert.rejects(loadFile(await source('report.pdf', html)), (err: unknown) => {
      assert.ok(err instanceof FileLoadError);
      assert.equal(err.reason, 'not a PDF (looks like HTML)');
      return true;
    });
    await assert.rejects(loadFile(await source('zip.pdf', await makeDocx(['x']))), { reason: 'not a PDF (looks like a ZIP archive)' });
    await assert.rejects(loadFile(await source('text.pdf', Buffer.from('just some words\n'))), { reason: 'not a PDF (looks like plain text)' });
  });

  it('says a .docx that is HTML, a PDF or an old .doc is not a .docx', async () => {
    await assert.rejects(loadFile(await source('page.docx', html)), { reason: 'not a .docx (looks like HTML)' });
    await assert.rejects(loadFile(await source('paper.docx', makePdf([['第一页']]))), { reason: 'not a .docx (looks like a PDF)' });
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    await assert.rejects(loadFile(await source('old.docx', ole)), { reason: 'not a .docx (looks like an old binary Word .doc file): save it as .docx in Word or LibreOffice' });
  });

  it('says a corpus.jsonl that is an HTML page is not JSON lines', async () => {
    await assert.rejects(loadFile(await source('web/corpus.jsonl', html)), { reason: 'not JSON lines (looks like HTML)' });
  });

  it('names what a binary file in a text format looks like', async () => {
    const pdf = makePdf([['正文']]);
    assert.equal(classifyFile('/d/notes.md', pdf).reason, 'binary content in a .md file (looks like a PDF)');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
    assert.equal(classifyFile('/d/page.html', png).reason, 'binary content in a .html file (looks like a PNG image)');
  });

  it('still loads real PDF and DOCX files', async () => {
    const pdf = await loadFile(await source('ok.pdf', makePdf([['差旅报销制度']])));
    assert.match(pdf.documents[0]!.text, /差旅报销制度/);
    const docx = await loadFile(await source('ok.docx', await makeDocx(['第一段', '第二段'])));
    assert.equal(docx.documents[0]!.text, '第一段\n\n第二段');
  });
});
