/**
 * Local cross-encoder rerankers through transformers.js: a sequence-classification model reads
 * `[CLS] query [SEP] passage [SEP]` and its one logit is the relevance score.
 *
 * Opening is synchronous (the `openReranker` contract) and only checks what can be checked on
 * disk; the tokenizer and ONNX session load on the first `rerank()`, with the same hub, offline
 * and cache rules as local embedding models (embed/transformers-hub.ts, embed/cache-dir.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RagError } from '../errors.js';
import {
  DEFAULT_HUB_TIMEOUT_MS,
  cachedFilePath,
  defaultModelCacheDir,
  hubEndpoint,
  hubFailureError,
  isCached,
  probeHub,
} from '../embed/transformers-hub.js';
import type { Dtype } from '../embed/transformers.js';
import type { Reranker, RerankOptions, RerankStats } from './types.js';
import { CROSS_ENCODER_ALIASES } from './cross-encoder-aliases.js';

export { CROSS_ENCODER_ALIASES };

/**
 * `logit` (default): the model's raw output, as the BGE reranker cards return by default.
 * `sigmoid`: mapped to 0..1 (`normalize=True` in FlagEmbedding). The order is the same either way.
 */
export type RerankScoreScale = 'logit' | 'sigmoid';

export interface CrossEncoderOptions {
  /** Never touch the network; a hub model missing from the cache is an error. Default `$RAG_OFFLINE` = 1/true. */
  offline?: boolean;
  /** Where hub models are cached. Default `<cache root>/models` (embed/cache-dir.ts). */
  cacheDir?: string;
  /** Hub base URL. Default `$HF_ENDPOINT`, else https://huggingface.co. */
  hubUrl?: string;
  /** How long the hub may take to answer the first request. Default 10 s. */
  hubTimeoutMs?: number;
  /** Hub revision. Default `main`. */
  revision?: string;
  /** ONNX weights variant. Default fp32. */
  dtype?: Dtype;
  /** ONNX intra-op threads. Default all cores. */
  threads?: number;
  /** Pairs per forward pass. Default 16. Scores do not depend on it. */
  batchSize?: number;
  /** Longest pair in tokens, special tokens included. Default the alias's, else the model's limit (at most 512). */
  maxTokens?: number;
  /** Default `logit`. */
  scores?: RerankScoreScale;
}

const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

/** Whether a `--rerank` spec names a local cross-encoder (alias, `hf:ORG/NAME` or a folder). */
export function isCrossEncoderSpec(spec: string): boolean {
  return spec in CROSS_ENCODER_ALIASES || spec.toLowerCase().startsWith('hf:') || isFolderSpec(spec);
}

function isFolderSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec.startsWith('~/') || spec === '.' || /^[A-Za-z]:[\\/]/.test(spec);
}

interface Tokenizer {
  encode(text: string, options?: { text_pair?: string; add_special_tokens?: boolean }): number[];
  (text: string[], options: { text_pair: string[]; padding: boolean; truncation: boolean; max_length: number }): Record<string, unknown>;
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  model_max_length?: unknown;
}
interface LogitsTensor {
  dims: number[];
  data: ArrayLike<number | bigint>;
}
type Model = ((inputs: Record<string, unknown>) => Promise<{ logits?: LogitsTensor }>) & { dispose(): Promise<unknown> };
interface Loaded {
  tokenizer: Tokenizer;
  model: Model;
}

type Source = { kind: 'hub'; repo: string; revision: string } | { kind: 'local'; dir: string };

/** Opens a cross-encoder spec; throws at once for an unknown alias, a missing or non-reranker folder. */
export function openCrossEncoder(spec: string, options: CrossEncoderOptions = {}): CrossEncoderReranker {
  const alias = CROSS_ENCODER_ALIASES[spec];
  if (alias) return new CrossEncoderReranker(spec, { kind: 'hub', repo: alias.hubId, revision: options.revision ?? 'main' }, { ...options, maxTokens: options.maxTokens ?? alias.maxTokens });
  if (spec.toLowerCase().startsWith('hf:')) {
    const repo = spec.slice(3);
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new RagError('model-unknown', `'${spec}' is not a hub model id; write hf:ORG/NAME, e.g. hf:BAAI/bge-reranker-base`);
    return new CrossEncoderReranker(spec, { kind: 'hub', repo, revision: options.revision ?? 'main' }, options);
  }
  if (isFolderSpec(spec)) {
    const dir = path.resolve(spec.startsWith('~/') ? path.join(os.homedir(), spec.slice(2)) : spec);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new RagError('path-not-found', `reranker folder ${dir} does not exist`, { hint: 'give a folder holding config.json, tokenizer.json and onnx/model.onnx of a cross-encoder' });
    }
    assertCrossEncoderConfig(readConfig(path.join(dir, 'config.json'), spec), `reranker folder ${dir}`);
    return new CrossEncoderReranker(`local:${path.basename(dir)}`, { kind: 'local', dir }, options);
  }
  const aliases = Object.keys(CROSS_ENCODER_ALIASES).join(', ');
  throw new RagError('model-unknown', `unknown reranker ${JSON.stringify(spec)}`, {
    hint: `use ${aliases}, hf:ORG/NAME, a ./folder, or api:MODEL (openReranker) with a base URL`,
    details: { advice: 'reranker-unknown', spec, aliases },
  });
}

function readConfig(file: string, spec: string): Record<string, unknown> {
  if (!existsSync(file)) throw new RagError('model-invalid', `reranker ${spec} has no config.json (${file})`, { hint: 'export the cross-encoder with `optimum-cli export onnx --task text-classification`' });
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RagError('model-invalid', `reranker ${spec}: ${file} is not a JSON object`);
}

/**
 * A cross-encoder is a *ForSequenceClassification model with one label: an embedding model
 * (BertModel) would load, and then score nonsense.
 */
function assertCrossEncoderConfig(config: Record<string, unknown>, what: string): void {
  const architectures = Array.isArray(config['architectures']) ? (config['architectures'] as unknown[]).map(String) : [];
  if (!architectures.some((a) => a.endsWith('ForSequenceClassification'))) {
    throw new RagError('model-invalid', `${what} is not a cross-encoder: config.json architectures are ${JSON.stringify(architectures)}, not a *ForSequenceClassification model`, {
      hint: 'rerankers are sequence-classification models with one label (e.g. BAAI/bge-reranker-base); an embedding model is opened as the model, not as a reranker',
      details: { advice: 'reranker-not-cross-encoder' },
    });
  }
  const labels = config['id2label'];
  const count = typeof labels === 'object' && labels !== null ? Object.keys(labels).length : 1;
  if (count !== 1) throw new RagError('model-invalid', `${what} has ${count} labels; a reranker has one relevance logit`);
}

/** A {@link Reranker} over a local sequence-classification model. Create with {@link openCrossEncoder}. */
export class CrossEncoderReranker implements Reranker {
  readonly id: string;
  readonly endpoint: string;
  readonly #source: Source;
  readonly #options: CrossEncoderOptions;
  readonly #batchSize: number;
  readonly #scale: RerankScoreScale;
  readonly #cacheDir: string;
  #loaded: Promise<Loaded> | undefined;
  #maxTokens: number | undefined;
  #revision: string | undefined;
  readonly #stats: RerankStats = { calls: 0, pairs: 0, truncated: 0 };

  constructor(id: string, source: Source, options: CrossEncoderOptions) {
    this.id = id;
    this.#source = source;
    this.#options = options;
    this.#batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) throw new RagError('usage', `rerank batch size must be a positive integer, not ${this.#batchSize}`);
    if (options.maxTokens !== undefined && (!Number.isInteger(options.maxTokens) || options.maxTokens < 4)) throw new RagError('usage', `reranker max tokens must be an integer of at least 4, not ${options.maxTokens}`);
    this.#scale = options.scores ?? 'logit';
    this.#cacheDir = options.cacheDir ?? defaultModelCacheDir();
    this.endpoint = source.kind === 'local' ? `local ${source.dir}` : `transformers.js ${source.repo}`;
  }

  /**
   * Model, revision (a content hash for folders), dtype, length and score scale: what the
   * scores depend on. Known before loading, so a fully cached run never loads the model.
   */
  get fingerprint(): string {
    const where = this.#source.kind === 'local' ? `local:${this.#localRevision()}` : `${this.#source.repo}@${this.#source.revision}`;
    return `xenc:${where}:${this.#options.dtype ?? 'fp32'}:${this.#options.maxTokens ?? 'auto'}:${this.#scale}`;
  }

  #localRevision(): string {
    if (this.#revision !== undefined) return this.#revision;
    // Synchronous, as the getter is: hashes the same files embed/transformers-files.ts's localRevision does.
    const dir = (this.#source as { dir: string }).dir;
    const hash = createHash('sha256');
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      const p = path.join(dir, file);
      if (existsSync(p)) hash.update(file).update(readFileSync(p));
    }
    const model = path.join(dir, 'onnx', `model${DTYPE_SUFFIX[this.#options.dtype ?? 'fp32']}.onnx`);
    hash.update(`onnx:${existsSync(model) ? statSync(model).size : 0}`);
    this.#revision = hash.digest('hex').slice(0, 16);
    return this.#revision;
  }

  stats(): RerankStats {
    return { ...this.#stats };
  }

  /** Loads tokenizer and ONNX session (rerank does this itself). Concurrent calls share one load. */
  async load(): Promise<void> {
    this.#loaded ??= this.#load().catch((error: unknown) => {
      this.#loaded = undefined;
      throw error;
    });
    await this.#loaded;
  }

  async rerank(query: string, documents: readonly string[], options: RerankOptions = {}): Promise<number[]> {
    if (documents.length === 0) return [];
    await this.load();
    const { tokenizer, model } = await this.#loaded!;
    const maxTokens = this.#maxTokens!;
    const { Tensor } = await import('@huggingface/transformers');
    this.#stats.calls += 1;
    const scores: number[] = [];
    for (let start = 0; start < documents.length; start += this.#batchSize) {
      options.signal?.throwIfAborted();
      const batch = documents.slice(start, start + this.#batchSize);
      const pairs = batch.map((document) => this.#fit(tokenizer, query, document, maxTokens));
      const inputs = tokenizer(batch.map(() => query), { text_pair: pairs, padding: true, truncation: true, max_length: maxTokens });
      const feed: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(inputs)) if (value instanceof Tensor) feed[name] = value;
      const { logits } = await model(feed);
      if (!logits || logits.dims.length !== 2 || logits.dims[0] !== batch.length || logits.dims[1] !== 1) {
        throw new RagError('model-invalid', `reranker ${this.id} returned no logits [${batch.length}, 1] output (got ${JSON.stringify(logits?.dims)}); it is not a one-label cross-encoder export`);
      }
      for (let i = 0; i < batch.length; i++) {
        const raw = Number(logits.data[i]);
        scores.push(this.#scale === 'sigmoid' ? 1 / (1 + Math.exp(-raw)) : raw);
      }
      this.#stats.pairs += batch.length;
    }
    return scores;
  }

  /**
   * The passage cut so that the pair fits `maxTokens` with its special tokens, counted in the
   * stats. transformers.js would cut the encoded pair's tail, dropping the closing [SEP] the
   * model was trained with; cross-encoders are trained with the passage truncated instead.
   */
  #fit(tokenizer: Tokenizer, query: string, document: string, maxTokens: number): string {
    const total = tokenizer.encode(query, { text_pair: document }).length;
    if (total <= maxTokens) return document;
    this.#stats.truncated += 1;
    const ids = tokenizer.encode(document, { add_special_tokens: false });
    const keep = Math.max(0, ids.length - (total - maxTokens));
    // A long query still leaves the tokenizer's own truncation (of the pair's tail) as the last resort.
    return tokenizer.decode(ids.slice(0, keep), { skip_special_tokens: true });
  }

  async dispose(): Promise<void> {
    const loaded = await this.#loaded?.catch(() => undefined);
    this.#loaded = undefined;
    await loaded?.model.dispose();
  }

  async #load(): Promise<Loaded> {
    const { assertTransformersInstalled, importTransformers, serialized } = await import('../embed/transformers-peer.js');
    assertTransformersInstalled();
    const dtype = this.#options.dtype ?? 'fp32';
    const modelFile = `model${DTYPE_SUFFIX[dtype]}.onnx`;
    const host = (this.#options.hubUrl ?? hubEndpoint()).replace(/\/+$/, '');
    const offline = this.#options.offline ?? /^(1|true|yes)$/i.test(process.env['RAG_OFFLINE'] ?? '');
    const source = this.#source;
    let location: string;
    let allowRemote = false;
    let configFile: string;
    if (source.kind === 'local') {
      location = source.dir;
      const missing = ['config.json', 'tokenizer.json', `onnx/${modelFile}`].filter((f) => !existsSync(path.join(source.dir, f)));
      if (missing.length > 0) {
        throw new RagError('model-invalid', `reranker folder ${source.dir} lacks ${missing.join(', ')}; it needs config.json, tokenizer.json and onnx/${modelFile} (export one with \`optimum-cli export onnx --task text-classification\`)`);
      }
      configFile = path.join(source.dir, 'config.json');
    } else {
      location = source.repo;
      const needed = ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/${modelFile}`];
      if (!isCached(this.#cacheDir, source.repo, source.revision, needed)) {
        if (offline) {
          throw new RagError('model-unavailable', `reranker ${source.repo} is not in the model cache (${this.#cacheDir}) and offline mode (the offline option or RAG_OFFLINE=1) forbids downloading`, {
            hint: 'run once online to download it, or use a local reranker folder',
            details: { advice: 'reranker-offline-missing', repo: source.repo, cacheDir: this.#cacheDir },
          });
        }
        await probeHub(source.repo, source.revision, host, this.#options.hubTimeoutMs ?? DEFAULT_HUB_TIMEOUT_MS, 'reranker');
        allowRemote = true;
      }
      configFile = cachedFilePath(this.#cacheDir, source.repo, source.revision, 'config.json');
    }
    const transformers = await importTransformers();
    const loaded = await serialized(async () => {
      const { env, AutoTokenizer, AutoModelForSequenceClassification } = transformers;
      env.cacheDir = this.#cacheDir;
      env.useFSCache = true;
      env.allowLocalModels = true;
      env.localModelPath = this.#cacheDir;
      env.allowRemoteModels = allowRemote;
      env.remoteHost = `${host}/`;
      const common = { revision: source.kind === 'hub' ? source.revision : 'main', cache_dir: this.#cacheDir, local_files_only: !allowRemote };
      try {
        const tokenizer = (await AutoTokenizer.from_pretrained(location, common)) as unknown as Tokenizer;
        const model = (await AutoModelForSequenceClassification.from_pretrained(location, {
          ...common,
          dtype,
          subfolder: 'onnx',
          device: 'cpu',
          session_options: { intraOpNumThreads: this.#options.threads ?? os.availableParallelism(), interOpNumThreads: 1, logSeverityLevel: 3 },
        })) as unknown as Model;
        return { tokenizer, model };
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
        if (source.kind === 'hub' && /fetch failed|Could not locate file|Unauthorized|Error \(\d+\)|ECONN|ENOTFOUND|ETIMEDOUT/.test(message)) {
          throw hubFailureError(location, host, message, 'reranker', error);
        }
        throw new RagError('model-invalid', `cannot load reranker ${this.id} from ${location}: ${message}`, { cause: error });
      }
    });
    const config = readConfig(configFile, this.id);
    assertCrossEncoderConfig(config, `reranker ${this.id}`);
    const limits = [this.#options.maxTokens, positiveInt(loaded.tokenizer.model_max_length), positiveInt(config['max_position_embeddings'])].filter((n): n is number => n !== undefined);
    // XLM-R configs count two offset positions in max_position_embeddings (514 for 512 tokens).
    this.#maxTokens = Math.min(512, ...limits);
    if (this.#options.maxTokens !== undefined) this.#maxTokens = Math.min(this.#options.maxTokens, ...limits);
    return loaded;
  }
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1e7 ? value : undefined;
}
