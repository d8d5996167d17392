/**
 * `rag tune`: the held-out split (a property test: no query and no source document on both
 * sides, whatever the ids, groups, fraction and seed), hard negatives (never judged relevant,
 * always inside the window), the adapter file (round trip, refusal of another model's adapter),
 * the fit (identity when nothing helps, better on a corpus where a linear map helps), and the
 * whole CLI path: export, adapter, eval --split/--adapter, query --adapter.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from '../src/random.js';
import { RagError } from '../src/errors.js';
import { groupsByRelevant, splitQueries } from '../src/tune/split.js';
import { mineNegatives, parseNegativeRange } from '../src/tune/negatives.js';
import { applyAdapter, identityMatrix, parseAdapter, serializeAdapter, withQueryAdapter, type QueryAdapter } from '../src/embed/query-adapter.js';
import { fitAdapter, type FitExample } from '../src/tune/fit.js';
import { toRow } from '../src/tune/corpus.js';
import { exportTrainingData } from '../src/tune/export.js';
import { HashEmbedder } from '../src/embed/hash.js';
import { loadDataset } from '../src/eval/dataset.js';
import { lines, runCli, tempDir } from './helpers/cli.js';

function isCode(code: string): (e: unknown) => boolean {
  return (e) => e instanceof RagError && e.code === code;
}

describe('splitQueries', () => {
  it('never puts a query or a group on both sides, for any ids, groups, fraction and seed (property)', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + Math.floor(random() * 60);
      const groupCount = 2 + Math.floor(random() * n);
      const ids = Array.from({ length: n }, (_, i) => `q${i}-${Math.floor(random() * 1e6)}`);
      const groups = new Map(ids.map((id, i) => [id, i < groupCount ? `g${i}` : `g${Math.floor(random() * groupCount)}`]));
      const fraction = 0.01 + random() * 0.98;
      const seed = Math.floor(random() * 1e9);
      const split = splitQueries(ids, (id) => groups.get(id)!, { testFraction: fraction, seed });
      const train = new Set(split.train);
      assert.equal(split.train.length + split.test.length, n);
      assert.ok(split.test.every((id) => !train.has(id)));
      assert.deepEqual([...split.train, ...split.test].sort(), [...ids].sort());
      const trainGroups = new Set(split.train.map((id) => groups.get(id)));
      assert.ok(split.test.every((id) => !trainGroups.has(groups.get(id))), `trial ${trial}: a group on both sides`);
      assert.ok(split.test.length > 0 && split.train.length > 0);
      // The same seed gives the same split, whatever the order the queries come in.
      const again = splitQueries([...ids].reverse(), (id) => groups.get(id)!, { testFraction: fraction, seed });
      assert.deepEqual(new Set(again.test), new Set(split.test));
    }
  });

  it('with groupsByRelevant, no judged-relevant document is on both sides (property)', () => {
    const random = seededRandom(13);
    for (let trial = 0; trial < 200; trial++) {
      const docs = 3 + Math.floor(random() * 40);
      const queries = Array.from({ length: 4 + Math.floor(random() * 50) }, (_, i) => {
        const relevant: Record<string, number> = {};
        const k = 1 + Math.floor(random() * 3);
        for (let j = 0; j < k; j++) relevant[`d${Math.floor(random() * docs)}`] = random() < 0.2 ? 0 : 1;
        return { id: `q${i}`, relevant };
      });
      const groups = groupsByRelevant(queries);
      if (new Set(groups.values()).size < 2) continue;
      const split = splitQueries(queries.map((q) => q.id), (id) => groups.get(id)!, { seed: trial });
      const byId = new Map(queries.map((q) => [q.id, q]));
      const docsOf = (ids: string[]) => new Set(ids.flatMap((id) => Object.entries(byId.get(id)!.relevant).filter(([, g]) => g > 0).map(([d]) => d)));
      const trainDocs = docsOf(split.train);
      for (const d of docsOf(split.test)) assert.ok(!trainDocs.has(d), `trial ${trial}: ${d} relevant on both sides`);
    }
  });

  it('holds out about the fraction of the groups, and another seed another sample', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `q${i}`);
    const a = splitQueries(ids, (id) => id, { testFraction: 0.2, seed: 1 });
    const b = splitQueries(ids, (id) => id, { testFraction: 0.2, seed: 2 });
    assert.equal(a.test.length, 200);
    assert.notDeepEqual(a.test, b.test);
  });

  it('refuses a fraction outside (0, 1) and a set with one group', () => {
    assert.throws(() => splitQueries(['a', 'b'], (id) => id, { testFraction: 1 }), isCode('usage'));
    assert.throws(() => splitQueries(['a', 'b'], () => 'same'), isCode('dataset-invalid'));
  });
});

describe('mineNegatives', () => {
  it('never returns a judged-relevant document, stays in the window, skips unjudged top documents (property)', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const docs = 20 + Math.floor(random() * 150);
      const docIds = Array.from({ length: docs }, (_, i) => `d${i}`);
      const ranking = docIds.map((_, i) => ({ doc: i, chunk: i, score: 1 - i / docs })).sort(() => random() - 0.5);
      const labels: Record<string, number> = {};
      for (const id of docIds) {
        const r = random();
        if (r < 0.15) labels[id] = 1 + Math.floor(random() * 3);
        else if (r < 0.3) labels[id] = 0;
      }
      const skip = Math.floor(random() * 15);
      const depth = skip + 1 + Math.floor(random() * 100);
      const excludeUnjudgedTop = Math.floor(random() * 30);
      const negs = mineNegatives(`q${trial}`, ranking, docIds, labels, { negatives: 1 + Math.floor(random() * 10), range: { skip, depth }, excludeUnjudgedTop, seed: 3 });
      for (const n of negs) {
        const rank = ranking.indexOf(n) + 1;
        const grade = labels[docIds[n.doc]!];
        assert.ok(grade === undefined || grade <= 0, 'a relevant document was used as a negative');
        assert.ok(rank > skip && rank <= depth, `rank ${rank} outside ${skip}-${depth}`);
        assert.ok(!(grade === undefined && rank <= excludeUnjudgedTop), 'an unjudged top document was used');
      }
      assert.equal(new Set(negs.map((n) => n.doc)).size, negs.length);
    }
  });

  it('parses --range and refuses a backwards one', () => {
    assert.deepEqual(parseNegativeRange('10-100'), { skip: 10, depth: 100 });
    assert.throws(() => parseNegativeRange('50-10'), isCode('usage'));
    assert.throws(() => parseNegativeRange('ten'), isCode('usage'));
  });
});

function randomAdapter(d: number, fingerprint: string, touched: number[]): QueryAdapter {
  const random = seededRandom(5);
  const matrix = identityMatrix(d);
  for (const j of touched) for (let i = 0; i < d; i++) matrix[j * d + i] = random() - 0.5;
  return {
    model: { id: 'hash', fingerprint, dimension: d },
    matrix,
    provenance: {
      trainingDataHash: 'sha256:00', dataset: { name: 'x', fingerprint: 'sha256:11' }, seed: 42, testFraction: 0.2,
      trainQueryIds: ['a'], testQueryIds: ['b'], heldOut: { plain: 0.5, adapted: 0.6, metric: 'validation ndcg_at_10' },
      epochs: 3, bestEpoch: 2, learningRate: 0.002, temperature: 0.05, negatives: 7, trainSeconds: 1,
    },
  };
}

describe('query adapter file', () => {
  it('round-trips exactly, storing only the columns that are not the identity', () => {
    const adapter = randomAdapter(16, 'fp', [0, 5, 15]);
    const text = serializeAdapter(adapter);
    const file = JSON.parse(text) as { columns: number[] };
    assert.deepEqual(file.columns, [0, 5, 15]);
    const back = parseAdapter(text, 'a.json');
    assert.deepEqual(back.matrix, adapter.matrix);
    assert.deepEqual(back.model, adapter.model);
    assert.deepEqual(back.provenance, adapter.provenance);
  });

  it('refuses other files and other format versions', () => {
    assert.throws(() => parseAdapter('{"kind":"something"}', 'x.json'), isCode('adapter-invalid'));
    assert.throws(() => parseAdapter('not json', 'x.json'), isCode('adapter-invalid'));
    const text = serializeAdapter(randomAdapter(4, 'fp', [1])).replace('"formatVersion":1', '"formatVersion":99');
    assert.throws(() => parseAdapter(text, 'x.json'), /format 99/);
  });

  it('the identity adapter only normalises', () => {
    const q = new Float32Array([3, 0, 4]);
    assert.deepEqual([...applyAdapter(identityMatrix(3), q)].map((x) => Number(x.toFixed(6))), [0.6, 0, 0.8]);
  });

  it('refuses an adapter trained for another model or settings', async () => {
    const embedder = new HashEmbedder({ dimension: 64 });
    const other = randomAdapter(64, 'sha256:not-this-model', [1]);
    assert.throws(() => withQueryAdapter(embedder, other), isCode('model-mismatch'));
    const own = randomAdapter(64, embedder.fingerprint, [1]);
    const adapted = withQueryAdapter(embedder, own);
    const v = await adapted.embedQuery('hello world');
    assert.deepEqual(v, applyAdapter(own.matrix, await embedder.embedQuery('hello world')));
  });
});

describe('fitAdapter', () => {
  /** Queries are documents seen through a fixed rotation: the plain model ranks them badly, a linear map perfectly. */
  function rotatedTask(d: number, n: number, seed: number) {
    const random = seededRandom(seed);
    const unit = (v: Float32Array) => {
      const s = Math.hypot(...v);
      return v.map((x) => x / s);
    };
    const docs = Array.from({ length: n }, () => unit(Float32Array.from({ length: d }, () => random() - 0.5)));
    const perm = Array.from({ length: d }, (_, i) => (i + 1) % d);
    const queries = docs.map((doc) => {
      const q = new Float32Array(d);
      perm.forEach((to, from) => (q[to] = doc[from]!));
      return q;
    });
    return { docs, queries };
  }
  function recallAt1(matrix: Float32Array, docs: Float32Array[], queries: Float32Array[], which: number[]): number {
    let hits = 0;
    for (const i of which) {
      const u = applyAdapter(matrix, queries[i]!);
      let best = -1;
      let bestScore = -Infinity;
      docs.forEach((doc, j) => {
        const s = doc.reduce((acc, x, k) => acc + x * u[k]!, 0);
        if (s > bestScore) [best, bestScore] = [j, s];
      });
      if (best === i) hits++;
    }
    return hits / which.length;
  }

  it('learns a map that generalises to queries it did not see, and stops on the score', () => {
    const d = 16;
    const { docs, queries } = rotatedTask(d, 120, 1);
    const train = Array.from({ length: 80 }, (_, i) => i);
    const validation = Array.from({ length: 20 }, (_, i) => 80 + i);
    const test = Array.from({ length: 20 }, (_, i) => 100 + i);
    const examples: FitExample[] = train.map((i) => ({
      query: queries[i]!,
      positives: [toRow(docs[i]!)],
      positiveKeys: [i],
      negatives: [toRow(docs[(i + 1) % 80]!)],
      relevantKeys: new Set([i]),
    }));
    const result = fitAdapter(d, examples, { epochs: 60, learningRate: 0.02, temperature: 0.1, batchSize: 16, patience: 10, weightDecay: 0, seed: 1, score: (m) => recallAt1(m, docs, queries, validation) });
    const plain = recallAt1(identityMatrix(d), docs, queries, test);
    const adapted = recallAt1(result.matrix, docs, queries, test);
    assert.ok(result.bestEpoch > 0);
    assert.ok(adapted > plain + 0.3, `plain ${plain}, adapted ${adapted}`);
  });

  it('keeps the identity when no epoch beats it', () => {
    const d = 8;
    const { docs, queries } = rotatedTask(d, 20, 2);
    const examples: FitExample[] = queries.map((q, i) => ({ query: q, positives: [toRow(docs[i]!)], positiveKeys: [i], negatives: [], relevantKeys: new Set([i]) }));
    const identity = identityMatrix(d);
    // A score that only the identity reaches: any trained matrix scores lower.
    const result = fitAdapter(d, examples, { epochs: 5, learningRate: 0.05, temperature: 0.1, batchSize: 4, patience: 2, weightDecay: 0, seed: 1, score: (m) => (m.every((x, i) => x === identity[i]) ? 1 : 0) });
    assert.equal(result.bestEpoch, 0);
    assert.deepEqual(result.matrix, identity);
    assert.equal(result.epochs.length, 2);
  });
});

/**
 * A small generated-style BEIR dataset: 30 documents on distinct topics, 3 queries each written
 * from their document (queries.jsonl `metadata.docId`, as `rag queries generate` writes).
 */
async function writeDataset(dir: string): Promise<void> {
  const random = seededRandom(3);
  const vocab = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x${Math.floor(random() * 1e4).toString(36)}`);
  const docs = Array.from({ length: 30 }, (_, d) => {
    const topic = vocab.slice(d * 10, d * 10 + 10);
    const words = Array.from({ length: 60 }, () => (random() < 0.6 ? topic[Math.floor(random() * 10)]! : vocab[300 + Math.floor(random() * 100)]!));
    return { _id: `doc${d}`, title: '', text: `${words.join(' ')}.`, topic };
  });
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  await writeFile(path.join(dir, 'corpus.jsonl'), docs.map(({ topic: _t, ...d }) => JSON.stringify(d)).join('\n') + '\n');
  const queries = docs.flatMap((d, i) =>
    [0, 1, 2].map((k) => ({ _id: `g${i}_${k}`, text: Array.from({ length: 4 }, () => d.topic[Math.floor(random() * 10)]).join(' '), metadata: { docId: d._id } })),
  );
  await writeFile(path.join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
  await writeFile(path.join(dir, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...queries.map((q) => `${q._id}\t${q.metadata.docId}\t1`)].join('\n') + '\n');
}

describe('loadDataset with a qrels file as split', () => {
  it('reads a BEIR dataset\'s labels from the file, and refuses the simple layout', async () => {
    const dir = await tempDir('tune-split');
    try {
      await writeDataset(path.join(dir, 'beir'));
      await writeFile(path.join(dir, 'held.tsv'), 'query-id\tcorpus-id\tscore\ng1_0\tdoc1\t1\ng2_1\tdoc2\t1\n');
      const ds = await loadDataset(path.join(dir, 'beir'), { split: path.join(dir, 'held.tsv') });
      assert.deepEqual([...ds.queries.keys()], ['g1_0', 'g2_1']);
      await mkdir(path.join(dir, 'simple'));
      await writeFile(path.join(dir, 'simple', 'a.md'), '# a\n');
      await writeFile(path.join(dir, 'simple', 'queries.jsonl'), '{"query": "a", "relevant": ["a.md"]}\n');
      await assert.rejects(loadDataset(path.join(dir, 'simple'), { split: path.join(dir, 'held.tsv') }), /needs a BEIR-layout dataset/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('rag tune (end to end)', () => {
  let cwd: string;
  let dataset: string;
  before(async () => {
    cwd = await tempDir('tune-cli');
    dataset = path.join(cwd, 'gen');
    await writeDataset(dataset);
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('library export: no query, no source document in both splits, no relevant document as a negative', async () => {
    const result = await exportTrainingData({ dataset, out: path.join(cwd, 'lib', 'train.jsonl'), cache: false, negatives: 5, range: { skip: 2, depth: 25 } });
    assert.equal(result.trainQueries + result.testQueries, 90);
    assert.ok(result.groupedBySource);
    const read = async (f: string) => lines(await readFile(f, 'utf8')).map((l) => JSON.parse(l) as { query_id: string; pos_ids: string[]; neg_ids: string[]; pos: string[]; neg: string[] });
    const train = await read(result.files.train);
    const test = await read(result.files.heldOut);
    const source = (id: string) => `doc${id.slice(1).split('_')[0]}`;
    const trainDocs = new Set(train.map((r) => source(r.query_id)));
    assert.ok(test.every((r) => !trainDocs.has(source(r.query_id))));
    for (const r of [...train, ...test]) {
      assert.deepEqual(r.pos_ids, [source(r.query_id)]);
      assert.ok(!r.neg_ids.includes(source(r.query_id)));
      assert.equal(r.neg.length, r.neg_ids.length);
      assert.ok(r.neg_ids.length <= 5);
    }
  });

  it('export, eval --split, adapter, eval --adapter, query --adapter; another model is refused', async () => {
    const ex = await runCli(['tune', 'export', '--dataset', dataset, '--out', 'train.jsonl', '--negatives', '3', '--range', '2-20', '--no-cache'], { cwd });
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /^train\.jsonl: \d+ training queries \(\d+ source documents\)$/m);
    const heldOut = lines(await readFile(path.join(cwd, 'train.heldout.tsv'), 'utf8')).slice(1);
    const split = JSON.parse(await readFile(path.join(cwd, 'train.split.json'), 'utf8')) as { test: string[]; train: string[] };
    assert.equal(heldOut.length, split.test.length);

    const ev = await runCli(['eval', '--dataset', dataset, '--split', 'train.heldout.tsv', '--out', 'ev', '--json', '--no-cache'], { cwd });
    assert.equal(ev.code, 0, ev.stderr);
    assert.equal((JSON.parse(ev.stdout) as { runs: Array<{ evaluatedQueries: number }> }).runs[0]!.evaluatedQueries, split.test.length);

    const ad = await runCli(['tune', 'adapter', '--dataset', dataset, '--out', 'adapter.json', '--epochs', '3', '--json', '--no-cache'], { cwd });
    assert.equal(ad.code, 0, ad.stderr);
    const trained = JSON.parse(ad.stdout) as { testQueries: number; test: { result: { n: number; ci: number[] } }; epochs: unknown[] };
    assert.equal(trained.testQueries, split.test.length);
    assert.equal(trained.test.result.n, split.test.length);
    assert.ok(trained.epochs.length >= 1 && trained.epochs.length <= 3);

    const withAdapter = await runCli(['eval', '--dataset', dataset, '--split', 'train.heldout.tsv', '--adapter', 'adapter.json', '--out', 'ev2', '--json', '--no-cache'], { cwd });
    assert.equal(withAdapter.code, 0, withAdapter.stderr);
    const results = JSON.parse(withAdapter.stdout) as { runs: Array<{ model: string }>; comparisons: Array<{ candidate: { model: string }; pHolm: number; result: { ci: number[] } }> };
    assert.deepEqual(results.runs.map((r) => r.model), ['hash', 'hash+adapter']);
    assert.equal(results.comparisons[0]!.candidate.model, 'hash+adapter');
    assert.equal(typeof results.comparisons[0]!.pHolm, 'number');
    // The library's held-out comparison and eval's agree: the same queries, the same exact ranking.
    assert.deepEqual(results.comparisons[0]!.result.ci.map((x) => x.toFixed(6)), trained.test.result.ci.map((x) => x.toFixed(6)));
    assert.doesNotMatch(withAdapter.stderr, /used to train --adapter/);

    const leaky = await runCli(['eval', '--dataset', dataset, '--adapter', 'adapter.json', '--out', 'ev3', '--no-cache'], { cwd });
    assert.equal(leaky.code, 0, leaky.stderr);
    assert.match(leaky.stderr, /warning: \d+ evaluated queries were used to train --adapter/);

    const mismatch = await runCli(['eval', '--dataset', dataset, '--model', 'hash', '--script-fold', 'none', '--adapter', 'adapter.json', '--out', 'ev4', '--no-cache'], { cwd });
    assert.equal(mismatch.code, 2, mismatch.stderr);
    assert.match(mismatch.stderr, /^rag: --adapter was trained for hash/m);

    const ing = await runCli(['ingest', path.join(dataset, 'corpus.jsonl'), '--index', 'idx', '--no-cache'], { cwd });
    assert.equal(ing.code, 0, ing.stderr);
    const q = await runCli(['query', 'hello', '--index', 'idx', '--adapter', 'adapter.json', '--json'], { cwd });
    assert.equal(q.code, 0, q.stderr);
    const bad = await runCli(['query', 'hello', '--index', 'idx', '--adapter', 'train.split.json'], { cwd });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a query adapter/);
  });

  it('tune adapter --index saves it in the index, rag query applies it by default; --no-adapter and another model\'s index', async () => {
    for (const [dir, extra] of [['own', []], ['other', ['--script-fold', 'none']]] as const) {
      const ing = await runCli(['ingest', path.join(dataset, 'corpus.jsonl'), '--index', dir, '--no-cache', ...extra], { cwd });
      assert.equal(ing.code, 0, ing.stderr);
    }
    const refused = await runCli(['tune', 'adapter', '--dataset', dataset, '--out', 'a2.json', '--index', 'other', '--epochs', '2', '--no-cache'], { cwd });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^rag: index other was built with hash under other settings than the adapter's hash/m);
    await assert.rejects(stat(path.join(cwd, 'other', 'adapter.json')));

    const saved = await runCli(['tune', 'adapter', '--dataset', dataset, '--out', 'a3.json', '--index', 'own', '--epochs', '2', '--no-cache'], { cwd });
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stderr, /saved in the index: own\/adapter\.json/);

    const text = 'hello world';
    const scores = (stdout: string): number[] => (JSON.parse(stdout) as { results: Array<{ score: number }> }).results.map((h) => h.score);
    const auto = await runCli(['query', text, '--index', 'own', '--json'], { cwd });
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(auto.stderr, /query adapter: \S*\bown\/adapter\.json/);
    const explicit = await runCli(['query', text, '--index', 'own', '--adapter', 'a3.json', '--json'], { cwd });
    assert.deepEqual(scores(auto.stdout), scores(explicit.stdout));
    assert.doesNotMatch(explicit.stderr, /query adapter:/);
    const without = await runCli(['query', text, '--index', 'own', '--no-adapter', '--json'], { cwd });
    assert.equal(without.code, 0, without.stderr);
    assert.doesNotMatch(without.stderr, /query adapter/);
    // Without the adapter, the saved index answers as an index that never had one.
    const plain = await runCli(['query', text, '--index', 'other', '--json'], { cwd });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(scores(without.stdout).length, scores(plain.stdout).length);

    // An adapter left behind after the index was rebuilt with other settings is refused, not applied.
    await copyFile(path.join(cwd, 'own', 'adapter.json'), path.join(cwd, 'other', 'adapter.json'));
    const stale = await runCli(['query', text, '--index', 'other'], { cwd });
    assert.equal(stale.code, 2, stale.stderr);
    assert.match(stale.stderr, /^rag: \S*\bother\/adapter\.json was trained for hash under other settings than this index's model hash; .*--no-adapter/m);
  });
});
