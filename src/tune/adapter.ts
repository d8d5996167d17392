/**
 * `rag tune adapter`: learns a linear query adapter on cached vectors (no re-embedding of the
 * corpus), for one model and one labelled dataset.
 *
 * Three disjoint sets of queries, all split by source group (see split.ts): the held-out test
 * split (the same one `rag tune export` writes, for the same seed and fraction), never looked at
 * while training; a validation slice of the training side that early stopping watches; and the
 * rest, which the matrix is fitted on. Stopping on the test split itself would pick the epoch
 * that happens to suit those queries and overstate the gain measured on them.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { applyAdapter, INDEX_ADAPTER_FILE, serializeAdapter, type QueryAdapter } from '../embed/query-adapter.js';
import { RagError } from '../errors.js';
import { readManifest } from '../store/manifest.js';
import { isPostgresLocation } from '../store/pg/location.js';
import { compareRuns } from '../eval/compare.js';
import { evaluateRun } from '../eval/metrics.js';
import type { RunComparison } from '../eval/types.js';
import { writeFileAtomic } from '../store/atomic.js';
import { loadTuneCorpus, rankDocuments, groupOfQuery, type TuneCorpus, type TuneCorpusOptions } from './corpus.js';
import { buildExamples, type TrainingExample } from './examples.js';
import { DEFAULT_FIT, fitAdapter, type EpochReport, type FitExample } from './fit.js';
import { DEFAULT_NEGATIVE_RANGE, DEFAULT_NEGATIVES, type NegativeRange } from './negatives.js';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, splitQueries } from './split.js';

import { DEFAULT_VALIDATION_FRACTION } from './defaults.js';

export { DEFAULT_VALIDATION_FRACTION };
const METRIC = 'ndcg_at_10';

export interface AdapterOptions extends TuneCorpusOptions {
  /** Where to write the adapter (JSON); nothing is written without it. */
  out?: string;
  negatives?: number;
  range?: NegativeRange;
  excludeUnjudgedTop?: number;
  testFraction?: number;
  /** Share of the training groups early stopping watches (default 0.2). */
  validationFraction?: number;
  seed?: number;
  epochs?: number;
  learningRate?: number;
  temperature?: number;
  batchSize?: number;
  patience?: number;
  weightDecay?: number;
  onEpoch?: (e: EpochReport) => void;
}

export interface AdapterResult {
  adapter: QueryAdapter;
  file?: string;
  trainQueries: number;
  validationQueries: number;
  testQueries: number;
  /** Validation nDCG@10 of the identity and of the epoch kept. */
  validation: { plain: number; adapted: number };
  /** The held-out test split, plain against adapted (exact search), with the paired CI and p. */
  test: RunComparison;
  epochs: EpochReport[];
  bestEpoch: number;
  trainSeconds: number;
}

export async function trainAdapter(options: AdapterOptions): Promise<AdapterResult> {
  const corpus = await loadTuneCorpus(options);
  return trainAdapterOn(corpus, options);
}

/** {@link trainAdapter} on a corpus already in memory (the benchmark times this part alone). */
export async function trainAdapterOn(corpus: TuneCorpus, options: Omit<AdapterOptions, keyof TuneCorpusOptions> & Partial<TuneCorpusOptions> = {}): Promise<AdapterResult> {
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const negatives = options.negatives ?? DEFAULT_NEGATIVES;
  const examples = buildExamples(
    corpus,
    { negatives, range: options.range ?? DEFAULT_NEGATIVE_RANGE, seed, ...(options.excludeUnjudgedTop === undefined ? {} : { excludeUnjudgedTop: options.excludeUnjudgedTop }) },
    { testFraction, seed },
  );
  const inner = splitQueries(examples.split.train, groupOfQuery(corpus.sourceDocument), { testFraction: options.validationFraction ?? DEFAULT_VALIDATION_FRACTION, seed: seed + 1 });
  const validationIds = new Set(inner.test);
  const fitSet = examples.train.filter((e) => !validationIds.has(e.queryId));
  const validation = examples.train.filter((e) => validationIds.has(e.queryId));

  const started = performance.now();
  const fit = fitAdapter(corpus.model.dimension, fitSet.map((e) => fitExample(corpus, e)), {
    ...DEFAULT_FIT,
    ...defined({ epochs: options.epochs, learningRate: options.learningRate, temperature: options.temperature, batchSize: options.batchSize, patience: options.patience, weightDecay: options.weightDecay }),
    seed,
    score: (matrix) => scoreQueries(corpus, validation, matrix).mean,
    ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }),
  });
  const trainSeconds = (performance.now() - started) / 1000;

  const plain = scoreQueries(corpus, examples.test, undefined);
  const adapted = scoreQueries(corpus, examples.test, fit.matrix);
  const ids = examples.test.map((e) => e.queryId);
  const [test] = compareRuns(
    [{ baseline: { model: corpus.model.id, mode: 'dense' }, candidate: { model: `${corpus.model.id}+adapter`, mode: 'dense' }, a: ids.map((id) => plain.perQuery.get(id) ?? 0), b: ids.map((id) => adapted.perQuery.get(id) ?? 0) }],
    METRIC,
    { seed },
  );
  const adapter: QueryAdapter = {
    model: { id: corpus.model.id, fingerprint: corpus.model.fingerprint, dimension: corpus.model.dimension },
    matrix: fit.matrix,
    provenance: {
      trainingDataHash: examples.trainingDataHash,
      dataset: { name: corpus.dataset.name, fingerprint: corpus.dataset.fingerprint, ...(corpus.dataset.split === undefined ? {} : { split: corpus.dataset.split }) },
      seed,
      testFraction,
      trainQueryIds: examples.split.train,
      testQueryIds: examples.split.test,
      heldOut: { plain: fit.initialScore, adapted: fit.bestScore, metric: `validation ${METRIC}` },
      epochs: fit.epochs.length,
      bestEpoch: fit.bestEpoch,
      learningRate: options.learningRate ?? DEFAULT_FIT.learningRate,
      temperature: options.temperature ?? DEFAULT_FIT.temperature,
      negatives,
      trainSeconds,
    },
  };
  if (options.out !== undefined) {
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFileAtomic(options.out, serializeAdapter(adapter));
  }
  return {
    adapter,
    ...(options.out === undefined ? {} : { file: options.out }),
    trainQueries: fitSet.length,
    validationQueries: validation.length,
    testQueries: examples.test.length,
    validation: { plain: fit.initialScore, adapted: fit.bestScore },
    test: test!,
    epochs: fit.epochs,
    bestEpoch: fit.bestEpoch,
    trainSeconds,
  };
}

function fitExample(corpus: TuneCorpus, e: TrainingExample): FitExample {
  const relevant = corpus.queries.find((q) => q.id === e.queryId)!.relevant;
  const index = new Map(corpus.docIds.map((id, i) => [id, i]));
  const relevantKeys = new Set(Object.entries(relevant).filter(([, g]) => g > 0).map(([id]) => index.get(id) ?? -1));
  return {
    query: corpus.queryVectors.get(e.queryId)!,
    positives: e.positives.map((p) => corpus.chunkVectors[p.chunk]!),
    positiveKeys: e.positives.map((p) => p.doc),
    negatives: e.negatives.map((n) => corpus.chunkVectors[n.chunk]!),
    relevantKeys,
  };
}

/** nDCG@10 of each query with the query vectors passed through `matrix` (none: the plain model). */
function scoreQueries(corpus: TuneCorpus, examples: readonly TrainingExample[], matrix: Float32Array | undefined): { mean: number; perQuery: Map<string, number> } {
  const run = new Map<string, string[]>();
  const qrels = new Map<string, Map<string, number>>();
  const byId = new Map(corpus.queries.map((q) => [q.id, q]));
  for (const e of examples) {
    const q = corpus.queryVectors.get(e.queryId)!;
    const vector = matrix === undefined ? q : applyAdapter(matrix, q);
    run.set(e.queryId, rankDocuments(corpus, vector, 10).map((r) => corpus.docIds[r.doc]!));
    qrels.set(e.queryId, new Map(Object.entries(byId.get(e.queryId)!.relevant)));
  }
  const scored = evaluateRun(run, qrels, [10]);
  return { mean: scored.mean[METRIC] ?? 0, perQuery: new Map([...scored.perQuery].map(([id, m]) => [id, m[METRIC] ?? 0])) };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}

/**
 * Saves an adapter in an index folder (`adapter.json`), where `rag query` applies it by default.
 * Refused for an index built with another model, or the same model under other settings: its
 * queries would be moved into the wrong space.
 */
export async function saveAdapterInIndex(adapter: QueryAdapter, indexDir: string): Promise<string> {
  if (isPostgresLocation(indexDir)) {
    throw new RagError('usage', 'a query adapter can be saved in an index folder, not in PostgreSQL', {
      hint: 'keep the file and pass it as the adapter option of query()',
      details: { advice: 'adapter-not-in-postgres' },
    });
  }
  const manifest = await readManifest(indexDir);
  if (manifest.modelFingerprint !== adapter.model.fingerprint) {
    throw new RagError('model-mismatch', `index ${indexDir} was built with ${manifest.model.id} under other settings than the adapter's ${adapter.model.id}`, {
      hint: "train with the index's model, or save it to a file and pass it as the adapter where it fits",
      details: { advice: 'adapter-index-model', location: indexDir },
    });
  }
  const file = path.join(indexDir, INDEX_ADAPTER_FILE);
  await writeFileAtomic(file, serializeAdapter(adapter));
  return file;
}
