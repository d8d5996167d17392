import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HashEmbedder } from '../src/embed/hash.js';

const TEXTS = ['向量数据库如何加快检索速度？', 'the quick brown fox jumps over the lazy dog', 'the quick brown fox', '检索 retrieval 检索'];

describe('hash model: corpus statistics after embedding', () => {
  it('counts the same document frequencies whether or not the texts were embedded first', async () => {
    const embedded = new HashEmbedder({ dimension: 256 });
    await embedded.embedDocuments(TEXTS);
    embedded.corpusStatistics.add(TEXTS);
    // A second add of the same texts finds no remembered features and analyses them again.
    embedded.corpusStatistics.add(TEXTS.slice(1));
    const plain = new HashEmbedder({ dimension: 256 });
    plain.corpusStatistics.add(TEXTS);
    plain.corpusStatistics.add(TEXTS.slice(1));
    assert.deepEqual(embedded.corpusStatistics.serialize(), plain.corpusStatistics.serialize());
    assert.equal(embedded.corpusStatistics.documentCount, 7);
    assert.deepEqual(await embedded.embedQuery('fox 检索'), await plain.embedQuery('fox 检索'));
  });
});
