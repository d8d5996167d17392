import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorIndex, efFor, normalized } from '../src/store/hnsw.js';
import { seededRandom } from '../src/random.js';

const rng = seededRandom;

/** Unit vectors around `clusters` random centres (cosine to centre ≈ 0.7). */
function clustered(n: number, dim: number, clusters: number, seed: number): Float32Array[] {
  const rand = rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const unit = (): Float32Array => normalized(Float32Array.from({ length: dim }, gauss));
  const centres = Array.from({ length: clusters }, unit);
  const sigma = 1 / Math.sqrt(dim);
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(rand() * clusters)]!;
    return normalized(Float32Array.from(c, (x) => x + sigma * gauss()));
  });
}

/** Trivially correct reference: sort everything by cosine. */
function bruteForce(data: Map<number, Float32Array>, query: Float32Array, k: number): number[] {
  const q = normalized(query);
  const scored = [...data].map(([label, v]) => {
    const u = normalized(v);
    let dot = 0;
    for (let i = 0; i < q.length; i++) dot += q[i]! * u[i]!;
    return { label, dot };
  });
  scored.sort((a, b) => b.dot - a.dot || a.label - b.label);
  return scored.slice(0, k).map((s) => s.label);
}

describe('efFor', () => {
  it('is at least k, at most the index size, 128 up to ~10k vectors and grows with √size above', () => {
    assert.equal(efFor(10, 10_000), 128);
    assert.equal(efFor(10, 20_000), 177);
    assert.equal(efFor(10, 100_000), 396);
    assert.equal(efFor(100, 100_000), 400);
    assert.equal(efFor(200, 100_000), 800);
    assert.equal(efFor(10, 50), 50);
    assert.equal(efFor(10, 3), 10);
  });
});

describe('VectorIndex.search', () => {
  it('finds ≥ 95% of the exact top 10 with the default ef on 5k×64 clustered vectors', () => {
    const data = clustered(5000 + 100, 64, 50, 7);
    const index = VectorIndex.create(64, { M: 16, efConstruction: 100 }, 1000);
    data.slice(0, 5000).forEach((v, label) => index.add(label, v));
    assert.ok(index.capacity >= 5000);
    let found = 0;
    for (const q of data.slice(5000)) {
      const truth = new Set(index.exactSearch(q, 10).map((h) => h.label));
      const hits = index.search(q, 10, { exact: false });
      assert.equal(hits.length, 10);
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.similarity >= hits[i]!.similarity);
      for (const h of hits) if (truth.has(h.label)) found++;
    }
    const recall = found / 1000;
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
  });

  it('exact search matches a sort-everything reference, with similarity = cosine', () => {
    const vectors = clustered(300, 16, 5, 3);
    const reference = new Map<number, Float32Array>();
    const index = VectorIndex.create(16);
    vectors.forEach((v, i) => {
      // Unnormalised input: the cosine space normalises, our similarity must too.
      const scaled = Float32Array.from(v, (x) => x * (1 + i));
      index.add(i * 3, scaled);
      reference.set(i * 3, scaled);
    });
    const q = clustered(1, 16, 5, 99)[0]!;
    const hits = index.search(q, 7);
    assert.deepEqual(
      hits.map((h) => h.label),
      bruteForce(reference, q, 7),
    );
    const top = normalized(reference.get(hits[0]!.label)!);
    const qn = normalized(q);
    const cos = top.reduce((s, x, i) => s + x * qn[i]!, 0);
    assert.ok(Math.abs(hits[0]!.similarity - cos) < 1e-5);
    // The graph agrees on the nearest one, with the same similarity (1 - distance).
    const graph = index.search(q, 7, { exact: false, ef: 100 });
    assert.equal(graph[0]!.label, hits[0]!.label);
    assert.ok(Math.abs(graph[0]!.similarity - hits[0]!.similarity) < 1e-5);
  });

  it('exact search over sparse vectors (hash-model style) matches the reference', () => {
    // Few non-zero components per vector: the scan visits only the query's non-zero positions.
    const dim = 512;
    const random = rng(11);
    const sparse = (): Float32Array => {
      const v = new Float32Array(dim);
      for (let j = 0; j < 12; j++) v[Math.floor(random() * dim)] = random() * 2 - 1;
      return v;
    };
    const reference = new Map<number, Float32Array>();
    const index = VectorIndex.create(dim);
    for (let i = 0; i < 400; i++) {
      const v = sparse();
      index.add(i, v);
      reference.set(i, v);
    }
    for (let t = 0; t < 20; t++) {
      const q = sparse();
      const hits = index.search(q, 10);
      assert.deepEqual(
        hits.map((h) => h.label),
        bruteForce(reference, q, 10),
      );
      const qn = normalized(q);
      const top = normalized(reference.get(hits[0]!.label)!);
      assert.ok(Math.abs(hits[0]!.similarity - top.reduce((s, x, i) => s + x * qn[i]!, 0)) < 1e-5);
    }
  });

  it('applies the filter in both modes and returns fewer hits when fewer qualify', () => {
    const vectors = clustered(200, 8, 4, 11);
    const index = VectorIndex.create(8);
    vectors.forEach((v, i) => index.add(i, v));
    const even = (label: number): boolean => label % 2 === 0;
    for (const exact of [true, false]) {
      const hits = index.search(vectors[1]!, 5, { exact, filter: even });
      assert.equal(hits.length, 5);
      assert.ok(hits.every((h) => h.label % 2 === 0));
      const few = index.search(vectors[1]!, 5, { exact, filter: (l) => l === 3 || l === 150 });
      assert.deepEqual(new Set(few.map((h) => h.label)), new Set([3, 150]));
    }
    assert.deepEqual(index.search(vectors[0]!, 0), []);
  });
});

describe('VectorIndex deletion, slot reuse and rebuild', () => {
  it('removed labels vanish from results; new vectors reuse their slots without growing', () => {
    const vectors = clustered(100, 8, 4, 5);
    const index = VectorIndex.create(8, undefined, 100);
    vectors.forEach((v, i) => index.add(i, v));
    assert.equal(index.slots, 100);
    for (let i = 0; i < 20; i++) index.remove(i);
    assert.equal(index.size, 80);
    assert.equal(index.deletedCount, 20);
    for (const exact of [true, false]) {
      const hits = index.search(vectors[0]!, 100, { exact });
      assert.equal(hits.length, 80);
      assert.ok(hits.every((h) => h.label >= 20));
    }
    assert.equal(index.vector(0), undefined);
    // 20 new labels fill the 20 dead slots: no new slots, no resize.
    for (let i = 0; i < 20; i++) index.add(1000 + i, vectors[i]!);
    assert.equal(index.slots, 100);
    assert.equal(index.capacity, 100);
    assert.equal(index.deletedCount, 0);
    assert.equal(index.search(vectors[5]!, 1, { exact: false, ef: 50 })[0]!.label, 1005);
    // The next one needs room: capacity grows.
    index.add(2000, vectors[0]!);
    assert.ok(index.capacity > 100);
    assert.equal(index.size, 101);
  });

  it('asks for a rebuild past 30% dead slots; the rebuilt graph keeps labels and vectors', async () => {
    const vectors = clustered(100, 8, 4, 6);
    const index = VectorIndex.create(8);
    vectors.forEach((v, i) => index.add(i, v));
    for (let i = 0; i < 30; i++) index.remove(i);
    assert.equal(index.needsRebuild(), false);
    index.remove(30);
    assert.equal(index.needsRebuild(), true);
    const rebuilt = index.rebuilt();
    assert.equal(rebuilt.slots, 69);
    assert.equal(rebuilt.deletedCount, 0);
    assert.deepEqual([...rebuilt.labels()].sort((a, b) => a - b), Array.from({ length: 69 }, (_, i) => i + 31));
    assert.deepEqual(rebuilt.vector(50), index.vector(50));

    // And it survives a write/read round trip, given the live labels.
    const dir = await mkdtemp(join(tmpdir(), 'rag-hnsw-'));
    try {
      await rebuilt.write(join(dir, 'v.hnsw'));
      const back = await VectorIndex.read(join(dir, 'v.hnsw'), 8, { M: 16, efConstruction: 200 }, rebuilt.labels());
      assert.equal(back.size, 69);
      assert.deepEqual(back.search(vectors[60]!, 3), rebuilt.search(vectors[60]!, 3));
      await assert.rejects(VectorIndex.read(join(dir, 'v.hnsw'), 8, { M: 16, efConstruction: 200 }, [5]), /has no vector for label 5/);
      await assert.rejects(VectorIndex.read(join(dir, 'v.hnsw'), 9, { M: 16, efConstruction: 200 }, []));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects reused labels and wrong dimensions', () => {
    const index = VectorIndex.create(4);
    index.add(1, new Float32Array([1, 0, 0, 0]));
    assert.throws(() => index.add(1, new Float32Array([0, 1, 0, 0])), /label 1 is already in use/);
    assert.throws(() => index.add(2, new Float32Array([0, 1, 0])), /dimension 3/);
    assert.throws(() => index.search(new Float32Array(3), 1), /dimension 3/);
  });
});
