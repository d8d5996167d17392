/**
 * The model aliases `--model` accepts and how each one must be used: pooling, query instruction,
 * passage prefix, dimension, input limit. Getting these wrong does not fail, it silently
 * lowers retrieval quality, so they live in one reviewed table instead of at call sites.
 *
 * Cheap to import (`rag --help` and `rag models` load it): no model code.
 */
import { RagError } from '../errors.js';
import type { Pooling, ProviderName } from '../model/model-info.js';


/** One row of `rag models`. */
export interface ModelEntry {
  alias: string;
  /** Aliases name the built-in model or local ONNX models; API models are named by their scheme. */
  provider: Extract<ProviderName, 'builtin' | 'transformers'>;
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

export function unknownModelError(spec: string): RagError {
  const close = suggestAliases(spec);
  const suggestion = close.length > 0 ? `did you mean ${close.join(' or ')}? ` : '';
  return new RagError('model-unknown', `unknown model '${spec}'`, {
    hint: `${suggestion}listModels() has the aliases (or use hf:ORG/NAME, a ./folder, openai:MODEL, ollama:MODEL)`,
    details: { spec, suggestions: close.join(' or ') },
  });
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
