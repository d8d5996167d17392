/**
 * `rag queries generate`: a labelled query set from a folder of documents (or an index) and a
 * chat model. Passages are sampled per document with a seed, the model writes one query per style
 * in the passage's language, filters drop leaks, duplicates and junk (each counted), and the
 * result is a BEIR folder `rag eval --dataset` reads as is, with qrels at document level.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../../errors.js';
import { mapWithConcurrency } from '../../embed/http.js';
import { characterLength, chunkDocument } from '../../ingest/chunk.js';
import { discoverFiles } from '../../ingest/discover.js';
import { FileLoadError, loadFile } from '../../ingest/loaders/index.js';
import type { LoadedDocument } from '../../ingest/types.js';
import { readQueries, readVerdict } from '../../llm/json-reply.js';
import type { ChatMessage, ChatModel, ChatReply } from '../../llm/types.js';
import { DEFAULT_CHUNKING, type ChunkingOptions } from '../../model/chunking.js';
import type { Chunk } from '../../model/document.js';
import { writeFileAtomic, writeFileAtomicStream } from '../../store/atomic.js';
import { openIndex } from '../../store/open.js';
import { packageVersion } from '../../version.js';
import { CallCache } from './call-cache.js';
import { DEFAULT_LEAK_RULE, DuplicateFilter, leakDetector, MAX_QUERY_CHARS, type LeakRule } from './filters.js';
import { DEFAULT_PASSAGE_RULES, passageLanguage, skipReason, type PassageLanguage, type PassageRules } from './passages.js';
import { estimateTokens, promptSet, QUERY_STYLES, type QueryStyle } from './prompts.js';
import { stratifiedSample } from './sample.js';

/** Version of generation.json. */
export const GENERATION_FORMAT_VERSION = 1;

/** Some variety between styles and passages; the cache, not greedy decoding, makes re-runs repeat. */
const GENERATE_TEMPERATURE = 0.7;

/** The judgment log `rag label` keeps in a dataset; its presence means people labelled it. */
export const JUDGMENT_LOG = 'judgments.jsonl';

export interface GenerateOptions {
  /** Files or folders to read (through the ingest loaders). Either this or `index`. */
  paths?: string[];
  /** An existing index (folder or postgres:// URL) whose chunks are sampled. */
  index?: string;
  llm: ChatModel;
  /** Queries wanted: ceil(count / styles) passages are sampled, each asked for one query per style. */
  count: number;
  /** The dataset folder to write. */
  out: string;
  /** Seed of the passage sample (and sent to the model where supported). Default 42. */
  seed?: number;
  /** Default: question, keywords, paraphrase. */
  styles?: QueryStyle[];
  /** A prompt template replacing the built-in ones (see prompts.ts). */
  promptTemplate?: string;
  /** Ask the model, in a second call per query, whether the passage answers it; "no" is dropped. */
  check?: boolean;
  /** Keep queries that copy a long span of their passage (flagged `leaky` in their metadata). */
  keepLeaky?: boolean;
  leakRule?: LeakRule;
  passageRules?: PassageRules;
  /** Chunking of documents read from `paths` (default 800 characters, overlap 100, as ingest for HTTP models). */
  chunkSize?: number;
  chunkOverlap?: number;
  include?: string[];
  exclude?: string[];
  /** Requests in flight. Default 4. */
  concurrency?: number;
  /** Plan only: what would be sampled and called, nothing written, no request made. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: GenerateEvent) => void;
}

export type GenerateEvent =
  | { type: 'plan'; plan: GenerationPlan }
  | { type: 'progress'; phase: 'generate' | 'check'; done: number; total: number };

export interface GenerationPlan {
  documents: number;
  chunks: number;
  eligibleChunks: number;
  skipped: { tooShort: number; markup: number };
  /** Files that could not be loaded (counted by reason). */
  failedFiles: Record<string, number>;
  passages: number;
  byLanguage: Record<PassageLanguage, number>;
  queriesAsked: number;
  /** Generation calls, not counting retries of unreadable replies. */
  calls: number;
  /** Of those, already answered in the cache (free). */
  cachedCalls: number;
  /** Up to one per query when `check` is on. */
  checkCalls: number;
  estimatedTokens: { prompt: number; completion: number };
}

export interface GenerationCounts {
  queriesAsked: number;
  /** Queries in readable replies (before any filter). */
  received: number;
  /** Replies that were not readable JSON of the right shape at first; each was asked again once. */
  unreadableReplies: number;
  /** Passages whose reply was still unreadable after the retry: no queries from them. */
  unreadablePassages: number;
  /** Queries beyond the styles asked for (the first ones are kept). */
  extra: number;
  empty: number;
  tooLong: number;
  leaky: number;
  /** Leaky queries kept because of keepLeaky (included in `leaky`). */
  leakyKept: number;
  exactDuplicates: number;
  nearDuplicates: number;
  unanswerable: number;
  /** Checks whose reply stayed unreadable after one retry: the query is kept, marked unchecked. */
  checkUnreadable: number;
  kept: number;
}

export interface GenerationReport {
  formatVersion: typeof GENERATION_FORMAT_VERSION;
  createdAt: string;
  toolVersion: string;
  settings: {
    llm: string;
    endpoint: string;
    source: { paths: string[] } | { index: string };
    count: number;
    seed: number;
    styles: QueryStyle[];
    promptHash: string;
    customPrompt: boolean;
    check: boolean;
    keepLeaky: boolean;
    leakRule: LeakRule;
    passageRules: PassageRules;
    chunking: ChunkingOptions | null;
    maxQueryChars: number;
  };
  plan: GenerationPlan;
  counts: GenerationCounts;
  calls: { made: number; cached: number };
  /** Tokens the server counted for the calls made by this run, and for the replies replayed from the cache. */
  tokens: { prompt: number; completion: number; cachedPrompt: number; cachedCompletion: number };
  wallSeconds: number;
}

export interface GenerateResult {
  plan: GenerationPlan;
  /** Absent for a dry run. */
  report?: GenerationReport;
  files?: { corpus: string; queries: string; qrels: string; generation: string };
}

/** One query with where it came from, as written to queries.jsonl. */
export interface GeneratedQuery {
  _id: string;
  text: string;
  metadata: {
    docId: string;
    chunkId: string;
    /** Character span (UTF-16, end exclusive) of the passage in the document's text (corpus.jsonl `text`). */
    start: number;
    end: number;
    style: QueryStyle;
    language: PassageLanguage;
    generator: string;
    promptHash: string;
    leaky?: true;
    /** The answerability check's verdict, when `check` was on (null: unreadable). */
    answerable?: boolean | null;
  };
}

interface Passage {
  docId: string;
  index: number;
  chunk: Chunk;
  language: PassageLanguage;
}

interface SourceDocuments {
  documents: Array<{ docId: string; title: string; text: string }>;
  chunks: Chunk[];
  failedFiles: Record<string, number>;
  chunking: ChunkingOptions | null;
}

export async function generateQueries(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  if (!Number.isInteger(options.count) || options.count < 1) throw new RagError('usage', `count must be a positive integer, got ${String(options.count)}`, { details: { advice: 'count-invalid', count: String(options.count) } });
  if ((options.paths?.length ?? 0) === 0 === (options.index === undefined)) {
    throw new RagError('usage', 'give either document paths or an index, not both and not neither', { details: { advice: 'querygen-source' } });
  }
  const styles = options.styles ?? [...QUERY_STYLES];
  const seed = options.seed ?? 42;
  const prompts = promptSet(options.promptTemplate);
  const leakRule = options.leakRule ?? DEFAULT_LEAK_RULE;
  const passageRules = options.passageRules ?? DEFAULT_PASSAGE_RULES;
  const concurrency = options.concurrency ?? 4;
  const llm = options.llm;

  const source = options.index === undefined ? await fromPaths(options) : await fromIndex(options.index);
  const skipped = { tooShort: 0, markup: 0 };
  const eligible: Passage[] = [];
  for (const chunk of source.chunks) {
    const reason = skipReason(chunk.text, passageRules);
    if (reason === 'too-short') skipped.tooShort++;
    else if (reason === 'markup') skipped.markup++;
    else eligible.push({ docId: chunk.docId, index: chunk.index, chunk, language: passageLanguage(chunk.text) });
  }
  if (eligible.length === 0) {
    throw new RagError('usage', `none of the ${source.chunks.length} chunks is fit for queries (${skipped.tooShort} too short, ${skipped.markup} mostly markup or tables)`);
  }
  const passages = stratifiedSample(eligible, Math.ceil(options.count / styles.length), seed);

  const cache = options.dryRun ? undefined : await CallCache.open(path.join(options.out, '.cache', 'chat.jsonl'));
  const requestOf = (p: Passage): ChatMessage[] => prompts.messages(p.chunk.text, p.language, styles);
  const keyOf = (messages: readonly ChatMessage[], attempt: number, temperature = GENERATE_TEMPERATURE): string =>
    CallCache.key(llm.id, messages, { seed, attempt, temperature });
  const cachedProbe = cache ?? (await CallCache.open(path.join(options.out, '.cache', 'chat.jsonl'), { create: false }));
  const byLanguage: Record<PassageLanguage, number> = { zh: 0, en: 0 };
  let promptEstimate = 0;
  let cachedCalls = 0;
  for (const p of passages) {
    byLanguage[p.language]++;
    const messages = requestOf(p);
    promptEstimate += estimateTokens(messages.map((m) => m.content).join('\n'));
    if (cachedProbe?.has(keyOf(messages, 0))) cachedCalls++;
  }
  const plan: GenerationPlan = {
    documents: source.documents.length,
    chunks: source.chunks.length,
    eligibleChunks: eligible.length,
    skipped,
    failedFiles: source.failedFiles,
    passages: passages.length,
    byLanguage,
    queriesAsked: passages.length * styles.length,
    calls: passages.length,
    cachedCalls,
    checkCalls: options.check ? passages.length * styles.length : 0,
    // About 30 tokens per query written; a check costs its passage again and answers in a few tokens.
    estimatedTokens: {
      prompt: promptEstimate + (options.check ? promptEstimate * styles.length : 0),
      completion: passages.length * styles.length * (30 + (options.check ? 8 : 0)),
    },
  };
  emit({ type: 'plan', plan });
  if (options.dryRun || cache === undefined) return { plan };

  if (existsSync(path.join(options.out, JUDGMENT_LOG))) {
    throw new RagError('usage', `${options.out} holds judgments people made (${JUDGMENT_LOG}); generating into it would overwrite its qrels`, {
      hint: 'choose another output folder',
      details: { advice: 'querygen-out-judged', out: options.out, log: JUDGMENT_LOG },
    });
  }

  const calls = { made: 0, cached: 0 };
  const tokens = { prompt: 0, completion: 0, cachedPrompt: 0, cachedCompletion: 0 };
  const ask = async (messages: ChatMessage[], attempt: number, temperature: number): Promise<ChatReply> => {
    const key = keyOf(messages, attempt, temperature);
    const hit = cache.get(key);
    if (hit !== undefined) {
      calls.cached++;
      tokens.cachedPrompt += hit.promptTokens;
      tokens.cachedCompletion += hit.completionTokens;
      return hit;
    }
    const reply = await llm.chat(messages, { temperature, seed: seed + attempt, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    calls.made++;
    tokens.prompt += reply.promptTokens;
    tokens.completion += reply.completionTokens;
    await cache.put(key, reply);
    return reply;
  };

  const counts: GenerationCounts = {
    queriesAsked: plan.queriesAsked,
    received: 0,
    unreadableReplies: 0,
    unreadablePassages: 0,
    extra: 0,
    empty: 0,
    tooLong: 0,
    leaky: 0,
    leakyKept: 0,
    exactDuplicates: 0,
    nearDuplicates: 0,
    unanswerable: 0,
    checkUnreadable: 0,
    kept: 0,
  };

  let done = 0;
  const replies = await interruptible(options.signal, cache, () =>
    mapWithConcurrency(passages, concurrency, async (p) => {
      const messages = requestOf(p);
      let queries = readQueries((await ask(messages, 0, GENERATE_TEMPERATURE)).text);
      if (queries === undefined) {
        counts.unreadableReplies++;
        queries = readQueries((await ask(messages, 1, GENERATE_TEMPERATURE)).text);
        if (queries === undefined) counts.unreadablePassages++;
      }
      emit({ type: 'progress', phase: 'generate', done: ++done, total: passages.length });
      return queries ?? [];
    }),
  );

  // Filters run in sample order, whatever order replies arrived in: the same replies give the same set.
  const duplicates = new DuplicateFilter();
  const survivors: Array<{ passage: Passage; query: GeneratedQuery }> = [];
  passages.forEach((p, i) => {
    const leaks = leakDetector(p.chunk.text, leakRule);
    (replies[i] ?? []).forEach((raw, position) => {
      counts.received++;
      const style = styles[position];
      if (style === undefined) {
        counts.extra++;
        return;
      }
      const text = raw.replace(/\s+/g, ' ').trim().replace(/^["'“”「」]+|["'“”「」]+$/g, '').trim();
      if (text === '') {
        counts.empty++;
        return;
      }
      if (Array.from(text).length > MAX_QUERY_CHARS) {
        counts.tooLong++;
        return;
      }
      const leaky = leaks(text) !== undefined;
      if (leaky) {
        counts.leaky++;
        if (!options.keepLeaky) return;
        counts.leakyKept++;
      }
      const dup = duplicates.check(text);
      if (dup === 'exact') {
        counts.exactDuplicates++;
        return;
      }
      if (dup === 'near') {
        counts.nearDuplicates++;
        return;
      }
      survivors.push({
        passage: p,
        query: {
          _id: queryId(p.chunk, style),
          text,
          metadata: {
            docId: p.docId,
            chunkId: p.chunk.id,
            start: p.chunk.start,
            end: p.chunk.end,
            style,
            language: p.language,
            generator: llm.id,
            promptHash: prompts.hash,
            ...(leaky ? { leaky: true as const } : {}),
          },
        },
      });
    });
  });

  let kept = survivors;
  if (options.check) {
    let checked = 0;
    const verdicts = await interruptible(options.signal, cache, () =>
      mapWithConcurrency(survivors, concurrency, async ({ passage, query }) => {
        const messages = prompts.checkMessages(passage.chunk.text, query.text, passage.language);
        let verdict = readVerdict((await ask(messages, 0, 0)).text);
        if (verdict === undefined) verdict = readVerdict((await ask(messages, 1, 0)).text);
        emit({ type: 'progress', phase: 'check', done: ++checked, total: survivors.length });
        return verdict;
      }),
    );
    kept = [];
    survivors.forEach((s, i) => {
      const verdict = verdicts[i];
      if (verdict === false) {
        counts.unanswerable++;
        return;
      }
      if (verdict === undefined) counts.checkUnreadable++;
      s.query.metadata.answerable = verdict ?? null;
      kept.push(s);
    });
  }
  counts.kept = kept.length;
  await cache.flush();

  const files = await writeDataset(options.out, source, kept.map((k) => k.query));
  const report: GenerationReport = {
    formatVersion: GENERATION_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    toolVersion: packageVersion(),
    settings: {
      llm: llm.id,
      endpoint: llm.endpoint,
      source: options.index === undefined ? { paths: options.paths ?? [] } : { index: options.index },
      count: options.count,
      seed,
      styles,
      promptHash: prompts.hash,
      customPrompt: prompts.custom,
      check: options.check ?? false,
      keepLeaky: options.keepLeaky ?? false,
      leakRule,
      passageRules,
      chunking: source.chunking,
      maxQueryChars: MAX_QUERY_CHARS,
    },
    plan,
    counts,
    calls,
    tokens,
    wallSeconds: (performance.now() - started) / 1000,
  };
  const generation = path.join(options.out, 'generation.json');
  await writeFileAtomic(generation, `${JSON.stringify(report, null, 2)}\n`);
  return { plan, report, files: { ...files, generation } };
}

/** Stable across runs and counts: the same passage and style always get the same id. */
function queryId(chunk: Chunk, style: QueryStyle): string {
  return `g${createHash('sha256').update(`${chunk.docId}\0${chunk.start}\0${chunk.end}\0${style}`).digest('hex').slice(0, 12)}`;
}

/** Ctrl-C stops between requests; what was answered is in the cache for the next run. */
async function interruptible<T>(signal: AbortSignal | undefined, cache: CallCache, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await cache.flush();
    if (signal?.aborted) {
      throw new RagError('interrupted', `stopped; ${cache.size} replies are cached`, { hint: 'run the same command again to continue without paying for them twice' });
    }
    throw error;
  }
}

async function fromPaths(options: GenerateOptions): Promise<SourceDocuments> {
  const discovered = await discoverFiles(options.paths ?? [], {
    ...(options.include === undefined ? {} : { include: options.include }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
  });
  const failedFiles: Record<string, number> = {};
  for (const n of discovered.notices) if (n.kind === 'failed') failedFiles[n.code] = (failedFiles[n.code] ?? 0) + 1;
  const base = DEFAULT_CHUNKING.characters;
  const chunking: ChunkingOptions = {
    chunkSize: options.chunkSize ?? base.chunkSize,
    chunkOverlap: options.chunkOverlap ?? Math.min(base.chunkOverlap, Math.floor((options.chunkSize ?? base.chunkSize) / 4)),
    lengthUnit: 'characters',
  };
  const documents: SourceDocuments['documents'] = [];
  const chunks: Chunk[] = [];
  const seen = new Set<string>();
  for (const file of discovered.files) {
    let loaded: LoadedDocument[];
    try {
      loaded = (await loadFile(file)).documents;
    } catch (error) {
      if (!(error instanceof FileLoadError)) throw error;
      failedFiles[error.notice] = (failedFiles[error.notice] ?? 0) + 1;
      continue;
    }
    for (const doc of loaded) {
      if (seen.has(doc.docId)) continue;
      seen.add(doc.docId);
      documents.push({ docId: doc.docId, title: doc.title ?? '', text: doc.text });
      chunks.push(...chunkDocument(doc, chunking, characterLength));
    }
  }
  if (documents.length === 0) throw new RagError('path-not-found', `no readable documents in ${(options.paths ?? []).join(', ')}`);
  return { documents, chunks, failedFiles, chunking };
}

/**
 * Chunks of an existing index, and each document's text put back together from its chunks'
 * spans (gaps between chunks, normally whitespace the splitter dropped, become spaces).
 */
async function fromIndex(location: string): Promise<SourceDocuments> {
  const index = await openIndex(location);
  try {
    const documents: SourceDocuments['documents'] = [];
    const chunks: Chunk[] = [];
    for (const doc of index.documents()) {
      const own = await index.chunksOf(doc);
      chunks.push(...own);
      const length = own.reduce((m, c) => Math.max(m, c.end), 0);
      const chars = new Array<string>(length).fill(' ');
      for (const c of own) for (let i = 0; i < c.text.length && c.start + i < length; i++) chars[c.start + i] = c.text[i]!;
      documents.push({ docId: doc.docId, title: doc.title ?? '', text: chars.join('') });
    }
    if (chunks.length === 0) throw new RagError('index-empty', `the index at ${index.location} has no chunks`);
    return { documents, chunks, failedFiles: {}, chunking: { ...index.manifest.chunking } };
  } finally {
    await index.close();
  }
}

async function writeDataset(
  out: string,
  source: SourceDocuments,
  queries: GeneratedQuery[],
): Promise<{ corpus: string; queries: string; qrels: string }> {
  await mkdir(path.join(out, 'qrels'), { recursive: true });
  const corpusFile = path.join(out, 'corpus.jsonl');
  // From an index the documents are its chunks' text put back together: written too, so the folder evaluates as is.
  // A title the text already starts with (a Markdown `# heading`) is not repeated: BEIR readers prepend it.
  const line = (d: SourceDocuments['documents'][number]): string =>
    `${JSON.stringify({ _id: d.docId, title: d.text.slice(0, 300).includes(d.title) ? '' : d.title, text: d.text })}\n`;
  await writeFileAtomicStream(corpusFile, source.documents.map(line));
  const queriesFile = path.join(out, 'queries.jsonl');
  await writeFileAtomicStream(queriesFile, queries.map((q) => `${JSON.stringify(q)}\n`));
  const qrelsFile = path.join(out, 'qrels', 'test.tsv');
  await writeFileAtomicStream(qrelsFile, ['query-id\tcorpus-id\tscore\n', ...queries.map((q) => `${q._id}\t${q.metadata.docId}\t1\n`)]);
  return { corpus: corpusFile, queries: queriesFile, qrels: qrelsFile };
}
