/**
 * Label validation: labels naming documents or queries that do not exist are dropped and
 * counted, with a few examples, instead of scoring as misses.
 */
import type { CountedIds } from './types.js';
import { closestId } from '../text/closest.js';
import type { LabeledDataset } from './dataset.js';

export const MAX_EXAMPLES = 10;

export class Counter {
  private readonly ids: string[] = [];
  private n = 0;
  add(id: string): void {
    this.n += 1;
    if (this.ids.length < MAX_EXAMPLES) this.ids.push(id);
  }
  done(): CountedIds {
    return { count: this.n, examples: [...this.ids] };
  }
  /** A label naming a document the corpus lacks; the examples say which real id it most likely meant. */
  addUnknownDocument(queryId: string, docId: string, docIds: ReadonlySet<string>): void {
    if (this.ids.length >= MAX_EXAMPLES) {
      this.n += 1;
      return;
    }
    const near = closestId(docId, docIds);
    this.add(near === undefined ? `${queryId} -> ${docId}` : `${queryId} -> ${docId} (did you mean ${near}?)`);
  }
}

/**
 * Re-checks the labels against the documents actually ingested (some files may have failed to
 * load or been filtered out): labels naming other documents are dropped and added to
 * `warnings.unknownDocuments`. Returns a new dataset; `dataset` is not changed.
 */
export function checkDocuments(dataset: LabeledDataset, documentIds: Iterable<string>): LabeledDataset {
  const ids = new Set(documentIds);
  const unknown = dataset.warnings.unknownDocuments;
  let count = unknown.count;
  const examples = [...unknown.examples];
  const qrels = new Map<string, Map<string, number>>();
  for (const [qid, labels] of dataset.qrels) {
    const kept = new Map<string, number>();
    for (const [docId, grade] of labels) {
      if (ids.has(docId)) {
        kept.set(docId, grade);
        continue;
      }
      count += 1;
      if (examples.length < MAX_EXAMPLES) examples.push(`${qid} -> ${docId}`);
    }
    qrels.set(qid, kept);
  }
  return {
    ...dataset,
    documentCount: ids.size,
    qrels,
    warnings: { ...dataset.warnings, unknownDocuments: { count, examples } },
  };
}
