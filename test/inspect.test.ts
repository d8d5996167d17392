/**
 * `rag inspect`: the documents of a real index with chunk counts, and one document's chunks with
 * spans in the original file (front matter and CRLF counted), checked against the file's bytes.
 * Also the "did you mean" hint for an unknown document id, in inspect and in labeled sets.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { loadDataset } from '../src/eval/dataset.js';
import { closestId } from '../src/text/closest.js';
import { lines, runCli, tempDir } from './helpers/cli.js';

interface Span {
  in: 'file' | 'text';
  start: { offset: number; line?: number; column?: number };
  end: { offset: number; line?: number; column?: number };
}
interface Inspected {
  documents: Array<{ docId: string; chunkCount: number; title?: string }>;
  chunks?: Array<{ text: string; headings: string[]; textStart: number; span: Span }>;
  note?: string;
}

const FRONT = '---\ntitle: 差旅报销制度\ntags: [财务, 制度]\n---\n\n';
const BODY = ['# 差旅报销制度', '', '第一条 员工因公出差，按本制度报销。', '', '## 住宿', '', '住宿标准按城市等级执行，一线城市每晚不超过六百元。', ''].join('\r\n');

let cwd: string;
const rag = (args: string[]) => runCli(args, { cwd });

before(async () => {
  cwd = await tempDir('inspect');
  await mkdir(path.join(cwd, 'docs'));
  await writeFile(path.join(cwd, 'docs', 'policy.md'), FRONT + BODY);
  // Big5 on disk: spans are characters of the decoded file, not bytes.
  await writeFile(path.join(cwd, 'docs', 'notes.txt'), iconv.encode('第一行說明\n第二行：資料庫索引設定\n', 'big5'));
  const r = await rag(['ingest', 'docs', '--index', 'idx', '--chunk-size', '40', '--chunk-overlap', '0', '--chunk-unit', 'characters']);
  assert.equal(r.code, 0, r.stderr);
});

describe('rag inspect', () => {
  it('lists every document with its chunk count', async () => {
    const r = await rag(['inspect', '--index', 'idx', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as Inspected;
    assert.deepEqual(result.documents.map((d) => d.docId), ['notes.txt', 'policy.md']);
    assert.equal(result.documents.find((d) => d.docId === 'policy.md')?.title, '差旅报销制度');
    for (const d of result.documents) assert.ok(d.chunkCount >= 1);
    const text = await rag(['inspect', '--index', 'idx']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ +\d+ {2}policy\.md {2}差旅报销制度$/m);
  });

  it('gives each chunk its span in the original file, front matter and CRLF included', async () => {
    const r = await rag(['inspect', '--index', 'idx', '--doc', 'policy.md', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { chunks } = JSON.parse(r.stdout) as Inspected;
    assert.ok(chunks && chunks.length >= 2, r.stdout);
    const original = (await readFile(path.join(cwd, 'docs', 'policy.md'), 'utf8')).toString();
    const fileLines = original.split(/\r?\n/);
    for (const chunk of chunks) {
      assert.equal(chunk.span.in, 'file');
      const inFile = original.slice(chunk.span.start.offset, chunk.span.end.offset);
      assert.equal(inFile.replace(/\r\n/g, '\n'), chunk.text);
      // line:column point at the same character as the offset.
      const line = fileLines[chunk.span.start.line! - 1]!;
      assert.equal([...line][chunk.span.start.column! - 1], [...chunk.text][0]);
      assert.ok(chunk.span.start.offset > chunk.textStart, 'offsets include the front matter');
    }
    assert.equal(chunks[0]!.span.start.offset, FRONT.length);
    assert.equal(chunks[0]!.span.start.line, 6);
    assert.deepEqual(chunks.at(-1)!.headings, ['差旅报销制度', '住宿']);
  });

  it('finds a document by the path of its file, and counts columns in characters of a Big5 file', async () => {
    const r = await rag(['inspect', '--index', 'idx', '--doc', path.join('docs', 'notes.txt'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { chunks } = JSON.parse(r.stdout) as Inspected;
    const last = chunks!.at(-1)!;
    assert.equal(last.span.end.line, 2);
    assert.equal(last.span.end.column, '第二行：資料庫索引設定'.length + 1);
    const text = await rag(['inspect', '--index', 'idx', '--doc', 'notes.txt']);
    assert.match(text.stdout, /^#0 {2}1:1-2:12 \(chars 0-17\)$/m);
  });

  it('says when the file changed since the ingest instead of giving wrong positions', async () => {
    const dir = await tempDir('inspect-changed');
    await writeFile(path.join(dir, 'a.md'), '# A\n\nfirst text\n');
    assert.equal((await runCli(['ingest', 'a.md', '--index', 'idx'], { cwd: dir })).code, 0);
    await writeFile(path.join(dir, 'a.md'), '# A\n\nsomething else entirely\n');
    const r = await runCli(['inspect', '--index', 'idx', '--doc', 'a.md', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as Inspected;
    assert.equal(result.chunks![0]!.span.in, 'text');
    assert.match(result.note ?? '', /changed since it was ingested/);
  });

  it('refuses an unknown document in one line, suggesting the closest id', async () => {
    const r = await rag(['inspect', '--index', 'idx', '--doc', 'policy']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.deepEqual(lines(r.stderr), ["rag: no document 'policy' in idx; did you mean policy.md? (`rag inspect` lists the document ids)"]);
  });
});

describe('closest document id', () => {
  it('adds or drops an extension, else takes the nearest id by edit distance', () => {
    const ids = new Set(['drcd/1179-38.txt', 'drcd/1179-39.txt', 'guide/install.md']);
    assert.equal(closestId('drcd/1179-38', ids), 'drcd/1179-38.txt');
    assert.equal(closestId('guide/install.markdown', ids), 'guide/install.md');
    assert.equal(closestId('guide/instal.md', ids), 'guide/install.md');
    assert.equal(closestId('faq/pricing', ids), undefined);
  });

  it('is named in the labeled-set warning', async () => {
    const root = await tempDir('closest-beir');
    await mkdir(path.join(root, 'qrels'));
    await writeFile(path.join(root, 'corpus.jsonl'), '{"_id":"drcd/1179-38.txt","title":"","text":"甲"}\n{"_id":"drcd/2.txt","title":"","text":"乙"}\n');
    await writeFile(path.join(root, 'queries.jsonl'), '{"_id":"q1","text":"甲"}\n');
    await writeFile(path.join(root, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\tdrcd/2.txt\t1\nq1\tdrcd/1179-38\t1\n');
    const ds = await loadDataset(root);
    assert.deepEqual(ds.warnings.unknownDocuments, { count: 1, examples: ['q1 -> drcd/1179-38 (did you mean drcd/1179-38.txt?)'] });
  });
});
