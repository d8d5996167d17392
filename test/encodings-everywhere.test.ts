/**
 * One decoder for every text input: Big5 (HKSCS) and GBK documents and dataset files are detected
 * and named, `--encoding` overrides, and bytes that decode in no encoding are an error, not mojibake.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import iconv from 'iconv-lite';
import { decodeText } from '../src/ingest/encoding.js';
import { loadDataset } from '../src/eval/dataset.js';
import { RagError } from '../src/errors.js';
import { runCli, tempDir } from './helpers/cli.js';

const TW = '臺灣大學的學生們在圖書館裡閱讀關於人工智慧與機器學習的書籍，並討論資料庫檢索的效率。';

describe('decodeText: Big5', () => {
  it('detects Big5 (and HKSCS characters) rather than reading it as GBK', () => {
    const text = `${TW}香港的𨋢。`;
    const d = decodeText(iconv.encode(text, 'big5hkscs'));
    assert.deepEqual({ text: d.text, encoding: d.encoding, replaced: d.replaced, undecodable: d.undecodable }, { text, encoding: 'big5', replaced: 0, undecodable: undefined });
  });
  it('still detects GBK', () => {
    assert.equal(decodeText(iconv.encode('向量数据库通过近似最近邻搜索来提高检索速度。', 'gbk')).encoding, 'gb18030');
  });
  it('marks random bytes undecodable', () => {
    assert.equal(decodeText(randomBytes(4000)).undecodable, true);
  });
});

describe('dataset files and documents in legacy encodings', () => {
  let root: string;
  before(async () => {
    root = await tempDir('enc');
    await mkdir(path.join(root, 'set', 'docs'), { recursive: true });
    await writeFile(path.join(root, 'set', 'docs', 'a.txt'), iconv.encode(`資料庫\n\n${TW}\n`, 'big5'));
    await writeFile(path.join(root, 'set', 'docs', 'b.txt'), iconv.encode('差旅报销\n\n员工出差报销需要在三十天内提交发票。\n', 'gbk'));
    await writeFile(path.join(root, 'set', 'queries.jsonl'), iconv.encode('{"query": "资料库检索的效率", "relevant": ["a.txt"]}\n{"query": "出差报销", "relevant": ["b.txt"]}\n', 'gbk'));
    await mkdir(path.join(root, 'bad'));
    await writeFile(path.join(root, 'bad', 'queries.jsonl'), randomBytes(3000));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a GBK queries.jsonl is read as Chinese and named', async () => {
    const ds = await loadDataset(path.join(root, 'set'));
    assert.deepEqual([...ds.queries.values()], ['资料库检索的效率', '出差报销']);
    assert.deepEqual(ds.encodings.map((e) => e.encoding), ['gb18030']);
  });
  it('undecodable queries.jsonl is an encoding-unknown error', async () => {
    await assert.rejects(loadDataset(path.join(root, 'bad')), (e: unknown) => e instanceof RagError && e.code === 'encoding-unknown');
  });
  it('rag eval: notes name each legacy encoding, and the Simplified queries find the Big5 document', async () => {
    const r = await runCli(['eval', '--dataset', path.join(root, 'set'), '--mode', 'bm25', '--json'], { cwd: root, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: .*queries\.jsonl read as GB18030 \(detected\)/);
    // Documents' notices are ingest's own (eval loads through the same code).
    assert.match(r.stderr, /note .*a\.txt: read as Big5 \(HKSCS\) \(detected\)/);
    const results = JSON.parse(r.stdout) as { runs: Array<{ metrics: Record<string, number> }> };
    assert.equal(results.runs[0]!.metrics['ndcg_at_10'], 1);
  });
  it('rag ingest: a Big5 file gets a note naming the encoding', async () => {
    const r = await runCli(['ingest', path.join(root, 'set', 'docs'), '--index', path.join(root, 'idx')], { cwd: root, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note .*a\.txt: read as Big5 \(HKSCS\) \(detected\)/);
  });
});
