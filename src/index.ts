/**
 * `rag` as a library: the same operations the CLI runs, typed.
 *
 * @example
 * ```ts
 * import { ingest, query, evaluate } from 'rag';
 * await ingest({ paths: ['./docs'], index: '.rag' });          // built-in offline `hash` model
 * const { results } = await query({ text: 'how do we rotate API keys', k: 5 });
 * const report = await evaluate({ dataset: './datasets/en-sample', models: ['hash'], modes: ['dense', 'bm25'] });
 * ```
 */
export { ingest } from './ingest/pipeline.js';
export type { IngestEvent, IngestOptions, IngestSummary } from './ingest/pipeline.js';
export { IngestInterruptedError } from './ingest/interrupted.js';
export { DEFAULT_COMMIT_SECONDS } from './ingest/commit-schedule.js';
export type { CommitEvery } from './ingest/commit-schedule.js';
export { query } from './retrieve/query.js';
export type { QueryHit, QueryOptions, QueryResult, QueryTimings } from './retrieve/query.js';
export { evaluate } from './eval/runner.js';
export type { EvalEvent, EvalOptions } from './eval/runner.js';
export { openModelFor } from './embed/open-model.js';
export { DEFAULT_INDEX_DIR } from './store/index-path.js';
export type { ModelChoice } from './embed/open-model.js';
export { RagError } from './errors.js';

// Models
export { DEFAULT_MODEL, resolveModel } from './embed/registry.js';
export { findModel, listModels } from './embed/aliases.js';
export type { ModelEntry } from './embed/aliases.js';
export { HashEmbedder } from './embed/hash.js';
export { loadTransformersEmbedder } from './embed/transformers.js';
export type { TransformersEmbedder, TransformersLoadOptions, TransformersModelSpec } from './embed/transformers.js';
export type { BatchLimits } from './embed/batching.js';
export { cacheInfo, clearCache, EmbeddingCache, withCache } from './embed/cache.js';
export { fromLangChainEmbeddings, toLangChainEmbeddings } from './embed/langchain.js';
export { fingerprintOf } from './model/fingerprint.js';
export type * from './embed/types.js';

// Documents and chunks
export { discoverFiles } from './ingest/discover.js';
export type { DiscoverOptions, LoadNotice, SourceFile } from './ingest/discover.js';
export { loadFile, FileLoadError } from './ingest/loaders/index.js';
export type { LoadedFile, LoadFileOptions } from './ingest/loaders/index.js';
export { noticeKind } from './ingest/failures.js';
export type { NoticeCode, NoticeKind } from './ingest/failures.js';
export { DEFAULT_MAX_FILE_SIZE, formatBytes, parseByteSize } from './ingest/limits.js';
export { chunkDocument } from './ingest/chunk.js';
export { DEFAULT_CHUNKING } from './model/chunking.js';
export type * from './ingest/types.js';
export type { Chunk, DocumentFormat, PageSpan, StoredDocument } from './model/document.js';
export type { ChunkingOptions } from './model/chunking.js';
export type { ModelInfo, Pooling, ProviderName } from './model/model-info.js';

// Index and retrieval
export * from './store/index.js';
export { openRetriever } from './retrieve/open.js';
export { DenseRetriever } from './retrieve/dense.js';
export { Bm25Retriever } from './retrieve/lexical.js';
export { fuseRankings, HybridRetriever } from './retrieve/hybrid.js';
export { Bm25Index } from './retrieve/bm25.js';
export type { RetrievalMode, RetrievedChunk, Retriever } from './retrieve/types.js';

// Evaluation
export { evaluateRun, scoreQuery, DEFAULT_KS } from './eval/metrics.js';
export { pairedComparison } from './eval/stats.js';
export { loadDataset } from './eval/dataset.js';
export type { LabeledDataset } from './eval/dataset.js';
export { checkGate, parseMetricFloor } from './eval/gate.js';
export type { GateResult } from './eval/gate.js';
export { readBaseline, writeReports } from './eval/report/index.js';
export type { EvalResults, RunResult } from './eval/types.js';

// Building your own labelled set
export { judgedWarnings, JUDGED_WARNING_THRESHOLD } from './eval/judged.js';
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
