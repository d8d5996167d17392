/**
 * Training examples: per query its positives and mined hard negatives, as document indices with
 * the chunk that represents each (its best chunk for that query under the plain model), plus the
 * train/test split. `rag tune export` writes them as text; `rag tune adapter` learns from their
 * vectors. Both share this, so the exported file and the adapter see the same examples.
 */
import { createHash } from 'node:crypto';
import type { RankedDoc, TuneCorpus } from './corpus.js';
import { groupOfQuery, rankDocuments } from './corpus.js';
import { mineNegatives, type NegativeOptions } from './negatives.js';
import { splitQueries, type QuerySplit, type SplitOptions } from './split.js';

export interface TrainingExample {
  queryId: string;
  text: string;
  /** Judged-relevant documents (grade > 0), each by its best chunk for this query. */
  positives: RankedDoc[];
  negatives: RankedDoc[];
  /** How the plain model ranked the documents (deep enough for the negative window). */
  ranking: RankedDoc[];
}

export interface TrainingExamples {
  split: QuerySplit;
  train: TrainingExample[];
  test: TrainingExample[];
  /** `sha256:<hex>` over the training side: ids, texts, positive and negative ids, in order. */
  trainingDataHash: string;
}

export function buildExamples(corpus: TuneCorpus, negatives: NegativeOptions, splitOptions: SplitOptions): TrainingExamples {
  const split = splitQueries(corpus.queries.map((q) => q.id), groupOfQuery(corpus.sourceDocument), splitOptions);
  const docIndex = new Map(corpus.docIds.map((id, i) => [id, i]));
  const byId = new Map(corpus.queries.map((q) => [q.id, q]));
  const example = (id: string): TrainingExample => {
    const q = byId.get(id)!;
    const vector = corpus.queryVectors.get(id)!;
    const full = rankDocuments(corpus, vector, corpus.docIds.length);
    const rankOf = new Map(full.map((r) => [r.doc, r]));
    const positives = Object.entries(q.relevant)
      .filter(([docId, g]) => g > 0 && docIndex.has(docId))
      .map(([docId]) => rankOf.get(docIndex.get(docId)!)!)
      .filter((r) => r !== undefined);
    const ranking = full.slice(0, Math.max(negatives.range.depth, 10));
    return { queryId: id, text: q.text, positives, negatives: mineNegatives(id, ranking, corpus.docIds, q.relevant, negatives), ranking };
  };
  const train = split.train.map(example);
  const test = split.test.map(example);
  const hash = createHash('sha256');
  for (const e of train) {
    hash.update(`${e.queryId}\0${e.text}\0${e.positives.map((p) => corpus.docIds[p.doc]).join('\u0001')}\0${e.negatives.map((n) => corpus.docIds[n.doc]).join('\u0001')}\n`);
  }
  hash.update(`${corpus.dataset.fingerprint}\0${corpus.model.fingerprint}`);
  return { split, train, test, trainingDataHash: `sha256:${hash.digest('hex')}` };
}
