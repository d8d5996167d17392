/**
 * Everything tuning works on, in memory: a labelled dataset's queries and documents, the chunks
 * as `rag eval` cuts them for the model, the chunk vectors (from the embedding cache when it has
 * them: the same cache `rag eval` fills) and the query vectors. Rankings here are exact (every
 * chunk scored; a document ranks by its best chunk, as in eval), because hard-negative mining
 * and early stopping should not depend on HNSW's approximation.
 */
import { defaultCacheDir } from '../embed/cache-dir.js';
import { openModelFor } from '../embed/open-model.js';
import type { ModelChoice } from '../embed/open-model.js';
import type { Embedder, ResolveOptions } from '../embed/types.js';
import { RagError } from '../errors.js';
import { evalQueries, loadDataset } from '../eval/dataset.js';
import { checkDocuments } from '../eval/dataset-labels.js';
import type { LabeledDataset } from '../eval/dataset.js';
import { readQuerySegments } from '../eval/segments.js';
import type { EvalQuery } from '../eval/types.js';
import { characterLength } from '../ingest/chunk.js';
import { ChunkCache, chunkDocumentsCached } from '../ingest/chunk-cache.js';
import { chunkingFor } from '../ingest/chunking.js';
import { discoverFiles } from '../ingest/discover.js';
import type { TextEncoding } from '../ingest/encoding.js';
import { loadFile } from '../ingest/loaders/index.js';
import type { LoadedDocument } from '../ingest/types.js';
import type { ChunkingOptions } from '../model/chunking.js';
import { DEFAULT_MODEL } from '../embed/registry.js';
import { groupsByRelevant } from './split.js';

/** Options shared by `rag tune export` and `rag tune adapter`. */
export interface TuneCorpusOptions {
  /** A labelled dataset folder, as `rag eval --dataset` takes it. */
  dataset: string;
  /** Default the built-in `hash`. */
  model?: ModelChoice;
  modelOptions?: ResolveOptions;
  /** BEIR qrels split (default `test`): the labels to learn from. */
  split?: string;
  encoding?: TextEncoding;
  chunkSize?: number;
  chunkOverlap?: number;
  /** Use the on-disk embedding cache (default true). */
  cache?: boolean;
  cacheDir?: string;
  /**
   * Split by judged-relevant document too: queries sharing a relevant document stay on one side
   * (for human sets with several questions per document, such as CMRC 2018). Default false:
   * generated queries are grouped by their source document, others split one by one.
   */
  groupByRelevant?: boolean;
  onProgress?: (event: { stage: 'embed-documents' | 'embed-queries'; done: number; total: number }) => void;
}

/** A vector, dense or (when most of it is zero, as `hash` vectors are) as index/value pairs. */
export interface VectorRow {
  /** Null for a dense row; else the positions of `values`. */
  index: Int32Array | null;
  values: Float32Array;
}

export interface TuneCorpus {
  dataset: LabeledDataset;
  /** Labelled queries in file order. */
  queries: EvalQuery[];
  /** The split group of a query: `metadata.docId` of generated queries, or its relevant-document component with `groupByRelevant`. */
  sourceDocument: ReadonlyMap<string, string>;
  docIds: string[];
  /** Document id -> full text (title included, as indexed). */
  documentText: ReadonlyMap<string, string>;
  /** Chunk i belongs to document `chunkDoc[i]` (an index into docIds). */
  chunkDoc: Int32Array;
  chunkVectors: VectorRow[];
  queryVectors: ReadonlyMap<string, Float32Array>;
  model: { id: string; fingerprint: string; dimension: number; queryPrefix: string | null };
  chunking: ChunkingOptions;
}

/** One document in a ranking: its best chunk and that chunk's score. */
export interface RankedDoc {
  doc: number;
  chunk: number;
  score: number;
}

/** Loads, chunks and embeds a dataset for tuning; the model is disposed before returning. */
export async function loadTuneCorpus(options: TuneCorpusOptions): Promise<TuneCorpus> {
  const dataset = await loadDataset(options.dataset, {
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
  });
  const documents = await loadDocuments(dataset, options.encoding);
  const validated = checkDocuments(dataset, documents.map((d) => d.docId));
  const queries = evalQueries(validated).filter((q) => Object.values(q.relevant).some((g) => g > 0));
  if (queries.length === 0) throw new RagError('dataset-invalid', `dataset ${options.dataset} has no query with a relevant document to learn from`);
  const sourceDocument = options.groupByRelevant ? groupsByRelevant(queries) : await readSourceDocuments(options.dataset);

  const embedder = await openModelFor(undefined, options.model ?? DEFAULT_MODEL, {
    deferLoad: true,
    ...options.modelOptions,
    cache: options.cache ?? true,
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
  });
  try {
    const chunking = chunkingFor(undefined, embedder, options);
    const chunkCache = options.cache === false || !embedder.cacheable
      ? undefined
      : await ChunkCache.open(options.cacheDir ?? defaultCacheDir(), { chunking, lengthFingerprint: chunking.lengthUnit === 'tokens' ? embedder.fingerprint : 'characters' });
    const lengthOf = chunking.lengthUnit === 'tokens' && embedder.countTokens ? (t: string) => embedder.countTokens!(t) : characterLength;
    const { perDoc, tokens } = await chunkDocumentsCached(documents, chunking, lengthOf, chunkCache, async () => {
      if (lengthOf !== characterLength) await embedder.load?.();
    });
    await chunkCache?.save();
    const texts = perDoc.flat().map((c) => c.text);
    const chunkDoc = new Int32Array(texts.length);
    let at = 0;
    perDoc.forEach((chunks, d) => chunks.forEach(() => (chunkDoc[at++] = d)));
    const embedded = await embedder.embedDocuments(texts, {
      onProgress: (p) => options.onProgress?.({ stage: 'embed-documents', ...p }),
      ...(tokens === undefined ? {} : { tokenCounts: tokens }),
    });
    // `hash` weighs query terms by the indexed chunks' document frequencies, as an index would.
    embedder.corpusStatistics?.add(texts);
    const queryVectors = await embedQueries(embedder, queries, options.onProgress);
    return {
      dataset: validated,
      queries,
      sourceDocument,
      docIds: documents.map((d) => d.docId),
      documentText: new Map(documents.map((d) => [d.docId, d.text])),
      chunkDoc,
      chunkVectors: embedded.vectors.map(toRow),
      queryVectors,
      model: { id: embedder.info.id, fingerprint: embedder.fingerprint, dimension: embedder.info.dimension, queryPrefix: embedder.info.queryPrefix ?? null },
      chunking,
    };
  } finally {
    await embedder.dispose?.();
  }
}

async function embedQueries(embedder: Embedder, queries: readonly EvalQuery[], onProgress: TuneCorpusOptions['onProgress']): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const q of queries) {
    out.set(q.id, await embedder.embedQuery(q.text));
    onProgress?.({ stage: 'embed-queries', done: out.size, total: queries.length });
  }
  return out;
}

/** Dense vectors stay dense; a vector with under a quarter of its entries non-zero becomes sparse. */
export function toRow(v: Float32Array): VectorRow {
  let nnz = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) nnz++;
  if (nnz * 4 >= v.length) return { index: null, values: v };
  const index = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    index[k] = i;
    values[k++] = v[i]!;
  }
  return { index, values };
}

export function dotRow(q: Float32Array, row: VectorRow): number {
  let s = 0;
  const { index, values } = row;
  if (index === null) {
    for (let i = 0; i < values.length; i++) s += q[i]! * values[i]!;
  } else {
    for (let k = 0; k < index.length; k++) s += q[index[k]!]! * values[k]!;
  }
  return s;
}

/** `out += scale · row`. */
export function addRow(out: Float32Array, row: VectorRow, scale: number): void {
  const { index, values } = row;
  if (index === null) {
    for (let i = 0; i < values.length; i++) out[i]! += scale * values[i]!;
  } else {
    for (let k = 0; k < index.length; k++) out[index[k]!]! += scale * values[k]!;
  }
}

/**
 * Documents ranked for a query vector, best first, each by its best chunk; ties broken by
 * document order so rankings never depend on anything but the vectors.
 */
export function rankDocuments(corpus: Pick<TuneCorpus, 'chunkVectors' | 'chunkDoc' | 'docIds'>, q: Float32Array, depth: number): RankedDoc[] {
  const best = new Float64Array(corpus.docIds.length).fill(Number.NEGATIVE_INFINITY);
  const bestChunk = new Int32Array(corpus.docIds.length).fill(-1);
  corpus.chunkVectors.forEach((row, c) => {
    const s = dotRow(q, row);
    const d = corpus.chunkDoc[c]!;
    if (s > best[d]!) {
      best[d] = s;
      bestChunk[d] = c;
    }
  });
  const order: number[] = [];
  for (let d = 0; d < best.length; d++) if (bestChunk[d]! >= 0) order.push(d);
  order.sort((a, b) => best[b]! - best[a]! || a - b);
  return order.slice(0, depth).map((d) => ({ doc: d, chunk: bestChunk[d]!, score: best[d]! }));
}

/** Query id -> `metadata.docId` for generated queries; empty when no query has one. */
async function readSourceDocuments(root: string): Promise<Map<string, string>> {
  let field: Map<string, string>;
  try {
    field = await readQuerySegments(root, 'docId');
  } catch (error) {
    if (error instanceof RagError && error.code === 'usage') return new Map();
    throw error;
  }
  return new Map([...field].filter(([, v]) => v !== '(none)'));
}

/** A query's split group: its source document when generated, else the query itself. */
export function groupOfQuery(sourceDocument: ReadonlyMap<string, string>): (queryId: string) => string {
  return (id) => {
    const doc = sourceDocument.get(id);
    return doc === undefined ? `query\0${id}` : `doc\0${doc}`;
  };
}

async function loadDocuments(dataset: LabeledDataset, encoding: TextEncoding | undefined): Promise<LoadedDocument[]> {
  // Read whole on purpose, as `rag eval` does: one corpus.jsonl holds every document.
  const unlimited = { maxFileSize: Number.POSITIVE_INFINITY };
  const discovered = await discoverFiles([dataset.documentsPath], unlimited);
  const excluded = new Set(dataset.excludeFromDocuments);
  const docs: LoadedDocument[] = [];
  for (const file of discovered.files) {
    if (excluded.has(file.relPath)) continue;
    const loaded = await loadFile(file, encoding === undefined ? unlimited : { ...unlimited, encoding });
    docs.push(...loaded.documents);
  }
  if (docs.length === 0) throw new RagError('dataset-invalid', `dataset ${dataset.root} has no documents`);
  return docs;
}
