import { describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { HashEmbedder, HASH_MODEL_ID } from '../src/embed/hash.js';
import { hashString } from '../src/embed/hash-murmur.js';
import { fingerprintOf } from '../src/model/fingerprint.js';
import { RagError } from '../src/errors.js';

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}

/** Index of the document with the highest inner product with the query (exact search). */
function best(query: Float32Array, docs: readonly Float32Array[]): number {
  let bestIndex = -1;
  let bestScore = -Infinity;
  docs.forEach((doc, i) => {
    const score = dot(query, doc);
    if (score > bestScore) {
      bestScore = score;
      bestIndex = i;
    }
  });
  return bestIndex;
}

const ENGLISH = [
  'Vitamin D deficiency is associated with increased risk of bone fractures in elderly women.',
  'Regular aerobic exercise improves cardiovascular health and lowers blood pressure.',
  'The mitochondria produce most of the chemical energy needed by the cell.',
  'Antibiotic resistance spreads among bacteria through horizontal gene transfer.',
  'Sleep deprivation impairs memory consolidation in the hippocampus.',
  'Insulin resistance is a hallmark of type 2 diabetes and obesity.',
];

const CHINESE = [
  '向量数据库通过近似最近邻索引加快检索速度。',
  '长城是中国古代的军事防御工程，修建历史超过两千年。',
  '大熊猫主要生活在四川的山区，以竹子为食。',
  '深度学习模型需要大量标注数据进行训练。',
  '北京是中华人民共和国的首都，也是政治和文化中心。',
  '绿茶含有丰富的茶多酚，具有抗氧化作用。',
];

describe('murmur3', () => {
  it('matches the published MurmurHash3 x86_32 test vectors', () => {
    assert.equal(hashString('', 0), 0);
    assert.equal(hashString('', 1), 0x514e28b7);
    assert.equal(hashString('hello', 0), 0x248bfa47);
    assert.equal(hashString('aaaa', 0x9747b28c), 0x5a97808a);
    assert.equal(hashString('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
  });
});

describe('HashEmbedder info and fingerprint', () => {
  it('describes a builtin normalized model and lists its knobs', () => {
    const model = new HashEmbedder({ dimension: 512 });
    assert.equal(model.info.id, HASH_MODEL_ID);
    assert.equal(model.info.provider, 'builtin');
    assert.equal(model.info.dimension, 512);
    assert.equal(model.info.normalize, true);
    assert.equal(model.cacheable, false);
    assert.equal(model.info.params?.seed, 0);
    assert.equal(model.fingerprint, fingerprintOf(model.info));
    assert.match(model.fingerprint, /^[0-9a-f]{64}$/);
  });
  it('gives the same fingerprint for the same settings and a new one when any knob changes', () => {
    const base = new HashEmbedder().fingerprint;
    assert.equal(new HashEmbedder().fingerprint, base);
    const variants = [
      new HashEmbedder({ dimension: 1024 }),
      new HashEmbedder({ seed: 7 }),
      new HashEmbedder({ chineseUnigrams: true }),
      new HashEmbedder({ wordCharNgrams: [5] }),
      new HashEmbedder({ wordCharNgrams: [] }),
      new HashEmbedder({ minWordLength: 1 }),
      new HashEmbedder({ queryIdfPower: 2 }),
    ];
    const prints = new Set([base, ...variants.map((m) => m.fingerprint)]);
    assert.equal(prints.size, variants.length + 1);
  });
  it('fingerprintOf ignores key order', () => {
    const a = fingerprintOf({ id: 'x', provider: 'builtin', name: 'n', dimension: 3, normalize: true, params: { a: 1, b: 'c' } });
    const b = fingerprintOf({ params: { b: 'c', a: 1 }, normalize: true, dimension: 3, name: 'n', provider: 'builtin', id: 'x' });
    assert.equal(a, b);
  });
  it('rejects bad options with RagError', () => {
    assert.throws(() => new HashEmbedder({ dimension: 0 }), RagError);
    assert.throws(() => new HashEmbedder({ dimension: 10.5 }), RagError);
    assert.throws(() => new HashEmbedder({ seed: -1 }), RagError);
    assert.throws(() => new HashEmbedder({ wordCharNgrams: [1] }), RagError);
    assert.throws(() => new HashEmbedder({ chineseWords: false, chineseBigrams: false }), RagError);
  });
});

describe('HashEmbedder.embedDocuments', () => {
  it('is deterministic and L2-normalized', async () => {
    const texts = [...ENGLISH, ...CHINESE, 'mixed 中英文 text with RAG 检索'];
    const model = new HashEmbedder();
    const first = (await model.embedDocuments(texts)).vectors;
    const second = (await new HashEmbedder().embedDocuments(texts)).vectors;
    assert.equal(first.length, texts.length);
    first.forEach((vector, i) => {
      assert.equal(vector.length, model.info.dimension);
      assert.deepEqual(vector, second[i]);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
    });
  });
  it('does not depend on the corpus statistics', async () => {
    const model = new HashEmbedder();
    const before = (await model.embedDocuments(ENGLISH)).vectors;
    model.corpusStatistics.add([...ENGLISH, ...CHINESE]);
    const after = (await model.embedDocuments(ENGLISH)).vectors;
    assert.deepEqual(after, before);
  });
  it('gives an all-zero vector for text without features', async () => {
    const { vectors } = await new HashEmbedder({ dimension: 8 }).embedDocuments(['  ... !!', '']);
    assert.deepEqual(vectors, [new Float32Array(8), new Float32Array(8)]);
  });
  it('reports progress and stops on an aborted signal', async () => {
    const seen: number[] = [];
    await new HashEmbedder().embedDocuments(ENGLISH, { onProgress: (p) => seen.push(p.done) });
    assert.equal(seen.at(-1), ENGLISH.length);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(new HashEmbedder().embedDocuments(ENGLISH, { signal: controller.signal }));
  });
});

describe('HashEmbedder.embedQuery', () => {
  it('is L2-normalized', async () => {
    const model = new HashEmbedder();
    model.corpusStatistics.add(ENGLISH);
    assert.ok(Math.abs(norm(await model.embedQuery('vitamin bone fracture risk')) - 1) < 1e-5);
  });
  it('weights rare corpus terms above common ones (IDF), and equally without statistics', async () => {
    // Words only, so each one-word document is a single feature and both get the same plain score.
    const model = new HashEmbedder({ wordCharNgrams: [] });
    const [common, rare] = (await model.embedDocuments(['protein', 'kinase'])).vectors;
    const plain = await model.embedQuery('protein kinase');
    assert.ok(Math.abs(dot(plain, common!) - dot(plain, rare!)) < 1e-6);
    model.corpusStatistics.add([
      'protein folding', 'protein structure', 'protein binding', 'membrane protein', 'protein kinase signalling',
    ]);
    const weighted = await model.embedQuery('protein kinase');
    assert.ok(dot(weighted, rare!) > dot(weighted, common!) + 0.3);
  });
  it('finds the English document sharing the query key words among distractors', async () => {
    const model = new HashEmbedder();
    const docs = (await model.embedDocuments(ENGLISH)).vectors;
    model.corpusStatistics.add(ENGLISH);
    assert.equal(best(await model.embedQuery('Does vitamin D lower fracture risk in older women?'), docs), 0);
    assert.equal(best(await model.embedQuery('how do bacteria become resistant to antibiotics'), docs), 3);
    assert.equal(best(await model.embedQuery('diabetes and insulin'), docs), 5);
  });
  it('finds the Chinese document sharing the query key words among distractors', async () => {
    const model = new HashEmbedder();
    const docs = (await model.embedDocuments(CHINESE)).vectors;
    model.corpusStatistics.add(CHINESE);
    assert.equal(best(await model.embedQuery('向量数据库如何加快检索速度'), docs), 0);
    assert.equal(best(await model.embedQuery('大熊猫吃什么？'), docs), 2);
    assert.equal(best(await model.embedQuery('中国的首都是哪里'), docs), 4);
  });
});

describe('HashEmbedder.corpusStatistics', () => {
  it('add then remove restores the serialized bytes exactly', () => {
    const stats = new HashEmbedder().corpusStatistics;
    stats.add(ENGLISH.slice(0, 3));
    const before = stats.serialize();
    stats.add([...ENGLISH.slice(3), ...CHINESE, ENGLISH[0]!]);
    assert.notDeepEqual(stats.serialize(), before);
    stats.remove([ENGLISH[0]!, ...CHINESE]);
    stats.remove(ENGLISH.slice(3));
    assert.deepEqual(stats.serialize(), before);
    stats.remove(ENGLISH.slice(0, 3));
    assert.deepEqual(stats.serialize(), new HashEmbedder().corpusStatistics.serialize());
  });
  it('is independent of insertion order', () => {
    const a = new HashEmbedder().corpusStatistics;
    const b = new HashEmbedder().corpusStatistics;
    a.add([...ENGLISH, ...CHINESE]);
    b.add([...CHINESE].reverse());
    b.add([...ENGLISH].reverse());
    assert.deepEqual(a.serialize(), b.serialize());
  });
  it('refuses to remove a text it never counted and stays unchanged', () => {
    const stats = new HashEmbedder().corpusStatistics;
    stats.add(ENGLISH);
    const before = stats.serialize();
    assert.throws(() => stats.remove([ENGLISH[0]!, 'quantum chromodynamics']), RagError);
    assert.throws(() => stats.remove([ENGLISH[1]!, ENGLISH[1]!]), RagError);
    assert.deepEqual(stats.serialize(), before);
  });
  it('round-trips through serialize/load and gives the same query vectors', async () => {
    const model = new HashEmbedder();
    model.corpusStatistics.add([...ENGLISH, ...CHINESE]);
    const restored = new HashEmbedder();
    restored.corpusStatistics.load(model.corpusStatistics.serialize());
    assert.equal(restored.corpusStatistics.documentCount, ENGLISH.length + CHINESE.length);
    assert.deepEqual(restored.corpusStatistics.serialize(), model.corpusStatistics.serialize());
    assert.deepEqual(await restored.embedQuery('蛋白质 vitamin 检索'), await model.embedQuery('蛋白质 vitamin 检索'));
  });
  it('rejects statistics from other settings and corrupt data with RagError', () => {
    const stats = new HashEmbedder().corpusStatistics;
    stats.add(ENGLISH);
    const data = stats.serialize();
    assert.throws(() => new HashEmbedder({ seed: 1 }).corpusStatistics.load(data), /different hashing settings/);
    assert.throws(() => new HashEmbedder().corpusStatistics.load(data.subarray(0, data.length - 1)), RagError);
    assert.throws(() => new HashEmbedder().corpusStatistics.load(Buffer.from('not stats')), RagError);
  });
  it('stays compact: about 4 bytes per distinct feature', () => {
    const stats = new HashEmbedder().corpusStatistics;
    const texts = Array.from({ length: 2000 }, (_, i) => `document ${i} mentions term${i} and term${i * 7} together`);
    stats.add(texts);
    const bytes = stats.serialize().length;
    assert.ok(bytes < stats.featureCount * 6 + 32, `${bytes} bytes for ${stats.featureCount} features`);
  });
});

const SCIFACT_CORPUS = new URL('../../shared/datasets/scifact/corpus.jsonl', import.meta.url);

describe('HashEmbedder statistics on scifact', { skip: existsSync(SCIFACT_CORPUS) ? false : 'shared dataset ../shared/datasets/scifact is absent' }, () => {
  it('serializes the 2,535-document corpus in well under 200 KB', () => {
    const texts = readFileSync(SCIFACT_CORPUS, 'utf8').trim().split('\n').map((line) => {
      const doc = JSON.parse(line) as { title: string; text: string };
      return `${doc.title}\n${doc.text}`;
    });
    const stats = new HashEmbedder().corpusStatistics;
    stats.add(texts);
    const bytes = stats.serialize().length;
    assert.equal(stats.documentCount, 2535);
    assert.ok(bytes < 200_000, `${bytes} bytes`);
  });
});

describe('HashEmbedder query fallback', () => {
  it('gives a unit vector even when no query feature occurs in the corpus', async () => {
    const model = new HashEmbedder();
    model.corpusStatistics.add(ENGLISH);
    const vector = await model.embedQuery('zymurgy quokka');
    assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
  });
});
