import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Bm25Index } from '../src/retrieve/bm25.js';
import { RagError } from '../src/errors.js';
import { scoreQuery } from '../src/eval/metrics.js';

// Three docs whose words Porter leaves unchanged: lengths 3, 2, 1, so N = 3 and avgdl = 2.
function threeDocs(): Bm25Index {
  const index = new Bm25Index();
  index.add('d1', 'cat dog cat');
  index.add('d2', 'dog bird');
  index.add('d3', 'fish');
  return index;
}

// By hand with k1 = 1.5, b = 0.75:
// length norm K(d) = k1 (1 - b + b |d| / avgdl): K(d1) = 1.5 (0.25 + 0.75·3/2) = 2.0625, K(d2) = 1.5.
// idf(cat) (df 1) = ln(1 + 2.5/1.5) = ln(8/3); idf(dog) (df 2) = ln(1 + 1.5/2.5) = ln(1.6).
const CAT_D1 = (Math.log(8 / 3) * 2 * 2.5) / (2 + 2.0625);
const DOG_D1 = (Math.log(1.6) * 1 * 2.5) / (1 + 2.0625);
const DOG_D2 = (Math.log(1.6) * 1 * 2.5) / (1 + 1.5);

function assertHits(actual: Array<{ id: string; score: number }>, expected: Array<[string, number]>): void {
  assert.deepEqual(actual.map((h) => h.id), expected.map(([id]) => id));
  expected.forEach(([, score], i) => {
    assert.ok(Math.abs(actual[i]!.score - score) < 1e-12, `score ${i}: ${actual[i]!.score} vs ${score}`);
  });
}

describe('Bm25Index.search', () => {
  it('matches hand-computed Okapi BM25 scores', () => {
    const index = threeDocs();
    assertHits(index.search('cat', 10), [['d1', CAT_D1]]);
    assertHits(index.search('dog', 10), [['d2', DOG_D2], ['d1', DOG_D1]]);
    assertHits(index.search('dogs and cats', 10), [['d1', CAT_D1 + DOG_D1], ['d2', DOG_D2]]);
  });
  it('counts a repeated query term each time', () => {
    assertHits(threeDocs().search('cat cat', 10), [['d1', 2 * CAT_D1]]);
  });
  it('returns at most k hits, nothing for k = 0 or a query with no known term', () => {
    const index = threeDocs();
    assert.deepEqual(index.search('dog', 1).map((h) => h.id), ['d2']);
    assert.deepEqual(index.search('dog', 0), []);
    assert.deepEqual(index.search('unicorn', 5), []);
    assert.deepEqual(new Bm25Index().search('dog', 5), []);
  });
  it('breaks ties by id ascending, whatever the insertion order', () => {
    const index = new Bm25Index();
    for (const id of ['c', 'a', 'd', 'b']) index.add(id, 'same words here');
    index.add('z', 'other text');
    assert.deepEqual(index.search('words', 10).map((h) => h.id), ['a', 'b', 'c', 'd']);
  });
  it('searches Chinese by character bigrams', () => {
    const index = new Bm25Index();
    index.add('vec', '向量数据库可以加快检索速度');
    index.add('cook', '今天晚饭吃什么好呢');
    index.add('mix', '用RAG做问答系统');
    assert.equal(index.search('向量数据库', 3)[0]?.id, 'vec');
    assert.deepEqual(index.search('rag问答', 3).map((h) => h.id), ['mix']);
  });
});

describe('Bm25Index.remove', () => {
  it('gives exactly the scores of an index that never had the document', () => {
    const index = threeDocs();
    index.add('d4', 'cat cat cat bird');
    assert.equal(index.remove('d4'), true);
    assert.equal(index.size, 3);
    for (const query of ['cat', 'dog', 'bird dog cat', 'fish']) {
      assert.deepEqual(index.search(query, 10), threeDocs().search(query, 10));
    }
    assert.equal(index.remove('d1'), true);
    const fresh = new Bm25Index();
    fresh.add('d2', 'dog bird');
    fresh.add('d3', 'fish');
    assert.deepEqual(index.search('dog cat', 10), fresh.search('dog cat', 10));
    assert.deepEqual(index.search('cat', 10), []);
  });
  it('returns false for an unknown id and changes nothing', () => {
    const index = threeDocs();
    assert.equal(index.remove('nope'), false);
    assert.equal(index.size, 3);
  });
  it('re-adding an id replaces its text', () => {
    const index = threeDocs();
    index.add('d3', 'cat dog');
    assert.equal(index.size, 3);
    assert.deepEqual(index.search('fish', 10), []);
    assert.equal(index.has('d3'), true);
  });
});

describe('Bm25Index options', () => {
  it('rejects k1 < 0 and b outside [0, 1] with RagError', () => {
    assert.throws(() => new Bm25Index({ k1: -1 }), (e: unknown) => e instanceof RagError && /k1/.test(e.message));
    assert.throws(() => new Bm25Index({ b: 1.5 }), (e: unknown) => e instanceof RagError && /b must/.test(e.message));
  });
  it('b = 0 ignores length and k1 = 0 ignores repeats', () => {
    const index = new Bm25Index({ k1: 0, b: 0 });
    index.add('long', 'cat cat cat dog bird fish');
    index.add('short', 'cat');
    index.add('other', 'dog');
    const hits = index.search('cat', 10);
    assert.equal(hits.length, 2);
    assert.equal(hits[0]!.score, hits[1]!.score);
    assert.deepEqual(hits.map((h) => h.id), ['long', 'short']);
  });
});

const SCIFACT = new URL('../../shared/datasets/scifact/', import.meta.url);

describe('Bm25Index on scifact', { skip: existsSync(SCIFACT) ? false : 'shared dataset ../shared/datasets/scifact is absent' }, () => {
  it('lands within 0.02 nDCG@10 of the bm25s reference 0.740', () => {
    const index = new Bm25Index();
    for (const line of readFileSync(new URL('corpus.jsonl', SCIFACT), 'utf8').trim().split('\n')) {
      const doc = JSON.parse(line) as { _id: string; title: string; text: string };
      index.add(doc._id, `${doc.title}\n${doc.text}`);
    }
    const qrels = new Map<string, Map<string, number>>();
    for (const line of readFileSync(new URL('qrels/test.tsv', SCIFACT), 'utf8').trim().split('\n').slice(1)) {
      const [q = '', d = '', s = '0'] = line.split('\t');
      if (!qrels.has(q)) qrels.set(q, new Map());
      qrels.get(q)!.set(d, Number(s));
    }
    let sum = 0;
    let count = 0;
    for (const line of readFileSync(new URL('queries.jsonl', SCIFACT), 'utf8').trim().split('\n')) {
      const query = JSON.parse(line) as { _id: string; text: string };
      const relevant = qrels.get(query._id);
      if (relevant === undefined) continue;
      const ranked = index.search(query.text, 10).map((h) => h.id);
      sum += scoreQuery(ranked, relevant, [10]).ndcg_at_10!;
      count += 1;
    }
    assert.equal(count, 300);
    const ndcg = sum / count;
    assert.ok(Math.abs(ndcg - 0.740) <= 0.02, `nDCG@10 ${ndcg.toFixed(4)}`);
  });
});
