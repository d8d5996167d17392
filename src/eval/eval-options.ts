/** What `evaluate` and `planEvaluation` take, and the events an evaluation reports as it runs. */
import type { ResolveOptions } from '../embed/types.js';
import type { LoadNotice } from '../ingest/discover.js';
import type { QueryAdapter } from '../embed/query-adapter.js';
import type { ModelChoice } from '../embed/open-model.js';
import type { ChunkingOptions } from '../model/chunking.js';
import type { Chunk } from '../model/document.js';
import type { openReranker } from '../rerank/open-reranker.js';
import type { EvalAxes } from './plan.js';
import type { TextEncoding } from '../ingest/encoding.js';
import type { ComparisonOptions } from './compare.js';
import type { RagWarning } from '../warnings.js';
import type { DatasetWarnings, RetrievalMode, RunResult } from './types.js';

export type EvalEvent =
  /** `warnings`: labels dropped for naming unknown documents or queries, duplicate labels (also in results.json). */
  | { type: 'dataset'; documents: number; queries: number; warnings: DatasetWarnings; encodings: Array<{ file: string; encoding: TextEncoding }> }
  | { type: 'run-start'; model: string; mode: RetrievalMode; index: number; total: number }
  | { type: 'embed-progress'; done: number; total: number }
  | { type: 'query-progress'; done: number; total: number }
  | { type: 'run-end'; run: RunResult }
  /** One (model, chunking) index is ready; `embedded`: chunks that reached the model (not the cache). */
  | { type: 'index-built'; model: string; chunking: ChunkingOptions; chunks: number; embedded: number; embedSeconds: number }
  | ({ type: 'waiting' } & RagWarning)
  /** A file skipped, failed or read in a legacy encoding: exactly the notices `rag ingest` gives. */
  | { type: 'notice'; notice: LoadNotice }
  /** E.g. a document id repeated in the corpus, as `rag ingest` warns (`message` is its English). */
  | ({ type: 'warning' } & RagWarning)
  /** Temporary index folders of earlier runs that died (SIGKILL, power loss), removed now. */
  | { type: 'stale-work-dirs'; removed: string[] }
  /** `adapter`: evaluated queries the adapter was trained on (their adapted scores are not held out). */
  | { type: 'adapter-overlap'; queries: number; examples: string[] }
  | { type: 'rankings'; model: string; mode: RetrievalMode; rankings: ReadonlyMap<string, ReadonlyArray<RankedDocument>> };

/** A document in a ranking, represented by its best chunk. */
export interface RankedDocument {
  docId: string;
  chunk: Chunk;
}

export interface EvalOptions {
  /** A BEIR folder (corpus.jsonl, queries.jsonl, qrels/) or a documents folder with queries.jsonl. */
  dataset: string;
  /** Models to evaluate (default: the built-in `hash`). */
  models?: ModelChoice[];
  /** How to load the models (dtype, pooling, offline, base URL ...). */
  modelOptions?: ResolveOptions;
  /** Retrieval modes (default: dense). Every model x mode combination is one run. */
  modes?: RetrievalMode[];
  ks?: number[];
  /** BEIR qrels split (default `test`). */
  split?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  /** Measure chunks in model tokens (default with a tokenizer) or characters. */
  chunkUnit?: ChunkingOptions['lengthUnit'];
  /** Drop retrieved documents whose id equals the query id (ArguAna-like sets). */
  ignoreIdenticalIds?: boolean;
  /** Evaluate only the first n labelled queries. */
  limit?: number;
  /** Use the on-disk embedding cache (default true). */
  cache?: boolean;
  cacheDir?: string;
  /** Where reranker scores are cached (default `<cache root>/rerank`, as `rag query --rerank`). */
  rerankCacheDir?: string;
  /** Parent folder of the temporary indexes (default the OS temp dir). */
  workDir?: string;
  /**
   * Where the per-model indexes go: a directory (like `workDir`), or a PostgreSQL URL, where
   * model i gets the tables `<table>_eval<i>` (dropped first if left over, and dropped afterwards).
   */
  index?: string;
  /** Read documents and dataset files in this encoding instead of detecting it (`--encoding`). */
  encoding?: TextEncoding;
  /** Seed of the bootstrap and randomization tests (default 42). */
  seed?: number;
  /** A queries.jsonl field (e.g. `language`): every run also gets its metrics per value of it. */
  segmentBy?: string;
  /** Correction, margin (TOST), effect (power) of the comparisons; see {@link ComparisonOptions}. */
  statistics?: Omit<ComparisonOptions, 'seed'>;
  /**
   * A query adapter (`rag tune adapter`): the model it was trained for gets a second run per
   * dense or hybrid mode, `<model>+adapter`, right after its plain run (and compared with the
   * first run like every run). No model matching it is refused as a model mismatch.
   */
  adapter?: QueryAdapter;
  /**
   * The trade-off axes (chunking, dimensions, precision, fusion, reranker), each a list: every
   * combination is one row, and each (model, chunking) index is embedded once (see plan.ts).
   */
  axes?: EvalAxes;
  /** How rerankers named in `axes.reranks` are reached (base URL ...). */
  rerankOptions?: Parameters<typeof openReranker>[1];
  onEvent?: (event: EvalEvent) => void;
  /**
   * Stops the evaluation (like Ctrl-C) at the next safe point: between embedding batches, queries
   * and runs. It then throws a RagError `interrupted`, after removing its temporary indexes.
   */
  signal?: AbortSignal;
}
