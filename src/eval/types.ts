/**
 * The results of `rag eval`: what `results.json` holds and what every report is written from.
 * Plain JSON-compatible data (no Maps), so a results file read back is the same object.
 */
import type { EquivalenceResult } from './equivalence.js';
import type { Correction } from './multiple-testing.js';
import type { PairedComparison } from './stats.js';

/** Version of the `results.json` layout; bump it when a field changes meaning. */
export const RESULTS_FORMAT_VERSION = 1;

import type { RetrievalMode } from '../retrieve/types.js';

// How a run retrieved is defined once, with the retrievers.
export type { RetrievalMode } from '../retrieve/types.js';
export { RETRIEVAL_MODES } from '../retrieve/types.js';

/** JSON values, for free-form configuration objects. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Up to a few examples of a problem plus the full count, so reports stay short. */
export interface CountedIds {
  count: number;
  /** The first few offending ids (at most 10), for the report. */
  examples: string[];
}

/**
 * Labels that could not be used as given. Nothing is dropped silently: every dropped label or
 * unusable query is counted here and shown in the reports.
 */
export interface DatasetWarnings {
  /** Qrels lines whose document id is not in the corpus (dropped). Examples are `queryId -> docId`. */
  unknownDocuments: CountedIds;
  /** Qrels lines whose query id is not in queries.jsonl (dropped). */
  unknownQueries: CountedIds;
  /** The same (query, document) pair labelled more than once; the last label wins. */
  duplicateLabels: CountedIds;
  /** Queries in queries.jsonl that have no label in this split (not evaluated; normal for BEIR). */
  unjudgedQueries: CountedIds;
}

/** What was evaluated against, as recorded in results.json. */
export interface DatasetInfo {
  /** Folder name, e.g. `scifact`. */
  name: string;
  layout: 'beir' | 'simple';
  /** Path as the user gave it. */
  path: string;
  /** BEIR qrels split (e.g. `test`); absent for the simple layout. */
  split?: string;
  /** `sha256:<hex>` over the dataset files; equal fingerprints mean the same labels and documents. */
  fingerprint: string;
  documents: number;
  /** Queries with labels in this split (evaluated or skipped). */
  queries: number;
  /** Labels kept after validation (including grade-0 labels). */
  qrels: number;
  warnings: DatasetWarnings;
}

/** One labelled query as shown in reports. */
export interface EvalQuery {
  id: string;
  text: string;
  /** Document id -> grade, after validation (grade > 0 is relevant). */
  relevant: Record<string, number>;
  /** Value of the `--segment-by` field for this query (absent without --segment-by). */
  segment?: string;
}

/** Resource use of one run; `null` where a number does not apply (BM25 has no dimension). */
export interface RunCost {
  /** Seconds spent embedding documents (0 when vectors came from cache). */
  embedSeconds: number;
  /** Documents chunks embedded per second (null when nothing was embedded). */
  chunksPerSecond: number | null;
  chunks: number;
  dimension: number | null;
  /** Bytes of the index on disk. */
  indexBytes: number;
  /** Chunks longer than the model's input limit, truncated when embedded. */
  truncatedChunks: number;
  /** Seconds spent answering all queries. */
  querySeconds: number;
  /** Wall-clock seconds of the whole run (ingest + queries). */
  wallSeconds: number;
  /**
   * Size of the model's weights in the dtype it ran in, from the published model card (absent for
   * BM25, the built-in model and models without a card); `modelBytesEstimated`: parameters × bytes
   * per weight, not a published file size.
   */
  modelBytes?: number;
  modelBytesEstimated?: boolean;
  /** Bytes one vector takes at the run's dimension and precision (absent for BM25 and older results). */
  bytesPerVector?: number;
  /** Bytes of all the run's vectors at its dimension and precision: chunks × bytesPerVector. */
  vectorBytes?: number;
  /** Median and 95th percentile of one query's vector search in milliseconds (query embedding not included). */
  searchMsP50?: number;
  searchMsP95?: number;
  /** Reranked runs: calls to the reranker (one per first-stage ranking reranked). */
  rerankCalls?: number;
  /** Reranked runs: median and 95th percentile of one rerank call in milliseconds. */
  rerankMsP50?: number;
  rerankMsP95?: number;
}

/** One query's outcome in one run. */
export interface PerQueryResult {
  /** Metric key -> value (see metrics.ts). */
  metrics: Record<string, number>;
  /** Relevant document id -> 1-based rank it got (best chunk), or null if not retrieved. */
  ranks: Record<string, number | null>;
  /** The first documents retrieved (at most {@link TOP_DOCUMENTS}), for failure analysis; absent in hand-made results. */
  top?: string[];
}

/** How many retrieved documents per query results.json keeps for `--explain` and the report. */
export const TOP_DOCUMENTS = 5;

/** A retrieved document as failure analysis shows it. */
export interface DocumentPreview {
  title?: string;
  /** The start of the document's text. */
  snippet: string;
}

/** A run identifies itself by (model, mode): the gate matches baseline runs on this pair. */
export interface RunKey {
  /** Model id or alias as the user named it (`bge-small-zh`); `bm25` for lexical runs. */
  model: string;
  mode: RetrievalMode;
}

/** One model in one retrieval mode, scored on the whole query set. */
export interface RunResult extends RunKey {
  /**
   * Model and retrieval settings as given by the runner (model info, chunking, k, fusion weights).
   * Written to results.json verbatim except that keys that look like credentials are removed.
   */
  config: { [key: string]: JsonValue };
  /** Mean of each metric over the evaluated queries. */
  metrics: Record<string, number>;
  evaluatedQueries: number;
  /** Queries without any relevant document: not in the averages. */
  skippedQueries: string[];
  /** Evaluated queries that got no ranking at all (scored 0). */
  unrankedQueries: string[];
  /** Query id -> outcome, for evaluated queries. */
  perQuery: Record<string, PerQueryResult>;
  cost: RunCost;
  /** With `--segment-by`: segment value -> query count and mean metrics. */
  segments?: Record<string, { queries: number; metrics: Record<string, number> }>;
}

/** What the query set can detect, from the standard deviation of the per-query differences. */
export interface PowerSummary {
  alpha: number;
  power: number;
  /** Sample standard deviation of the per-query differences. */
  sdDiff: number;
  /** Minimum detectable effect: (z_{1−α/2} + z_{power}) · sdDiff / √n. */
  mde: number;
  /** The difference that matters (`--effect`, else `--margin`), or null. */
  effect: number | null;
  /** Queries needed to detect `effect` at this α and power, or null without an effect. */
  queriesNeeded: number | null;
  /**
   * With an effect: fewer queries than it needs. Without: not significant and the observed
   * difference is below the MDE, so the set could not have told.
   */
  underpowered: boolean;
}

/** A paired test of one run against the first run, on one metric. */
export interface RunComparison {
  baseline: RunKey;
  candidate: RunKey;
  /** The per-query metric compared, normally `ndcg_at_10`. */
  metric: string;
  result: PairedComparison;
  /** Queries where the candidate scores higher / the same / lower on `metric`. */
  wins: number;
  ties: number;
  losses: number;
  /** Holm–Bonferroni adjusted p over all comparisons of this evaluation. */
  pHolm: number;
  /** Benjamini–Hochberg adjusted p (false discovery rate) over the same comparisons. */
  pBH: number;
  /** The correction `significant` uses (`--correction`, default holm) and its adjusted p. */
  correction: Correction;
  pAdjusted: number;
  alpha: number;
  /** pAdjusted < alpha. */
  significant: boolean;
  power: PowerSummary;
  /** TOST against `--margin`; null without a margin. */
  equivalence: EquivalenceResult | null;
}

/** Everything `rag eval` found; written as results.json. */
export interface EvalResults {
  formatVersion: typeof RESULTS_FORMAT_VERSION;
  /** ISO 8601 time the evaluation finished. */
  createdAt: string;
  /** `rag` version that produced the file. */
  toolVersion: string;
  dataset: DatasetInfo;
  /** Cut-offs the metrics were computed at. */
  ks: number[];
  queries: EvalQuery[];
  runs: RunResult[];
  /** Every run after the first against the first. */
  comparisons: RunComparison[];
  /** The queries.jsonl field the runs' `segments` split by (`--segment-by`). */
  segmentBy?: string;
  /** Title and start of every document some run placed in a query's top documents. */
  documents?: Record<string, DocumentPreview>;
}

/** `model (mode)`, the label of a run in reports and messages. */
export function runLabel(run: RunKey): string {
  return `${run.model} (${run.mode})`;
}
