/**
 * `rag tune export`: hard-negative training data for fine-tuning in Python. One JSON line per
 * training query, `{"query", "pos": [...], "neg": [...]}` (FlagEmbedding's format, which
 * sentence-transformers reads with `datasets.load_dataset("json", ...)`), plus `prompt` when the
 * model has a query instruction, and the ids of everything for tracing (`query_id`, `pos_ids`,
 * `neg_ids`). The held-out queries are written beside it in the same format and as a qrels file
 * that `rag eval --split FILE` scores, so a fine-tuned model can be measured on queries it never saw.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicStream } from '../store/atomic.js';
import { packageVersion } from '../version.js';
import { loadTuneCorpus, type TuneCorpus, type TuneCorpusOptions } from './corpus.js';
import { buildExamples, type TrainingExample } from './examples.js';
import { DEFAULT_NEGATIVE_RANGE, DEFAULT_NEGATIVES, type NegativeRange } from './negatives.js';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION } from './split.js';

export const TUNE_SPLIT_FORMAT_VERSION = 1;

export interface ExportOptions extends TuneCorpusOptions {
  /** The training file (`train.jsonl`); the other files take its name without `.jsonl`. */
  out: string;
  /** Hard negatives per query (default 7). */
  negatives?: number;
  /** Rank window negatives are sampled from (default skip 10, depth 100). */
  range?: NegativeRange;
  excludeUnjudgedTop?: number;
  testFraction?: number;
  seed?: number;
}

export interface ExportResult {
  files: { train: string; heldOut: string; heldOutQrels: string; split: string };
  trainQueries: number;
  testQueries: number;
  trainGroups: number;
  testGroups: number;
  /** Training queries that got fewer negatives than asked (their window had too few eligible documents). */
  shortOfNegatives: number;
  /** Whether queries were grouped by their source document (generated queries). */
  groupedBySource: boolean;
  trainingDataHash: string;
  model: TuneCorpus['model'];
}

/** The training file's siblings: `<stem>.heldout.jsonl`, `<stem>.heldout.tsv`, `<stem>.split.json`. */
export function exportFiles(out: string): ExportResult['files'] {
  const stem = out.endsWith('.jsonl') ? out.slice(0, -'.jsonl'.length) : out;
  return { train: out, heldOut: `${stem}.heldout.jsonl`, heldOutQrels: `${stem}.heldout.tsv`, split: `${stem}.split.json` };
}

export async function exportTrainingData(options: ExportOptions): Promise<ExportResult> {
  const negatives = options.negatives ?? DEFAULT_NEGATIVES;
  const range = options.range ?? DEFAULT_NEGATIVE_RANGE;
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const corpus = await loadTuneCorpus(options);
  const examples = buildExamples(
    corpus,
    { negatives, range, seed, ...(options.excludeUnjudgedTop === undefined ? {} : { excludeUnjudgedTop: options.excludeUnjudgedTop }) },
    { testFraction, seed },
  );
  const files = exportFiles(path.resolve(options.out));
  const line = (e: TrainingExample): string => {
    const text = (r: { doc: number }): string => corpus.documentText.get(corpus.docIds[r.doc]!) ?? '';
    return `${JSON.stringify({
      query: e.text,
      pos: e.positives.map(text),
      neg: e.negatives.map(text),
      ...(corpus.model.queryPrefix ? { prompt: corpus.model.queryPrefix } : {}),
      query_id: e.queryId,
      pos_ids: e.positives.map((r) => corpus.docIds[r.doc]),
      neg_ids: e.negatives.map((r) => corpus.docIds[r.doc]),
    })}\n`;
  };
  await mkdir(path.dirname(files.train), { recursive: true });
  await writeFileAtomicStream(files.train, examples.train.map(line));
  await writeFileAtomicStream(files.heldOut, examples.test.map(line));
  const byId = new Map(corpus.queries.map((q) => [q.id, q]));
  const qrelsLines = ['query-id\tcorpus-id\tscore\n'];
  for (const id of examples.split.test) for (const [docId, grade] of Object.entries(byId.get(id)!.relevant)) qrelsLines.push(`${id}\t${docId}\t${grade}\n`);
  await writeFileAtomicStream(files.heldOutQrels, qrelsLines);
  const splitRecord = {
    formatVersion: TUNE_SPLIT_FORMAT_VERSION,
    toolVersion: packageVersion(),
    dataset: { name: corpus.dataset.name, path: corpus.dataset.root, fingerprint: corpus.dataset.fingerprint, ...(corpus.dataset.split === undefined ? {} : { split: corpus.dataset.split }) },
    model: corpus.model,
    chunking: corpus.chunking,
    seed,
    testFraction,
    groupedBySource: corpus.sourceDocument.size > 0,
    negatives: { perQuery: negatives, range: `${range.skip}-${range.depth}`, excludeUnjudgedTop: options.excludeUnjudgedTop ?? 0 },
    trainingDataHash: examples.trainingDataHash,
    train: examples.split.train,
    test: examples.split.test,
  };
  await writeFileAtomic(files.split, `${JSON.stringify(splitRecord, null, 2)}\n`);
  return {
    files,
    trainQueries: examples.train.length,
    testQueries: examples.test.length,
    trainGroups: examples.split.trainGroups,
    testGroups: examples.split.testGroups,
    shortOfNegatives: examples.train.filter((e) => e.negatives.length < negatives).length,
    groupedBySource: corpus.sourceDocument.size > 0,
    trainingDataHash: examples.trainingDataHash,
    model: corpus.model,
  };
}
