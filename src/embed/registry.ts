/**
 * Which models `--model` accepts and how each one must be used: pooling, query instruction,
 * passage prefix, dimension, input limit. Getting these wrong does not fail, it silently
 * lowers retrieval quality, so they live in one reviewed table instead of at call sites.
 *
 * This module must stay cheap to import (`rag --help` loads it): model code, and with it
 * `@huggingface/transformers`, is imported only inside {@link resolveModel}.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import type { Embedder, Pooling } from './types.js';

export type ModelProvider = 'builtin' | 'transformers';
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

/** One row of `rag models`. */
export interface ModelEntry {
  alias: string;
  provider: ModelProvider;
  /** transformers.js-compatible hub repo (ONNX weights under `onnx/`); empty for built-ins. */
  hubId: string;
  pooling: Pooling;
  /** Prepended to queries; for instruction models the whole template before the query. */
  queryPrefix: string;
  /** Prepended to documents. */
  passagePrefix: string;
  /** Output dimension (for Matryoshka models, the full one). */
  dimension: number;
  /** Input limit used here, special tokens included. */
  maxTokens: number;
  languages: string[];
  /** Matryoshka: `--dimensions` may keep a prefix of the vector. */
  matryoshka?: boolean;
  notes: string;
}

const BGE_ZH_QUERY = '为这个句子生成表示以用于检索相关文章：';
const BGE_EN_QUERY = 'Represent this sentence for searching relevant passages: ';
/** Qwen3-Embedding's default retrieval task, from its model card. */
export const QWEN3_DEFAULT_TASK = 'Given a web search query, retrieve relevant passages that answer the query';

/** Qwen3-Embedding's query template (`Instruct: {task}\nQuery:{query}`) up to the query. */
export function qwen3QueryPrefix(task: string = QWEN3_DEFAULT_TASK): string {
  return `Instruct: ${task}\nQuery:`;
}

const E5_LANGUAGES = ['multilingual (~100 languages)'];

const MODELS: readonly ModelEntry[] = [
  {
    alias: 'hash',
    provider: 'builtin',
    hubId: '',
    pooling: 'none',
    queryPrefix: '',
    passagePrefix: '',
    dimension: 4096,
    maxTokens: 0,
    languages: ['zh', 'en'],
    notes: 'Built in, no download: hashed words (jieba for Chinese) with IDF on the query side. A lexical baseline; dimension set by its options.',
  },
  {
    alias: 'bge-small-zh',
    provider: 'transformers',
    hubId: 'Xenova/bge-small-zh-v1.5',
    pooling: 'cls',
    queryPrefix: BGE_ZH_QUERY,
    passagePrefix: '',
    dimension: 512,
    maxTokens: 512,
    languages: ['zh'],
    notes: 'BAAI/bge-small-zh-v1.5. The query instruction is optional in v1.5 (helps short queries for passage retrieval); documents get none.',
  },
  {
    alias: 'bge-base-zh',
    provider: 'transformers',
    hubId: 'Xenova/bge-base-zh-v1.5',
    pooling: 'cls',
    queryPrefix: BGE_ZH_QUERY,
    passagePrefix: '',
    dimension: 768,
    maxTokens: 512,
    languages: ['zh'],
    notes: 'BAAI/bge-base-zh-v1.5.',
  },
  {
    alias: 'bge-large-zh',
    provider: 'transformers',
    hubId: 'Xenova/bge-large-zh-v1.5',
    pooling: 'cls',
    queryPrefix: BGE_ZH_QUERY,
    passagePrefix: '',
    dimension: 1024,
    maxTokens: 512,
    languages: ['zh'],
    notes: 'BAAI/bge-large-zh-v1.5; ~1.3 GB in fp32, try --dtype q8 on CPU.',
  },
  {
    alias: 'bge-small-en',
    provider: 'transformers',
    hubId: 'Xenova/bge-small-en-v1.5',
    pooling: 'cls',
    queryPrefix: BGE_EN_QUERY,
    passagePrefix: '',
    dimension: 384,
    maxTokens: 512,
    languages: ['en'],
    notes: 'BAAI/bge-small-en-v1.5.',
  },
  {
    alias: 'bge-base-en',
    provider: 'transformers',
    hubId: 'Xenova/bge-base-en-v1.5',
    pooling: 'cls',
    queryPrefix: BGE_EN_QUERY,
    passagePrefix: '',
    dimension: 768,
    maxTokens: 512,
    languages: ['en'],
    notes: 'BAAI/bge-base-en-v1.5.',
  },
  {
    alias: 'bge-large-en',
    provider: 'transformers',
    hubId: 'Xenova/bge-large-en-v1.5',
    pooling: 'cls',
    queryPrefix: BGE_EN_QUERY,
    passagePrefix: '',
    dimension: 1024,
    maxTokens: 512,
    languages: ['en'],
    notes: 'BAAI/bge-large-en-v1.5.',
  },
  {
    alias: 'bge-m3',
    provider: 'transformers',
    hubId: 'Xenova/bge-m3',
    pooling: 'cls',
    queryPrefix: '',
    passagePrefix: '',
    dimension: 1024,
    maxTokens: 8192,
    languages: ['multilingual (100+ languages)'],
    notes: 'BAAI/bge-m3, dense vectors only (no sparse/ColBERT outputs); no instruction needed. XLM-R large: slow on CPU, ~2.2 GB fp32 (use --dtype q8).',
  },
  {
    alias: 'multilingual-e5-small',
    provider: 'transformers',
    hubId: 'Xenova/multilingual-e5-small',
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    dimension: 384,
    maxTokens: 512,
    languages: E5_LANGUAGES,
    notes: 'intfloat/multilingual-e5-small. Both prefixes are required; without them quality drops.',
  },
  {
    alias: 'multilingual-e5-base',
    provider: 'transformers',
    hubId: 'Xenova/multilingual-e5-base',
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    dimension: 768,
    maxTokens: 512,
    languages: E5_LANGUAGES,
    notes: 'intfloat/multilingual-e5-base. Both prefixes are required.',
  },
  {
    alias: 'multilingual-e5-large',
    provider: 'transformers',
    hubId: 'Xenova/multilingual-e5-large',
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    dimension: 1024,
    maxTokens: 512,
    languages: E5_LANGUAGES,
    notes: 'intfloat/multilingual-e5-large. Both prefixes are required; ~2.2 GB fp32 (use --dtype q8).',
  },
  {
    alias: 'gte-small',
    provider: 'transformers',
    hubId: 'Xenova/gte-small',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    dimension: 384,
    maxTokens: 512,
    languages: ['en'],
    notes: 'thenlper/gte-small; English only, no prefixes.',
  },
  {
    alias: 'jina-v2-base-zh',
    provider: 'transformers',
    hubId: 'jinaai/jina-embeddings-v2-base-zh',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    dimension: 768,
    maxTokens: 8192,
    languages: ['zh', 'en'],
    notes: 'Chinese/English bilingual, ALiBi positions up to 8192 tokens; no prefixes. ONNX weights are in the jinaai repo (onnx/), also mirrored as Xenova/jina-embeddings-v2-base-zh.',
  },
  {
    alias: 'Qwen3-Embedding-0.6B',
    provider: 'transformers',
    hubId: 'onnx-community/Qwen3-Embedding-0.6B-ONNX',
    pooling: 'last_token',
    queryPrefix: qwen3QueryPrefix(),
    passagePrefix: '',
    dimension: 1024,
    maxTokens: 8192,
    languages: ['multilingual (100+ languages)'],
    matryoshka: true,
    notes:
      'Decoder embedder: last-token pooling with left padding, EOS appended when the tokenizer does not. Queries use the instruction template (change the task with --query-prefix), documents none. Matryoshka: --dimensions 32..1024. The model takes 32k tokens; capped at 8192 here (memory and time grow fast with length on CPU).',
  },
];

/** Every alias `--model` accepts, in display order. */
export function listModels(): ModelEntry[] {
  return MODELS.map((m) => ({ ...m, languages: [...m.languages] }));
}

/** Looks up an alias, case-insensitively. */
export function findModel(alias: string): ModelEntry | undefined {
  const wanted = alias.toLowerCase();
  const entry = MODELS.find((m) => m.alias.toLowerCase() === wanted);
  return entry ? { ...entry, languages: [...entry.languages] } : undefined;
}

export interface ResolveOptions {
  /** Which ONNX weights to load. Default 'fp32'. */
  dtype?: ModelDtype;
  /** Overrides the table, the folder's `1_Pooling/config.json`; required for folders without one. */
  pooling?: Pooling;
  /** Never use the network: hub models must already be in the cache. */
  offline?: boolean;
  /** Model cache directory. Default `$RAG_CACHE_DIR/models`, `$XDG_CACHE_HOME/rag/models` or `~/.cache/rag/models`. */
  cacheDir?: string;
  /** Replaces the model's query prefix/instruction ('' for none). */
  queryPrefix?: string;
  /** Replaces the model's passage prefix ('' for none). */
  passagePrefix?: string;
  /** API base URL for openai:/ollama: models. */
  baseUrl?: string;
  /** Shorter vectors: Matryoshka truncation for local models, the API parameter for openai:. */
  dimensions?: number;
  /** Input limit in tokens; default from the table or the model's config. */
  maxTokens?: number;
  /** Hub model revision (branch, tag or commit). Default 'main'. */
  revision?: string;
  /** ONNX threads. Default: all cores. */
  threads?: number;
  /** How long the hub may take to answer before giving up. Default 10 s. */
  hubTimeoutMs?: number;
  /**
   * Local models already on disk: return before loading the tokenizer and ONNX session, which
   * then load on first use or `load()` (see `TransformersLoadOptions.deferLoad`). Default false.
   */
  deferLoad?: boolean;
}

const POOLINGS: readonly Pooling[] = ['cls', 'mean', 'last_token', 'none'];

/**
 * Turns a `--model` value into a loaded embedder.
 *
 * Accepted forms: an alias from {@link listModels} (`bge-small-zh`, case-insensitive), `hash`,
 * `hf:ORG/NAME` (any transformers.js-compatible repo), a model folder (`./path`, `../path`,
 * `/abs/path`, `~/path`), `openai:MODEL` and `ollama:MODEL`.
 *
 * @throws RagError for an unknown alias (with the closest names), a folder that is not a
 * model, a repo or folder whose pooling is unknown and not given, or a hub that cannot be reached.
 */
export async function resolveModel(spec: string, options: ResolveOptions = {}): Promise<Embedder> {
  const trimmed = spec.trim();
  if (options.pooling !== undefined && !POOLINGS.includes(options.pooling)) {
    throw new RagError(`unknown pooling '${String(options.pooling)}'; use one of ${POOLINGS.join(', ')}`);
  }
  if (trimmed.toLowerCase() === 'hash') {
    const { HashEmbedder } = await import('./hash.js');
    return new HashEmbedder();
  }
  const colon = trimmed.indexOf(':');
  const scheme = colon > 0 ? trimmed.slice(0, colon).toLowerCase() : '';
  const rest = colon > 0 ? trimmed.slice(colon + 1) : '';
  if (scheme === 'openai') {
    const { createOpenAIEmbedder } = await import('./openai.js');
    return createOpenAIEmbedder(rest, {
      id: trimmed,
      baseUrl: options.baseUrl,
      dimensions: options.dimensions,
      queryPrefix: options.queryPrefix,
      passagePrefix: options.passagePrefix,
      maxTokens: options.maxTokens,
    });
  }
  if (scheme === 'ollama') {
    const { createOllamaEmbedder } = await import('./ollama.js');
    return createOllamaEmbedder(rest, {
      id: trimmed,
      host: options.baseUrl,
      queryPrefix: options.queryPrefix,
      passagePrefix: options.passagePrefix,
      maxTokens: options.maxTokens,
    });
  }
  if (scheme === 'hf') return resolveHubRepo(trimmed, rest, options);
  if (isPathSpec(trimmed)) return resolveFolder(trimmed, options);

  const entry = findModel(trimmed);
  if (!entry) throw unknownModelError(trimmed);
  if (options.dimensions !== undefined && !entry.matryoshka) {
    throw new RagError(`${entry.alias} does not support --dimensions (not a Matryoshka model); leave it out`);
  }
  const { loadTransformersEmbedder } = await import('./transformers.js');
  return loadTransformersEmbedder(
    {
      id: entry.alias,
      source: { kind: 'hub', repo: entry.hubId, revision: options.revision },
      pooling: options.pooling ?? entry.pooling,
      queryPrefix: options.queryPrefix ?? entry.queryPrefix,
      passagePrefix: options.passagePrefix ?? entry.passagePrefix,
      maxTokens: options.maxTokens ?? entry.maxTokens,
      dimensions: options.dimensions,
      languages: entry.languages,
      dtype: options.dtype,
    },
    loadOptions(options),
  );
}

function loadOptions(options: ResolveOptions): import('./transformers.js').TransformersLoadOptions {
  return {
    offline: options.offline,
    cacheDir: options.cacheDir,
    threads: options.threads,
    hubTimeoutMs: options.hubTimeoutMs,
    deferLoad: options.deferLoad,
  };
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec.startsWith('~/') || spec === '.' || /^[A-Za-z]:[\\/]/.test(spec);
}

function expandHome(spec: string): string {
  return spec.startsWith('~/') ? path.join(process.env.HOME ?? '', spec.slice(2)) : spec;
}

async function resolveFolder(spec: string, options: ResolveOptions): Promise<Embedder> {
  const dir = path.resolve(expandHome(spec));
  if (!existsSync(dir)) throw new RagError(`model folder ${dir} does not exist`);
  const settings = await readFolderSettings(dir);
  const pooling = options.pooling ?? settings.pooling;
  if (pooling === undefined) throw missingPoolingError(`model folder ${dir}`);
  const { loadTransformersEmbedder } = await import('./transformers.js');
  return loadTransformersEmbedder(
    {
      id: `local:${path.basename(dir)}`,
      source: { kind: 'local', dir },
      pooling,
      queryPrefix: options.queryPrefix ?? settings.queryPrefix,
      passagePrefix: options.passagePrefix ?? settings.passagePrefix,
      maxTokens: options.maxTokens ?? settings.maxTokens,
      dimensions: options.dimensions,
      dtype: options.dtype,
    },
    loadOptions(options),
  );
}

async function resolveHubRepo(spec: string, repo: string, options: ResolveOptions): Promise<Embedder> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new RagError(`'${spec}' is not a hub model id; write hf:ORG/NAME, e.g. hf:Xenova/bge-small-zh-v1.5`);
  const { loadTransformersEmbedder } = await import('./transformers.js');
  const pooling = options.pooling ?? (await hubPooling(repo, options));
  if (pooling === undefined) throw missingPoolingError(repo);
  return loadTransformersEmbedder(
    {
      id: spec,
      source: { kind: 'hub', repo, revision: options.revision },
      pooling,
      queryPrefix: options.queryPrefix,
      passagePrefix: options.passagePrefix,
      maxTokens: options.maxTokens,
      dimensions: options.dimensions,
      dtype: options.dtype,
    },
    loadOptions(options),
  );
}

/** Pooling declared by a hub repo's `1_Pooling/config.json`: from the cache, else fetched once. */
async function hubPooling(repo: string, options: ResolveOptions): Promise<Pooling | undefined> {
  const hub = await import('./transformers-hub.js');
  const { poolingFromSentenceTransformers } = await import('./pooling.js');
  const cacheDir = options.cacheDir ?? hub.defaultModelCacheDir();
  const revision = options.revision ?? 'main';
  const cached = hub.cachedFilePath(cacheDir, repo, revision, '1_Pooling/config.json');
  if (existsSync(cached)) return poolingFromSentenceTransformers(await readJson(cached));
  if (options.offline) return undefined;
  const host = hub.hubEndpoint();
  // Reachability errors surface here with the same one line the model download would give.
  await hub.probeHub(repo, revision, host, options.hubTimeoutMs ?? hub.DEFAULT_HUB_TIMEOUT_MS);
  try {
    const response = await fetch(`${host}/${repo}/resolve/${encodeURIComponent(revision)}/1_Pooling/config.json`, {
      signal: AbortSignal.timeout(options.hubTimeoutMs ?? hub.DEFAULT_HUB_TIMEOUT_MS),
    });
    if (!response.ok) return undefined;
    return poolingFromSentenceTransformers(await response.json());
  } catch {
    return undefined;
  }
}

interface FolderSettings {
  pooling?: Pooling;
  queryPrefix?: string;
  passagePrefix?: string;
  maxTokens?: number;
}

/**
 * What a sentence-transformers folder says about itself: pooling (`1_Pooling/config.json`),
 * prompts (`config_sentence_transformers.json`, e.g. Qwen3's query instruction) and the
 * sequence limit (`sentence_bert_config.json`).
 */
export async function readFolderSettings(dir: string): Promise<FolderSettings> {
  const { poolingFromSentenceTransformers } = await import('./pooling.js');
  const settings: FolderSettings = {};
  const poolingConfig = await readJson(path.join(dir, '1_Pooling', 'config.json'));
  settings.pooling = poolingFromSentenceTransformers(poolingConfig);
  const st = await readJson(path.join(dir, 'config_sentence_transformers.json'));
  if (isRecord(st) && isRecord(st.prompts)) {
    const prompts = st.prompts;
    if (typeof prompts.query === 'string') settings.queryPrefix = prompts.query;
    const doc = prompts.document ?? prompts.passage;
    if (typeof doc === 'string') settings.passagePrefix = doc;
  }
  const sb = await readJson(path.join(dir, 'sentence_bert_config.json'));
  if (isRecord(sb) && typeof sb.max_seq_length === 'number' && sb.max_seq_length > 0) settings.maxTokens = sb.max_seq_length;
  return settings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(file: string): Promise<unknown> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    throw new RagError(`${file} is not valid JSON`);
  }
}

function missingPoolingError(what: string): RagError {
  return new RagError(
    `${what} does not declare its pooling (no sentence-transformers 1_Pooling/config.json); pass --pooling cls, mean or last_token as its model card says`,
  );
}

function unknownModelError(spec: string): RagError {
  const close = suggestAliases(spec);
  const hint = close.length > 0 ? `did you mean ${close.join(' or ')}? ` : '';
  return new RagError(
    `unknown model '${spec}'; ${hint}run \`rag models\` for the list (or use hf:ORG/NAME, a ./folder, openai:MODEL, ollama:MODEL)`,
  );
}

/** Aliases within a small edit distance of `spec` (case-insensitive), closest first, at most 3. */
export function suggestAliases(spec: string): string[] {
  const wanted = spec.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  return MODELS.map((m) => ({ alias: m.alias, distance: editDistance(wanted, m.alias.toLowerCase()) }))
    .filter((c) => c.distance <= limit || c.alias.toLowerCase().startsWith(wanted) || (wanted.length >= 3 && c.alias.toLowerCase().includes(wanted)))
    .sort((a, b) => a.distance - b.distance || a.alias.localeCompare(b.alias))
    .slice(0, 3)
    .map((c) => c.alias);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
