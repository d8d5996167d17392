/**
 * Simplified/Traditional script folding on every lexical path: the analyzers, BM25, the `hash`
 * embedder (and its fingerprint), highlights, `query`/`ingest` through the library and the CLI,
 * and the cross-script goal on the public CMRC 2018 set converted to Traditional.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeForBm25, analyzeForHash, HASH_ANALYSIS } from '../src/text/analyze.js';
import { foldScript, foldScriptAligned, parseScriptFold } from '../src/text/script-fold.js';
import { Bm25Index } from '../src/retrieve/bm25.js';
import { HashEmbedder } from '../src/embed/hash.js';
import { makeSnippet, matchSpans } from '../src/retrieve/snippet.js';
import { ingest } from '../src/ingest/pipeline.js';
import { query } from '../src/retrieve/query.js';
import { RagError } from '../src/errors.js';
import { readManifest } from '../src/store/manifest.js';
import { lexicalNdcg, loadTraditionalCmrc, CMRC_DIR } from './helpers/traditional-cmrc.js';
import { runCli, tempDir } from './helpers/cli.js';

describe('foldScript', () => {
  it('t2s folds Taiwan, Hong Kong and standard Traditional forms to Simplified', () => {
    assert.equal(foldScript('臺灣的資料庫檢索', 't2s'), '台湾的资料库检索');
    // Regional variants: 裡 (Taiwan), 綫 (Hong Kong), 衞 (Hong Kong)
    assert.equal(foldScript('裡面 綫上 衞生', 't2s'), '里面 线上 卫生');
  });
  it('s2t folds Simplified and the regional variants to one Traditional form', () => {
    assert.equal(foldScript('里面', 's2t'), foldScript('裡面', 's2t'));
    assert.equal(foldScript('检索', 's2t'), '檢索');
  });
  it('none and text without Han characters are returned unchanged', () => {
    assert.equal(foldScript('檢索', 'none'), '檢索');
    assert.equal(foldScript('plain English, ＡＢＣ', 't2s'), 'plain English, ＡＢＣ');
  });
  it('the aligned fold keeps every offset', () => {
    const text = '伊利諾州的資料夾，𠀾裡面';
    const folded = foldScriptAligned(text, 't2s');
    assert.equal(folded.length, text.length);
    assert.equal(folded.slice(5, 8), '资料夹');
  });
  it('parseScriptFold accepts the three values and names them otherwise', () => {
    assert.equal(parseScriptFold(' T2S '), 't2s');
    assert.throws(() => parseScriptFold('tw'), (e: unknown) => e instanceof RagError && /t2s, s2t, none/.test(e.message));
  });
});

describe('analyzers', () => {
  it('BM25 gives Simplified and Traditional text the same tokens under t2s (the default) and s2t, not under none', () => {
    assert.deepEqual(analyzeForBm25('資料庫檢索'), analyzeForBm25('资料库检索'));
    assert.deepEqual(analyzeForBm25('資料庫檢索', 's2t'), analyzeForBm25('资料库检索', 's2t'));
    assert.notDeepEqual(analyzeForBm25('資料庫檢索', 'none'), analyzeForBm25('资料库检索', 'none'));
  });
  it('hash features fold too (jieba words and bigrams)', () => {
    assert.deepEqual(analyzeForHash('向量資料庫如何加快檢索速度'), analyzeForHash('向量资料库如何加快检索速度'));
    assert.notDeepEqual(
      analyzeForHash('向量資料庫如何加快檢索速度', { ...HASH_ANALYSIS, scriptFold: 'none' }),
      analyzeForHash('向量资料库如何加快检索速度', { ...HASH_ANALYSIS, scriptFold: 'none' }),
    );
  });
});

describe('Bm25Index and HashEmbedder', () => {
  const docs = {
    tw: '向量資料庫會預先建立索引，檢索時只比對少數候選向量。',
    other: '員工出差報銷需要在三十天內提交發票。',
  };
  it('a Simplified query finds the Traditional document with BM25 only when folding', () => {
    for (const [fold, found] of [['t2s', true], ['s2t', true], ['none', false]] as const) {
      const index = new Bm25Index({ scriptFold: fold });
      for (const [id, text] of Object.entries(docs)) index.add(id, text);
      const hits = index.search('数据库检索', 2);
      assert.deepEqual(hits.map((h) => h.id), found ? ['tw'] : [], fold);
    }
  });
  it('hash: the fold is part of the fingerprint, and `none` keeps the pre-folding model info', () => {
    const t2s = new HashEmbedder();
    const none = new HashEmbedder({ scriptFold: 'none' });
    const s2t = new HashEmbedder({ scriptFold: 's2t' });
    assert.equal(t2s.info.params?.['scriptFold'], 't2s');
    assert.equal(s2t.info.params?.['scriptFold'], 's2t');
    assert.equal(none.info.params?.['scriptFold'], undefined);
    assert.equal(new Set([t2s.fingerprint, none.fingerprint, s2t.fingerprint]).size, 3);
  });
  it('hash: Simplified and Traditional texts get the same vector under t2s', () => {
    const model = new HashEmbedder();
    assert.deepEqual(model.embedDocument('檢索增強生成'), model.embedDocument('检索增强生成'));
    const plain = new HashEmbedder({ scriptFold: 'none' });
    assert.notDeepEqual(plain.embedDocument('檢索增強生成'), plain.embedDocument('检索增强生成'));
  });
});

describe('highlights', () => {
  it('a Simplified query marks the Traditional words, and the snippet shows the original script', () => {
    const text = '向量資料庫會預先建立索引，檢索時只比對少數候選向量。';
    const marked = matchSpans('数据库检索', text, 't2s').map(([a, b]) => text.slice(a, b));
    assert.ok(marked.includes('檢索'), JSON.stringify(marked));
    assert.deepEqual(matchSpans('数据库检索', text, 'none'), []);
    const snippet = makeSnippet('检索', text, { scriptFold: 't2s' });
    assert.equal(snippet.text, text);
    assert.deepEqual(snippet.highlights.map(([a, b]) => snippet.text.slice(a, b)), ['檢索']);
  });
});

describe('indexes record the fold', () => {
  let root: string;
  let docs: string;
  before(async () => {
    root = await tempDir('fold');
    docs = path.join(root, 'docs');
    await mkdir(docs);
    await writeFile(path.join(docs, 'hnsw.md'), '# 向量資料庫\n\n向量資料庫會預先建立 HNSW 索引，檢索時只比對少數候選向量，所以查詢速度很快。\n');
    await writeFile(path.join(docs, 'travel.md'), '# 差旅報銷\n\n員工出差報銷需要在三十天內提交發票與行程單。\n');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a hash index built by default folds t2s; a Simplified query finds the Traditional document in every mode', async () => {
    const index = path.join(root, 'default');
    await ingest({ paths: [docs], index });
    const manifest = await readManifest(index);
    assert.equal(manifest.model.params?.['scriptFold'], 't2s');
    for (const mode of ['dense', 'bm25', 'hybrid'] as const) {
      const r = await query({ text: '向量数据库检索为什么快', index, k: 2, mode });
      assert.equal(r.scriptFold, 't2s');
      assert.equal(r.results[0]?.docId, 'hnsw.md', mode);
      assert.ok(r.results[0]!.snippet.text.includes('檢索'), 'the snippet keeps the original script');
      if (mode === 'hybrid') assert.deepEqual(r.results[0]!.componentRanks, { dense: 1, bm25: 1 });
    }
  });

  it('another fold on a hash index is refused with the fold named; --rebuild with the new fold rebuilds it', async () => {
    const index = path.join(root, 'refuse');
    await ingest({ paths: [docs], index });
    await assert.rejects(
      query({ text: '检索', index, scriptFold: 'none' }),
      (e: unknown) => e instanceof RagError && e.code === 'model-mismatch' && /script folding t2s, not none/.test(e.message),
    );
    await assert.rejects(ingest({ paths: [docs], index, modelOptions: { scriptFold: 'none' } }), (e: unknown) => e instanceof RagError && e.code === 'model-mismatch');
    const rebuilt = await ingest({ paths: [docs], index, rebuild: true, modelOptions: { scriptFold: 'none' } });
    assert.equal(rebuilt.documents.added, 2);
    assert.equal((await readManifest(index)).model.params?.['scriptFold'], undefined);
    // Without folding, the Simplified query shares no Chinese term with the Traditional text.
    const r = await query({ text: '数据库检索', index, mode: 'bm25' });
    assert.equal(r.scriptFold, 'none');
    assert.equal(r.results.length, 0);
  });

  it('CLI: --script-fold is validated, hybrid hits print their component ranks', async () => {
    const index = path.join(root, 'default');
    const bad = await runCli(['query', '检索', '--index', index, '--script-fold', 'tw'], { cwd: root });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--script-fold/);
    const hybrid = await runCli(['query', '向量数据库检索', '--index', index, '--mode', 'hybrid', '-k', '1'], { cwd: root });
    assert.equal(hybrid.code, 0, hybrid.stderr);
    assert.match(hybrid.stdout, /^1\. bm25 #1 · dense #1 {2}hnsw\.md/m);
    const mismatch = await runCli(['query', '检索', '--index', index, '--script-fold', 's2t'], { cwd: root });
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /^rag: index .* was built with --script-fold t2s, not s2t/);
  });
});

describe('cross-script retrieval on CMRC 2018 converted to Traditional (the issue #20 goal)', () => {
  it('Simplified queries against Traditional documents score within 0.02 nDCG@10 of Traditional queries, for bm25, hash and hybrid', async (t) => {
    const set = loadTraditionalCmrc(400);
    if (set === undefined) {
      t.skip(`${CMRC_DIR} not present`);
      return;
    }
    const same = await lexicalNdcg({ docs: set.traditionalDocs, queries: set.traditionalQueries, qrels: set.qrels }, 't2s');
    const cross = await lexicalNdcg({ docs: set.traditionalDocs, queries: set.simplifiedQueries, qrels: set.qrels }, 't2s');
    const unfolded = await lexicalNdcg({ docs: set.traditionalDocs, queries: set.simplifiedQueries, qrels: set.qrels }, 'none');
    for (const system of ['bm25', 'hash', 'hybrid'] as const) {
      assert.ok(same[system] > 0.9, `${system} same-script ${same[system]}`);
      assert.ok(cross[system] >= same[system] - 0.02, `${system}: cross ${cross[system]} vs same ${same[system]}`);
      // The measurement can fail: without folding the gap is far beyond 0.02.
      assert.ok(unfolded[system] < same[system] - 0.05, `${system}: unfolded ${unfolded[system]} vs same ${same[system]}`);
    }
  });
});
