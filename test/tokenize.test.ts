import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeForBm25, analyzeForHash, analyzeText, BM25_ANALYSIS, type AnalysisOptions } from '../src/text/analyze.js';
import { normalizeText } from '../src/text/normalize.js';
import { characterBigrams, splitRuns } from '../src/text/scripts.js';
import { segmentChinese } from '../src/text/jieba.js';

const JIEBA_ONLY: AnalysisOptions = { ...BM25_ANALYSIS, cjk: { words: true, bigrams: false, unigrams: false } };

describe('normalizeText', () => {
  it('folds full-width letters, digits and spaces and lowercases', () => {
    assert.equal(normalizeText('ＲＡＧ　Ｓｙｓｔｅｍｓ　２０２４'), 'rag systems 2024');
  });
});

describe('splitRuns', () => {
  it('separates CJK runs from Latin words in mixed text', () => {
    assert.deepEqual(splitRuns('用rag检索文档, fast!'), [
      { kind: 'cjk', text: '用' },
      { kind: 'word', text: 'rag' },
      { kind: 'cjk', text: '检索文档' },
      { kind: 'word', text: 'fast' },
    ]);
  });
  it('breaks CJK runs at Chinese punctuation', () => {
    assert.deepEqual(
      splitRuns('你好。世界').map((r) => r.text),
      ['你好', '世界'],
    );
  });
});

describe('characterBigrams', () => {
  it('gives overlapping bigrams, and the character itself for a one-character run', () => {
    assert.deepEqual(characterBigrams('向量数据库'), ['向量', '量数', '数据', '据库']);
    assert.deepEqual(characterBigrams('好'), ['好']);
  });
});

describe('analyzeForBm25', () => {
  it('removes English stopwords and Porter-stems', () => {
    assert.deepEqual(analyzeForBm25('The running dogs are running quickly to the parks!'), [
      'run', 'dog', 'run', 'quickli', 'park',
    ]);
  });
  it('drops one-character words, as bm25s does', () => {
    assert.deepEqual(analyzeForBm25('a b 3 x-men'), ['men']);
  });
  it('normalizes full-width input first', () => {
    assert.deepEqual(analyzeForBm25('ＲＡＧ　Ｓｙｓｔｅｍｓ　２０２４'), ['rag', 'system', '2024']);
  });
  it('turns Chinese into character bigrams and keeps English words in mixed text', () => {
    assert.deepEqual(analyzeForBm25('用RAG检索文档。好'), ['用', 'rag', '检索', '索文', '文档', '好']);
  });
});

describe('Chinese segmentation (jieba)', () => {
  it('segments into dictionary words', () => {
    assert.deepEqual(segmentChinese('我们在北京大学学习自然语言处理'), [
      '我们', '在', '北京大学', '学习', '自然语言', '处理',
    ]);
  });
  it('segments CJK runs of mixed text and leaves the English to the word analyzer', () => {
    assert.deepEqual(analyzeText('检索增强生成 (Retrieval-Augmented Generation) 很有用', JIEBA_ONLY), [
      '检索', '增强', '生成', 'retriev', 'augment', 'gener', '很', '有用',
    ]);
  });
});

describe('analyzeText options', () => {
  it('tags token kinds and adds padded character n-grams of English words', () => {
    const options: AnalysisOptions = {
      cjk: { words: true, bigrams: true, unigrams: true },
      minWordLength: 2,
      stem: true,
      wordCharNgrams: [3],
      tagKinds: true,
    };
    assert.deepEqual(analyzeText('cats 向量', options), [
      'w:cat', 'g:_ca', 'g:cat', 'g:ats', 'g:ts_', 'z:向量', 'b:向量', 'u:向', 'u:量',
    ]);
  });
});

describe('analyzeForHash', () => {
  it('yields tagged words with their trigrams, and jieba words plus bigrams for Chinese', () => {
    assert.deepEqual(analyzeForHash('Cats 向量数据库'), [
      'w:cat', 'g:_ca', 'g:cat', 'g:ats', 'g:ts_', 'z:向量', 'z:数据库', 'b:向量', 'b:量数', 'b:数据', 'b:据库',
    ]);
  });
});
