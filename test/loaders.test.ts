import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import iconv from 'iconv-lite';
import JSZip from 'jszip';

import { RagError } from '../src/errors.js';
import { characterLength, chunkDocument } from '../src/ingest/chunk.js';
import type { SourceFile } from '../src/ingest/discover.js';
import { computeContentHash, detectFormat, FileLoadError, loadFile } from '../src/ingest/loaders/index.js';
import { joinLineWraps } from '../src/ingest/normalize.js';
import type { LoadedDocument } from '../src/ingest/types.js';
import { makeDocx } from './helpers/make-docx.js';
import { makePdf, makeScannedPdf } from './helpers/make-pdf.js';

let tmp: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rag-loaders-'));
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Write a file into the temp dir and describe it the way discoverFiles would. */
async function source(relPath: string, content: string | Buffer): Promise<SourceFile> {
  const absPath = path.join(tmp, ...relPath.split('/'));
  await fs.mkdir(path.dirname(absPath), { recursive: true });
  await fs.writeFile(absPath, content);
  return { absPath, origin: tmp, relPath, size: Buffer.byteLength(content) };
}

async function loadOne(relPath: string, content: string | Buffer): Promise<LoadedDocument> {
  const { documents } = await loadFile(await source(relPath, content));
  assert.equal(documents.length, 1);
  const doc = documents[0]!;
  assert.equal(doc.contentHash, computeContentHash(doc.format, doc.title, doc.text));
  return doc;
}

async function loadError(relPath: string, content: string | Buffer): Promise<string> {
  const file = await source(relPath, content);
  try {
    await loadFile(file);
  } catch (err) {
    assert.ok(err instanceof RagError, `expected a RagError, got ${String(err)}`);
    assert.ok(err instanceof FileLoadError);
    assert.equal(err.absPath, file.absPath);
    // The message is the path followed by the reason, on one line.
    assert.equal(err.message.includes('\n'), false);
    assert.ok(err.message === `${file.absPath}: ${err.reason}` || err.message === `${file.absPath} ${err.reason}`);
    return err.message;
  }
  assert.fail(`${relPath} loaded without error`);
}

describe('joinLineWraps', () => {
  it('joins a wrap between two CJK characters without a space', () => {
    assert.equal(joinLineWraps('向量数据库通过近似最近邻搜索来提\n高检索速度。'), '向量数据库通过近似最近邻搜索来提高检索速度。');
  });

  it('joins a wrap between Latin words with one space and trims line ends', () => {
    assert.equal(joinLineWraps('Dense retrieval maps   \n  queries and passages'), 'Dense retrieval maps queries and passages');
  });

  it('de-hyphenates a word split across lines, but keeps the hyphen of a compound', () => {
    assert.equal(joinLineWraps('improves retrie-\nval quality'), 'improves retrieval quality');
    assert.equal(joinLineWraps('a state-of-the-\nart model'), 'a state-of-the-art model');
    assert.equal(joinLineWraps('BM25 and TF-\nIDF'), 'BM25 and TF-IDF');
    assert.equal(joinLineWraps('a dash -\nthen more'), 'a dash - then more');
  });

  it('joins mixed CJK/Latin wraps without a space', () => {
    assert.equal(joinLineWraps('我们使用\nBERT 模型'), '我们使用BERT 模型');
    assert.equal(joinLineWraps('based on BERT\n模型'), 'based on BERT模型');
  });

  it('keeps breaks after sentence punctuation, before list items and between paragraphs', () => {
    assert.equal(
      joinLineWraps('First sentence.\nSecond line\ncontinues here\n\n\n第二段第一句。\n第二句\n继续\n- item one\n• item two\n1. item three'),
      'First sentence.\nSecond line continues here\n\n第二段第一句。\n第二句继续\n- item one\n• item two\n1. item three',
    );
    assert.equal(joinLineWraps('他说：“好。”\n然后离开'), '他说：“好。”\n然后离开');
  });

  it('normalises CRLF, drops blank-only lines at the edges and keeps Korean word spaces', () => {
    assert.equal(joinLineWraps('\r\n  \r\nline one\r\nline two\r\n\r\n'), 'line one line two');
    assert.equal(joinLineWraps('검색 속도를\n높입니다'), '검색 속도를 높입니다');
  });
});

describe('detectFormat', () => {
  const text = Buffer.from('hello');
  it('maps extensions and corpus files to formats', () => {
    assert.equal(detectFormat('/d/a.md', text), 'markdown');
    assert.equal(detectFormat('/d/a.MARKDOWN', text), 'markdown');
    assert.equal(detectFormat('/d/a.txt', text), 'text');
    assert.equal(detectFormat('/d/a.rst', text), 'text');
    assert.equal(detectFormat('/d/a.htm', text), 'html');
    assert.equal(detectFormat('/d/a.pdf', Buffer.from('%PDF-1.7')), 'pdf');
    assert.equal(detectFormat('/d/a.docx', Buffer.from('PK\u0003\u0004')), 'docx');
    assert.equal(detectFormat('/d/corpus.jsonl', Buffer.from('')), 'beir');
    assert.equal(detectFormat('/d/docs.jsonl', Buffer.from('{"_id":"1","title":"t","text":"x"}\n{')), 'beir');
    assert.equal(detectFormat('/d/LICENSE', text), 'text');
  });

  it('returns null for unknown types and binary content', () => {
    assert.equal(detectFormat('/d/a.png', text), null);
    assert.equal(detectFormat('/d/events.jsonl', Buffer.from('{"id":"1","msg":"x"}\n')), null);
    assert.equal(detectFormat('/d/questions.jsonl', Buffer.from('{"_id":"q1","text":"what?"}\n')), null);
    assert.equal(detectFormat('/d/queries.jsonl', Buffer.from('{"_id":"q1","title":"","text":"what?"}\n')), null);
    assert.equal(detectFormat('/d/a.txt', Buffer.from([0x41, 0, 0, 0, 0x42])), null);
    assert.equal(detectFormat('/d/blob', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0])), null);
  });
});

describe('loadFile: markdown', () => {
  it('strips YAML front matter and takes its title', async () => {
    const doc = await loadOne(
      'guide/intro.md',
      '---\r\ntitle: "Getting started: 入门"\r\ntags: [a, b]\r\n---\r\n\r\n# Heading\r\n\r\nBody 正文。\r\n',
    );
    assert.deepEqual(doc, {
      docId: 'guide/intro.md',
      source: 'guide/intro.md',
      format: 'markdown',
      title: 'Getting started: 入门',
      text: '# Heading\n\nBody 正文。\n',
      contentHash: doc.contentHash,
    });
  });

  it('uses the first level-1 heading outside code fences as title', async () => {
    const doc = await loadOne('b.md', 'Intro line\n\n```sh\n# not a heading\n```\n\n## Sub\n\n# 向量检索 #\n\ntext\n');
    assert.equal(doc.title, '向量检索');
    assert.equal(doc.text, 'Intro line\n\n```sh\n# not a heading\n```\n\n## Sub\n\n# 向量检索 #\n\ntext\n');
  });

  it('has no title when there is neither front matter title nor h1', async () => {
    const doc = await loadOne('c.markdown', '## only h2\n');
    assert.equal('title' in doc, false);
  });

  it('decodes a GBK markdown file', async () => {
    const doc = await loadOne('gbk.md', iconv.encode('# 检索增强生成\n\n向量数据库通过近似最近邻搜索来提高检索速度。\n', 'gbk'));
    assert.equal(doc.title, '检索增强生成');
    assert.equal(doc.text, '# 检索增强生成\n\n向量数据库通过近似最近邻搜索来提高检索速度。\n');
  });
});

describe('loadFile: text', () => {
  it('loads UTF-16LE text as decoded, with LF line endings', async () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('第一行\r\nsecond line\r\n', 'utf16le')]);
    const doc = await loadOne('notes.txt', body);
    assert.deepEqual(doc, {
      docId: 'notes.txt',
      source: 'notes.txt',
      format: 'text',
      text: '第一行\nsecond line\n',
      contentHash: doc.contentHash,
    });
  });

  it('loads GB18030 text with a file name without extension', async () => {
    const doc = await loadOne('README', Buffer.concat([Buffer.from('Version 2\n'), iconv.encode('说明文档𠀀', 'gb18030')]));
    assert.equal(doc.format, 'text');
    assert.equal(doc.text, 'Version 2\n说明文档𠀀');
  });
});

describe('loadFile: html', () => {
  it('keeps visible text only, breaks at blocks and decodes entities', async () => {
    const html = `<!DOCTYPE html>
<html><head>
  <meta charset="utf-8"><title> RAG &amp; 检索 </title>
  <style>body { color: red; }</style>
  <script>var hidden = "<p>not text</p>";</script>
</head>
<body>
  <noscript>Enable JavaScript</noscript>
  <template><p>template text</p></template>
  <h1>Vector&nbsp;search</h1>
  <p>First   paragraph
     continues.</p><p>Second&#x20;paragraph &lt;b&gt; &copy; 2024</p>
  <div>向量数据库通过近似最近邻搜索来提
  高检索速度。</div>
  <ul><li>one</li><li>two<br>three</li></ul>
  <table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
  <svg><title>icon</title><text>svg label</text></svg>
  <p>Inline <b>bold</b><i>italic</i> text</p>
  <script type="module">console.log("x")</script>
</body></html>`;
    const doc = await loadOne('page.html', html);
    assert.equal(doc.title, 'RAG & 检索');
    assert.equal(
      doc.text,
      [
        'Vector search',
        '',
        'First paragraph continues.',
        '',
        'Second paragraph <b> © 2024',
        '',
        '向量数据库通过近似最近邻搜索来提高检索速度。',
        '',
        'one',
        'two',
        'three',
        '',
        'a b',
        'c d',
        '',
        'Inline bolditalic text',
      ].join('\n'),
    );
  });

  it('uses the first h1 as title when there is no <title>, and survives a missing </head>', async () => {
    const doc = await loadOne('x.htm', '<html><head><style>p{}</style><body><h1>Main <em>topic</em></h1><p>Body</p><h1>Second</h1>');
    assert.equal(doc.title, 'Main topic');
    assert.equal(doc.text, 'Main topic\n\nBody\n\nSecond');
  });
});

describe('loadFile: pdf', () => {
  const pages = [
    ['Vector databases speed up retrieval.', '向量数据库通过近似最近邻搜索来提', '高检索速度。'],
    ['Chunking splits long documents into retrie-', 'val units.'],
  ];

  it('extracts Chinese and English text per page, joins wraps and fills page spans', async () => {
    const doc = await loadOne('papers/rag.pdf', makePdf(pages));
    const page1 = 'Vector databases speed up retrieval.\n向量数据库通过近似最近邻搜索来提高检索速度。';
    const page2 = 'Chunking splits long documents into retrieval units.';
    assert.deepEqual(doc, {
      docId: 'papers/rag.pdf',
      source: 'papers/rag.pdf',
      format: 'pdf',
      text: `${page1}\n\n${page2}`,
      pages: [
        { page: 1, start: 0, end: page1.length },
        { page: 2, start: page1.length + 2, end: page1.length + 2 + page2.length },
      ],
      contentHash: doc.contentHash,
    });
    for (const span of doc.pages ?? []) {
      assert.equal(doc.text.slice(span.start, span.end), span.page === 1 ? page1 : page2);
    }
  });

  it('keeps a title in a larger font as its own block and heading, and splits paragraphs at vertical gaps', async () => {
    const pdf = makePdf([
      [
        { text: '差旅报销制度（二〇二五年版）', size: 18 },
        { text: '第一章 总则', size: 15, gap: 30 },
        { text: '第一条员工因公出差，应当事先提交出差申', gap: 26 },
        '请，经部门负责人批准后方可出行。',
        { text: '第二条出差期间的交通、住宿费用按标准报', gap: 32 },
        '销。',
      ],
    ]);
    const doc = await loadOne('travel.pdf', pdf);
    assert.equal(
      doc.text,
      '差旅报销制度（二〇二五年版）\n\n第一章 总则\n\n第一条员工因公出差，应当事先提交出差申请，经部门负责人批准后方可出行。\n\n第二条出差期间的交通、住宿费用按标准报销。',
    );
    const chunks = chunkDocument(doc, { chunkSize: 30, chunkOverlap: 0, lengthUnit: 'characters' }, characterLength);
    const first = chunks.find((c) => c.text.includes('第一条'));
    const second = chunks.find((c) => c.text.includes('第二条'));
    assert.ok(first !== undefined && second !== undefined, JSON.stringify(chunks.map((c) => c.text)));
    assert.deepEqual(first.headings, ['差旅报销制度（二〇二五年版）', '第一章 总则']);
    assert.deepEqual(second.headings, ['差旅报销制度（二〇二五年版）', '第一章 总则']);
    assert.notEqual(first, second, 'the paragraph gap splits the two articles');
    assert.ok(chunks.every((c) => !c.text.includes('）第一条')), 'the title is not glued to the paragraph');
  });

  it('without font or gap differences, a page stays one paragraph of joined wraps', async () => {
    const doc = await loadOne('plain.pdf', makePdf([['第一行没有句号', '第二行接着写。', 'Third line.']]));
    assert.equal(doc.text, '第一行没有句号第二行接着写。\nThird line.');
    assert.equal(doc.sections, undefined);
  });

  it('leaves pages without text out of text and spans', async () => {
    const doc = await loadOne('gap.pdf', makePdf([['Page one.'], [], ['Page three.']]));
    assert.equal(doc.text, 'Page one.\n\nPage three.');
    assert.deepEqual(doc.pages, [
      { page: 1, start: 0, end: 9 },
      { page: 3, start: 11, end: 22 },
    ]);
  });

  it('fails with a one-line RagError for a corrupt PDF', async () => {
    const message = await loadError('broken.pdf', '%PDF-1.7\n1 0 obj << /Type /Catalog\n%%EOF\n');
    assert.equal(message, `${path.join(tmp, 'broken.pdf')}: not a valid PDF (Invalid PDF structure)`);
  });

  it('refuses a truncated PDF (no %%EOF) even where pdf.js would read the pages before the cut', async () => {
    const pdf = makePdf([['First page survives.'], ['Second page.']]);
    const message = await loadError('cut.pdf', pdf.subarray(0, pdf.length - 30));
    assert.equal(
      message,
      `${path.join(tmp, 'cut.pdf')}: truncated PDF (no %%EOF marker at the end; the file was cut off): download or export it again`,
    );
  });

  it('reports a PDF that needs a password as encrypted, and reads one protected by an owner password only', async () => {
    const pages = [['Encrypted marmalade recipe']];
    const locked = await loadError('locked.pdf', makePdf(pages, { encrypt: { userPassword: 'u', ownerPassword: 'o' } }));
    assert.equal(locked, `${path.join(tmp, 'locked.pdf')}: encrypted (password required); save an unprotected copy to ingest it`);
    const open = await loadOne('open.pdf', makePdf(pages, { encrypt: { userPassword: '', ownerPassword: 'o' } }));
    assert.equal(open.text, 'Encrypted marmalade recipe');
  });

  it('fails for a PDF without any text', async () => {
    const message = await loadError('scan.pdf', makePdf([[]]));
    assert.equal(message, `${path.join(tmp, 'scan.pdf')}: no text: none of its 1 page has a text layer (scanned?); run OCR on it first, e.g. with ocrmypdf`);
    const scanned = await loadError('scan2.pdf', makeScannedPdf(3));
    assert.equal(scanned, `${path.join(tmp, 'scan2.pdf')}: no text: none of its 3 pages have a text layer (scanned?); run OCR on it first, e.g. with ocrmypdf`);
  });
});

describe('loadFile: docx', () => {
  it('extracts paragraphs separated by blank lines', async () => {
    const doc = await loadOne('report.docx', await makeDocx(['Quarterly report', '向量数据库通过近似最近邻搜索来提高检索速度。', 'Tom & Jerry <3']));
    assert.deepEqual(doc, {
      docId: 'report.docx',
      source: 'report.docx',
      format: 'docx',
      text: 'Quarterly report\n\n向量数据库通过近似最近邻搜索来提高检索速度。\n\nTom & Jerry <3',
      contentHash: doc.contentHash,
    });
  });

  it('fails with a one-line RagError for a broken zip', async () => {
    const message = await loadError('broken.docx', Buffer.from('PK\u0003\u0004 this is not really a zip archive'));
    assert.equal(message, `${path.join(tmp, 'broken.docx')}: not a valid .docx (not a zip archive)`);
  });

  it('fails for a zip that is not a Word document', async () => {
    const zip = new JSZip();
    zip.file('hello.txt', 'not a document');
    const message = await loadError('other.docx', await zip.generateAsync({ type: 'nodebuffer' }));
    assert.equal(message, `${path.join(tmp, 'other.docx')}: not a valid .docx (Could not find main document part)`);
  });
});

describe('loadFile: BEIR corpus', () => {
  it('turns each line into a document with title prepended to text', async () => {
    const lines = [
      JSON.stringify({ _id: 'd1', title: 'Vector search', text: 'HNSW is a graph index.' }),
      '',
      JSON.stringify({ _id: 'd2', title: '', text: '没有标题的文档。' }),
      JSON.stringify({ _id: 3, text: 'numeric id, no title' }),
    ];
    const { documents } = await loadFile(await source('beir/corpus.jsonl', lines.join('\r\n') + '\n'));
    assert.deepEqual(
      documents.map(({ contentHash, ...rest }) => {
        assert.equal(contentHash, computeContentHash(rest.format, rest.title, rest.text));
        return rest;
      }),
      [
        { docId: 'd1', source: 'beir/corpus.jsonl#d1', format: 'beir', title: 'Vector search', text: 'Vector search\nHNSW is a graph index.' },
        { docId: 'd2', source: 'beir/corpus.jsonl#d2', format: 'beir', text: '没有标题的文档。' },
        { docId: '3', source: 'beir/corpus.jsonl#3', format: 'beir', text: 'numeric id, no title' },
      ],
    );
  });

  it('fails the whole file on a malformed line, naming the line', async () => {
    const good = JSON.stringify({ _id: 'a', title: 't', text: 'x' });
    const base = path.join(tmp, 'bad');
    const cases: [string, string][] = [
      [`${good}\n{"_id": "b", "text": "unterminated\n`, 'line 2: not valid JSON'],
      [`${good}\n\n["_id", "text"]\n`, 'line 3: expected a JSON object with "_id" and "text"'],
      [`{"title": "t", "text": "x"}\n`, 'line 1: missing "_id"'],
      [`{"_id": "a", "title": "t"}\n`, 'line 1: missing "text"'],
      [`{"_id": "a", "text": 5}\n`, 'line 1: "text" must be a string'],
      [`${good}\n${good}\n`, 'line 2: duplicate "_id" "a" (first on line 1)'],
    ];
    for (const [i, [content, expected]] of cases.entries()) {
      const message = await loadError(`bad/${i}/corpus.jsonl`, content);
      assert.equal(message, `${path.join(base, String(i), 'corpus.jsonl')} ${expected}`);
    }
  });

  it('loads a 4 MB corpus of 2,500 lines', async () => {
    const filler = 'Retrieval augmented generation grounds answers in documents. 检索增强生成。'.repeat(22);
    const lines: string[] = [];
    for (let i = 0; i < 2500; i++) lines.push(JSON.stringify({ _id: `doc-${i}`, title: `Title ${i}`, text: `${i} ${filler}` }));
    const content = lines.join('\n') + '\n';
    assert.ok(Buffer.byteLength(content) > 4_000_000);
    const file = await source('big/corpus.jsonl', content);
    const { documents } = await loadFile(file);
    assert.equal(documents.length, 2500);
    assert.equal(documents[2499]?.text, `Title 2499\n2499 ${filler}`);
  });

  const scifact = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'datasets', 'scifact', 'corpus.jsonl');
  it('loads the real SciFact corpus', { skip: existsSync(scifact) ? false : 'shared SciFact dataset not present' }, async () => {
    const lines = (await fs.readFile(scifact, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
    const stat = await fs.stat(scifact);
    const { documents } = await loadFile({ absPath: scifact, origin: scifact, relPath: 'corpus.jsonl', size: stat.size });
    assert.equal(documents.length, lines);
    assert.equal(new Set(documents.map((d) => d.docId)).size, lines);
  });
});

describe('contentHash', () => {
  it('is stable across loads and changes with title or text', async () => {
    const a = await loadOne('h/a.md', '# T\n\nbody');
    const again = await loadOne('h/a2.md', '# T\n\nbody');
    const otherText = await loadOne('h/b.md', '# T\n\nbody!');
    assert.equal(a.contentHash, again.contentHash);
    assert.notEqual(a.contentHash, otherText.contentHash);
    assert.match(a.contentHash, /^[0-9a-f]{64}$/);
    assert.notEqual(computeContentHash('text', 'ab', 'c'), computeContentHash('text', 'a', 'bc'));
    assert.notEqual(computeContentHash('text', undefined, 'x'), computeContentHash('markdown', undefined, 'x'));
  });
});
