/**
 * Labelled query sets for `rag eval`, in two layouts:
 *
 * - BEIR: `corpus.jsonl` ({"_id","title","text"}), `queries.jsonl` ({"_id","text"}) and
 *   `qrels/<split>.tsv` (header `query-id\tcorpus-id\tscore`, graded).
 * - Simple, for people labelling their own documents: a folder with `queries.jsonl` lines
 *   `{"query": "...", "relevant": ["guide/install.md"]}` (or `{"guide/install.md": 2, "faq.md": 1}`
 *   for graded labels, optional `"id"`), and the documents in `docs/` or next to queries.jsonl.
 *   A document's id is its path relative to the documents folder, with `/` separators.
 *
 * Labels that name unknown documents or queries are dropped and counted in `warnings`.
 * Each layout's reader is its own module (beir-layout.ts, simple-layout.ts); dataset-labels.ts
 * validates labels, dataset-lines.ts reads the line files.
 */
import path from 'node:path';
import { RagError } from '../errors.js';
import type { TextEncoding } from '../ingest/encoding.js';
import type { DatasetInfo, DatasetWarnings, EvalQuery } from './types.js';
import { loadBeir } from './beir-layout.js';
import { exists } from './dataset-files.js';
import { loadSimple } from './simple-layout.js';

/** A labelled query set ready for evaluation. */
export interface LabeledDataset {
  name: string;
  layout: 'beir' | 'simple';
  /** The dataset folder as given. */
  root: string;
  /** What to ingest: `corpus.jsonl` (BEIR) or the documents folder (simple). */
  documentsPath: string;
  /** Files in the documents folder that are not documents (simple layout: `queries.jsonl` when it sits among them). */
  excludeFromDocuments: string[];
  /** BEIR split; absent for the simple layout. */
  split?: string;
  /** Number of documents the labels were checked against. */
  documentCount: number;
  /** Query id -> text: the labelled queries of this split, in file order. */
  queries: Map<string, string>;
  /** Query id -> (document id -> grade). Every query in `queries` has an entry (possibly empty). */
  qrels: Map<string, Map<string, number>>;
  /** `sha256:<hex>` over the dataset files' bytes. */
  fingerprint: string;
  warnings: DatasetWarnings;
  /** Dataset files read in an encoding other than UTF-8 (GB18030, Big5), for a notice naming it. */
  encodings: Array<{ file: string; encoding: TextEncoding }>;
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Force a layout; by default BEIR when `qrels/` exists, otherwise simple. */
  layout?: 'beir' | 'simple';
  /** BEIR qrels split (`qrels/<split>.tsv`), or the path of a qrels file ending in `.tsv`; default `test`. */
  split?: string;
  /**
   * Ids of the documents actually ingested. When given, labels are checked against these instead of
   * the ids found in `corpus.jsonl` / the documents folder.
   */
  documentIds?: Iterable<string>;
  /** Read queries.jsonl, qrels and corpus.jsonl in this encoding instead of detecting it (`--encoding`). */
  encoding?: TextEncoding;
}

/**
 * Loads a labelled query set from a folder (layout detected unless given).
 * Throws a RagError for a missing folder or file, or a malformed line (naming file and line).
 */
export async function loadDataset(root: string, options: LoadDatasetOptions = {}): Promise<LabeledDataset> {
  if ((await exists(root)) !== 'dir') throw new RagError('dataset-invalid', `dataset folder not found: ${root}`);
  const layout = options.layout ?? ((await exists(path.join(root, 'qrels'))) === 'dir' ? 'beir' : 'simple');
  return layout === 'beir' ? loadBeir(root, options) : loadSimple(root, options);
}

/**
 * Removes documents whose id equals the query id from a ranking. BEIR and MTEB do this for sets
 * like ArguAna where each query is itself a corpus document and would trivially rank first.
 */
export function removeSelfMatches(queryId: string, ranked: readonly string[]): string[] {
  return ranked.filter((d) => d !== queryId);
}

/** {@link removeSelfMatches} over a whole run (query id -> ranking); the `ignoreIdenticalIds` option. */
export function ignoreIdenticalIds(run: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [qid, ranked] of run) out.set(qid, removeSelfMatches(qid, ranked));
  return out;
}

/** The labelled queries as plain data (results.json, reports), in dataset order. */
export function evalQueries(dataset: LabeledDataset): EvalQuery[] {
  return [...dataset.queries].map(([id, text]) => ({
    id,
    text,
    relevant: Object.fromEntries(dataset.qrels.get(id) ?? []),
  }));
}

/** Number of labels (including grade 0) in a qrels map. */
export function countQrels(qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): number {
  let n = 0;
  for (const l of qrels.values()) n += l.size;
  return n;
}

/** The dataset part of results.json. */
export function datasetInfo(ds: LabeledDataset): DatasetInfo {
  const info: DatasetInfo = {
    name: ds.name,
    layout: ds.layout,
    path: ds.root,
    fingerprint: ds.fingerprint,
    documents: ds.documentCount,
    queries: ds.queries.size,
    qrels: countQrels(ds.qrels),
    warnings: ds.warnings,
  };
  if (ds.split !== undefined) info.split = ds.split;
  return info;
}
