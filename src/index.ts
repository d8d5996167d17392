/**
 * `rag` as a library: the same operations the CLI runs, typed. Every name is listed on purpose
 * (no `export *`): what is not here is internal and may change without notice. The README's
 * "Library" section lists the same names, and test/public-api.test.ts holds the two together.
 *
 * @example
 * ```ts
 * import { ingest, query, evaluate } from 'rag';
 * await ingest({ paths: ['./docs'], index: '.rag' });          // built-in offline `hash` model
 * const { results } = await query({ text: 'how do we rotate API keys', k: 5 });
 * const report = await evaluate({ dataset: './datasets/en-sample', models: ['hash'], modes: ['dense', 'bm25'] });
 * ```
 */

// Operations
export { ingest } from './ingest/pipeline.js';
export type { IngestEvent, IngestOptions, IngestSummary } from './ingest/pipeline.js';
export { IngestInterruptedError } from './ingest/interrupted.js';
export { DEFAULT_COMMIT_SECONDS } from './ingest/commit-schedule.js';
export type { CommitEvery } from './ingest/commit-schedule.js';
export { query } from './retrieve/query.js';
export type { QueryHit, QueryOptions, QueryResult, QueryTimings } from './retrieve/query.js';
export { DEFAULT_K, DEFAULT_MODE } from './retrieve/types.js';
export { evaluate } from './eval/runner.js';
export { planEvaluation } from './eval/dry-run.js';
export type { EvalDryRun } from './eval/dry-run.js';
export type { EvalEvent, EvalOptions } from './eval/eval-options.js';
export { planEval } from './eval/plan.js';
export type { EvalAxes, PlanGroup, PlanRow } from './eval/plan.js';

// Errors
export { RagError, ERROR_CODES, hasCode } from './errors.js';
export { onUnroutedWarning, ragWarning, WARNING_CODES, WARNING_MESSAGES_EN } from './warnings.js';
export type { RagWarning, WarningCode, WarningParams } from './warnings.js';
export type { ErrorCode, ErrorDetails, RagErrorOptions } from './errors.js';

// Models
export { DEFAULT_MODEL, resolveModel } from './embed/registry.js';
export { openModelFor } from './embed/open-model.js';
export type { ModelChoice } from './embed/open-model.js';
export { findModel, listModels } from './embed/aliases.js';
export type { ModelEntry } from './embed/aliases.js';
export { HashEmbedder } from './embed/hash.js';
export { loadTransformersEmbedder } from './embed/transformers.js';
export type { TransformersEmbedder, TransformersLoadOptions, TransformersModelSpec } from './embed/transformers.js';
export type { BatchLimits } from './embed/batching.js';
export { cacheInfo, clearCache, compactCache } from './embed/cache-admin.js';
export type { CacheModelInfo, CompactResult } from './embed/cache-admin.js';
export { EmbeddingCache } from './embed/cache.js';
export { withCache } from './embed/cached-embedder.js';
export { fromLangChainEmbeddings, toLangChainEmbeddings } from './embed/langchain.js';
export type {
  CorpusStatistics,
  EmbedBatchResult,
  Embedder,
  EmbedOptions,
  EmbedProgress,
  ModelDtype,
  ResolveOptions,
} from './embed/types.js';

// The index's data model
export { fingerprintOf } from './model/fingerprint.js';
export { assertCompatible } from './model/compatibility.js';
export type { IndexIdentity, WantedIdentity } from './model/compatibility.js';
export { DEFAULT_CHUNKING } from './model/chunking.js';
export type { ChunkingOptions } from './model/chunking.js';
export type { Chunk, DocumentFormat, PageSpan, StoredDocument } from './model/document.js';
export type { ModelInfo, Pooling, ProviderName } from './model/model-info.js';

// Documents and chunks
export { discoverFiles } from './ingest/discover.js';
export type { DiscoverOptions, LoadNotice, SourceFile } from './ingest/discover.js';
export { loadFile, FileLoadError } from './ingest/loaders/index.js';
export type { LoadedFile, LoadFileOptions } from './ingest/loaders/index.js';
export type { LengthFunction, LoadedDocument } from './ingest/types.js';
export { noticeKind } from './ingest/failures.js';
// Looking inside an index
export { inspectIndex } from './ingest/inspect.js';
export type { ChunkSpan, FilePosition, InspectedChunk, InspectedDocument, InspectOptions, InspectResult } from './ingest/inspect.js';
export type { NoticeCode, NoticeKind } from './ingest/failures.js';
export { NOTICE_REASONS_EN, reasonText } from './ingest/notice-reasons.js';
export type { NoticeParams, NoticeReason, NoticeReasonCode } from './ingest/notice-reasons.js';
export { DEFAULT_MAX_FILE_SIZE, formatBytes, parseByteSize } from './ingest/limits.js';
export { chunkDocument } from './ingest/chunk.js';

// Indexes: the HNSW files and PostgreSQL behind one reader/writer interface
export { DEFAULT_INDEX_DIR } from './store/index-path.js';
export { dropIndex, indexExists, openIndex, resolveLocation, writeAnyIndex } from './store/open.js';
export type { OpenIndexOptions, WriteAnyIndexOptions } from './store/open.js';
export type { IndexInfo, IndexReader, IndexWriter } from './store/reader.js';
export { IndexStore } from './store/index-store.js';
export { writeIndex } from './store/write-index.js';
export { checkIndex } from './store/check.js';
export type { CheckedFile, FileStatus, IndexCheck } from './store/check.js';
export type { IndexInit } from './store/transaction.js';
export type { IndexTransaction, WriteIndexOptions } from './store/write-index.js';
export type { SearchHit, SearchOptions } from './store/index-store.js';
export { FORMAT_VERSION } from './store/manifest.js';
export type { Manifest, ManifestFile } from './store/manifest.js';
export { DEFAULT_HNSW_PARAMS } from './store/hnsw.js';
export type { HnswParams } from './store/hnsw.js';
export { DEFAULT_LOCK_TIMEOUT_MS } from './store/lock.js';
// Types only: the `pg` driver is loaded when a postgres:// location is opened, not on import.
export type { PgIndex, PgIndexInfo } from './store/pg/pg-index.js';
export type { PgWriteOptions } from './store/pg/pg-write.js';
export { DEFAULT_PG_TABLE, displayLocation, isPostgresLocation, parsePgLocation, SSL_MODES } from './store/pg/location.js';
export type { PgLocation, SslMode } from './store/pg/location.js';

// Retrieval
export { openRetriever } from './retrieve/open.js';
export { DenseRetriever } from './retrieve/dense.js';
export { Bm25Retriever } from './retrieve/lexical.js';
export { DEFAULT_FUSION, fuseConvex, fuseRankings, HybridRetriever } from './retrieve/hybrid.js';
export type { Fusion } from './retrieve/hybrid.js';
export { DEFAULT_RERANK_DEPTH, RerankingRetriever } from './retrieve/rerank.js';
export { createHttpReranker } from './rerank/http-rerank.js';
export type { HttpRerankOptions } from './rerank/http-rerank.js';
export { openReranker } from './rerank/open-reranker.js';
export type { OpenRerankerOptions } from './rerank/open-reranker.js';
export { CROSS_ENCODER_ALIASES, CrossEncoderReranker, openCrossEncoder } from './rerank/cross-encoder.js';
export type { CrossEncoderOptions, RerankScoreScale } from './rerank/cross-encoder.js';
export { CachedReranker, cachedReranker, defaultRerankCacheDir } from './rerank/cached-reranker.js';
export type { CachedRerankerOptions } from './rerank/cached-reranker.js';
export type { Reranker, RerankOptions, RerankStats } from './rerank/types.js';
export { RagVectorStore } from './retrieve/langchain-store.js';
export type { RagDocumentFilter, RagDocumentMetadata, RagVectorStoreOptions } from './retrieve/langchain-store.js';
export { Bm25Index } from './retrieve/bm25.js';
export type { RetrievalMode, RetrievedChunk, Retriever } from './retrieve/types.js';

// Evaluation
export { evaluateRun, scoreQuery, DEFAULT_KS } from './eval/metrics.js';
export { pairedComparison, winsTiesLosses } from './eval/stats.js';
export { compareRuns, compareToFirst } from './eval/compare.js';
export type { ComparisonOptions } from './eval/compare.js';
export { adjustPValues, benjaminiHochberg, holm } from './eval/multiple-testing.js';
export type { Correction } from './eval/multiple-testing.js';
export { tost } from './eval/equivalence.js';
export type { EquivalenceResult } from './eval/equivalence.js';
export { minimumDetectableEffect, queriesNeeded } from './eval/power.js';
export { explainLosses } from './eval/explain.js';
export type { Explanation } from './eval/explain.js';
export { shortlist } from './embed/shortlist.js';
export type { ShortlistEntry, ShortlistFilters } from './embed/shortlist.js';
export { modelCard, SOURCES as MODEL_CARD_SOURCES } from './embed/model-cards.js';
export type { ModelCard } from './embed/model-cards.js';
export { loadDataset } from './eval/dataset.js';
export { DEFAULT_SPLIT } from './eval/beir-layout.js';
export type { LabeledDataset } from './eval/dataset.js';
export { checkGate, parseMetricFloor } from './eval/gate.js';
export type { GateResult } from './eval/gate.js';
export { readBaseline, writeReports } from './eval/report/index.js';
export type { EvalResults, RunComparison, RunResult } from './eval/types.js';

// The tool's own version, from package.json.
export { packageVersion } from './version.js';

// Building your own labelled set
export { judgedShortfalls, judgedWarnings, JUDGED_WARNING_THRESHOLD } from './eval/judged.js';
export type { JudgedShortfall } from './eval/judged.js';
export { generateQueries, GENERATION_FORMAT_VERSION } from './eval/querygen/generate.js';
export type { GenerateEvent, GenerateOptions, GenerateResult, GeneratedQuery, GenerationCounts, GenerationPlan, GenerationReport } from './eval/querygen/generate.js';
export { QUERY_STYLES } from './eval/querygen/prompts.js';
export type { QueryStyle } from './eval/querygen/prompts.js';
export { buildPool } from './eval/label/pool.js';
export type { Pool, PooledPair, PoolOptions } from './eval/label/pool.js';
export { JudgmentStore } from './eval/label/judgments.js';
export type { JudgmentEntry } from './eval/label/judgments.js';
export { startLabelServer } from './eval/label/server.js';
export type { LabelServer, LabelServerOptions } from './eval/label/server.js';
export { createOllamaChat } from './llm/ollama-chat.js';
export { createOpenAIChat } from './llm/openai-chat.js';
export { openChatModel } from './llm/open-chat.js';
export { extractJsonObject } from './llm/json-reply.js';
export type { ChatMessage, ChatModel, ChatReply, ChatRequestOptions } from './llm/types.js';

// Tuning a model from your labels (`rag tune`)
export { exportTrainingData } from './tune/export.js';
export type { ExportOptions, ExportResult } from './tune/export.js';
export { trainAdapter } from './tune/adapter.js';
export type { AdapterOptions, AdapterResult } from './tune/adapter.js';
export { splitQueries } from './tune/split.js';
export type { QuerySplit, SplitOptions } from './tune/split.js';
export { readAdapter, withQueryAdapter, applyAdapter } from './embed/query-adapter.js';
export type { QueryAdapter, AdapterProvenance } from './embed/query-adapter.js';
