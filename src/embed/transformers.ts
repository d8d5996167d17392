/**
 * Local ONNX embedding models through transformers.js: its tokenizer and ONNX session, with
 * pooling, normalisation, prefixes, truncation and batching done here so each model gets
 * exactly what its card asks for.
 *
 * `@huggingface/transformers` (and onnxruntime behind it) is imported only when a model is
 * loaded: it takes a noticeable fraction of a second to import, and `rag --help` must not pay.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RagError } from '../errors.js';
import { batchLimitsForWidth, padBatch, planBatches, type BatchLimits } from './batching.js';
import { fingerprintOf } from '../model/fingerprint.js';
import { poolTokenStates, truncateAndNormalize } from './pooling.js';
import { chooseEncoder, type ChosenEncoder } from './token-encoder.js';
import { encodeText, type TokenEncoder } from './transformers-inputs.js';
import type { FastBertTokenizer } from './wordpiece.js';
import {
  DEFAULT_HUB_TIMEOUT_MS,
  defaultModelCacheDir,
  cachedFilePath,
  hubEndpoint,
  hubFailureError,
  isCached,
  offlineMissingError,
  probeHub,
} from './transformers-hub.js';
import type { EmbedBatchResult, Embedder, EmbedOptions } from './types.js';
import type { ModelInfo, Pooling } from '../model/model-info.js';
import { assertTransformersInstalled, importTransformers, serialized } from './transformers-peer.js';
import { fastTokenizerFor, localRevision, readJsonObject } from './transformers-files.js';

/** ONNX weight variants a repo may ship (`onnx/model.onnx`, `model_fp16`, `model_quantized`, `model_q4`). */
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4';

const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

/** Where the model files are. */
export type ModelSource = { kind: 'hub'; repo: string; revision?: string } | { kind: 'local'; dir: string };

/** What to load and how to use it; the registry fills this from its table or from the folder. */
export interface TransformersModelSpec {
  /** `info.id`: the alias, `hf:ORG/NAME`, or `local:<folder name>`. */
  id: string;
  source: ModelSource;
  pooling: Pooling;
  queryPrefix?: string;
  passagePrefix?: string;
  /** Longest input in tokens, special tokens included. Default: the model's own limit. */
  maxTokens?: number;
  /** Keep only the first n components (Matryoshka models), then renormalise. */
  dimensions?: number;
  languages?: string[];
  /** Default 'fp32' (the default on Node CPU; q8 is ~4× smaller and faster, slightly less exact). */
  dtype?: Dtype;
  /** Default 'right'; last-token pooling forces 'left', as decoder embedders are trained. */
  paddingSide?: 'left' | 'right';
}

export interface TransformersLoadOptions {
  /** Never touch the network; a model missing from the cache is an error. */
  offline?: boolean;
  /** Where hub models are cached. Default {@link defaultModelCacheDir}. */
  cacheDir?: string;
  /** Hub base URL. Default `$HF_ENDPOINT`, else https://huggingface.co. */
  hubUrl?: string;
  /** How long the hub may take to answer the first request. Default 10 s. */
  hubTimeoutMs?: number;
  /** ONNX intra-op threads. Default: all cores (`os.availableParallelism()`). */
  threads?: number;
  /**
   * Let idle ONNX threads spin between operators instead of sleeping. Default false: on a
   * machine shared with other work, spinning threads burn CPU that the busy ones need.
   */
  spinning?: boolean;
  batchLimits?: BatchLimits;
  /**
   * Return before importing transformers.js and creating the tokenizer and ONNX session, when
   * the model's files are already on disk: they load on first use, or on
   * {@link TransformersEmbedder.load}. A re-run that finds nothing to embed then never pays for
   * them. Default false (loaded before this returns, so a broken model fails here).
   */
  deferLoad?: boolean;
}

/** The parts of a transformers.js tokenizer and model this module calls. */
interface LoadedTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  pad_token_id?: number;
  eos_token_id?: number;
  model_max_length?: unknown;
}
interface OutputTensor {
  type: string;
  dims: number[];
  data: ArrayLike<number>;
  to(type: string): OutputTensor;
}
type LoadedModel = ((inputs: Record<string, unknown>) => Promise<Record<string, OutputTensor | undefined>>) & {
  dispose(): Promise<unknown>;
};

/**
 * Loads tokenizer and ONNX model and returns a ready embedder. Hub models come from the cache
 * when complete there (no network at all); otherwise the hub is probed once with a deadline
 * so an unreachable hub fails in seconds with one line naming HF_ENDPOINT and --model.
 */
export async function loadTransformersEmbedder(spec: TransformersModelSpec, options: TransformersLoadOptions = {}): Promise<TransformersEmbedder> {
  // Before any download or cache check: a missing optional package is what the user must fix first.
  assertTransformersInstalled();
  const dtype = spec.dtype ?? 'fp32';
  const modelFile = `model${DTYPE_SUFFIX[dtype]}.onnx`;
  const cacheDir = options.cacheDir ?? defaultModelCacheDir();
  const host = (options.hubUrl ?? hubEndpoint()).replace(/\/+$/, '');

  let location: string;
  let subfolder = 'onnx';
  let revision: string;
  let allowRemote = false;
  if (spec.source.kind === 'local') {
    const dir = path.resolve(spec.source.dir);
    location = dir;
    if (!existsSync(path.join(dir, 'onnx', modelFile)) && existsSync(path.join(dir, modelFile))) subfolder = '';
    const missing = ['config.json', 'tokenizer.json', subfolder ? `${subfolder}/${modelFile}` : modelFile].filter(
      (f) => !existsSync(path.join(dir, f)),
    );
    if (missing.length > 0) {
      const lacks = missing.join(', ');
      throw new RagError('model-unavailable', 
        `model folder ${dir} lacks ${lacks}; it needs config.json, tokenizer.json and onnx/${modelFile}` +
          (dtype === 'fp32' ? '' : ` (dtype ${dtype})`) +
          ' (export one with `optimum-cli export onnx`)',
        { details: { advice: dtype === 'fp32' ? 'model-folder-incomplete' : 'model-folder-incomplete-dtype', dir, lacks, modelFile, dtype } },
      );
    }
    revision = await localRevision(dir, path.join(dir, subfolder, modelFile));
  } else {
    const { repo } = spec.source;
    revision = spec.source.revision ?? 'main';
    location = repo;
    const needed = ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/${modelFile}`];
    if (!isCached(cacheDir, repo, revision, needed)) {
      if (options.offline) throw offlineMissingError(repo, cacheDir);
      await probeHub(repo, revision, host, options.hubTimeoutMs ?? DEFAULT_HUB_TIMEOUT_MS);
      allowRemote = true;
    }
  }

  const fileOf = (file: string): string =>
    spec.source.kind === 'local' ? path.join(location, file) : cachedFilePath(cacheDir, location, revision, file);
  const loadOnDisk = async (): Promise<LoadedParts> => {
    const transformers = await importTransformers();
    return serialized(async () => {
      const { env, AutoTokenizer, AutoModel, AutoConfig } = transformers;
      env.cacheDir = cacheDir;
      env.useFSCache = true;
      env.allowLocalModels = true;
      // Hub ids also resolve against the cache folder, so nothing is looked up inside node_modules.
      env.localModelPath = cacheDir;
      env.allowRemoteModels = allowRemote;
      env.remoteHost = `${host}/`;
      const common = { revision: spec.source.kind === 'hub' ? revision : 'main', cache_dir: cacheDir, local_files_only: !allowRemote };
      try {
        const config = (await AutoConfig.from_pretrained(location, common)) as unknown as Record<string, unknown>;
        const tokenizer = (await AutoTokenizer.from_pretrained(location, common)) as unknown as LoadedTokenizer;
        const model = (await AutoModel.from_pretrained(location, {
          ...common,
          dtype,
          subfolder,
          device: 'cpu',
          session_options: {
            intraOpNumThreads: options.threads ?? os.availableParallelism(),
            interOpNumThreads: 1,
            logSeverityLevel: 3,
            extra: { session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } } },
          },
        })) as unknown as LoadedModel;
        return { config, tokenizer, model, fast: await fastTokenizerFor(fileOf) };
      } catch (error) {
        if (error instanceof RagError) throw error;
        throw loadFailure(spec, location, host, cacheDir, allowRemote, error);
      }
    });
  };

  const parts = { spec, dtype, revision, batchLimits: options.batchLimits, load: loadOnDisk };
  if (options.deferLoad === true && !allowRemote) {
    const config = await readJsonObject(fileOf('config.json'), spec.id);
    const tokenizerConfig = existsSync(fileOf('tokenizer_config.json')) ? await readJsonObject(fileOf('tokenizer_config.json'), spec.id) : {};
    return new TransformersEmbedder({ ...parts, config, modelMaxLength: tokenizerConfig.model_max_length });
  }
  const loaded = await loadOnDisk();
  return new TransformersEmbedder({ ...parts, config: loaded.config, modelMaxLength: loaded.tokenizer.model_max_length, loaded });
}

/** The widest activation of a layer per token: the FFN width where config.json names it. */
function widestLayer(config: Record<string, unknown>): number | undefined {
  const widths = [config.intermediate_size, config.hidden_size, config.d_model].map(positiveInt).filter((n): n is number => n !== undefined);
  return widths.length > 0 ? Math.max(...widths) : undefined;
}

function loadFailure(spec: TransformersModelSpec, location: string, host: string, cacheDir: string, allowRemote: boolean, error: unknown): RagError {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  if (spec.source.kind === 'hub') {
    if (!allowRemote && /not found locally|local_files_only|allowRemoteModels/.test(message)) {
      return offlineMissingError(location, cacheDir, error);
    }
    if (/fetch failed|Could not locate file|Unauthorized|Error \(\d+\)|ECONN|ENOTFOUND|ETIMEDOUT/.test(message)) {
      return hubFailureError(location, host, firstLine, 'model', error);
    }
  }
  return new RagError('model-invalid', `cannot load model ${spec.id} from ${location}: ${firstLine}`, { cause: error });
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1e7 ? value : undefined;
}

/** What transformers.js loaded: the config it read, the tokenizer and the ONNX session. */
interface LoadedParts {
  config: Record<string, unknown>;
  tokenizer: LoadedTokenizer;
  model: LoadedModel;
  /** rag's tokenizer for the same files, when it reproduces them. */
  fast?: FastBertTokenizer | undefined;
}

interface EmbedderParts {
  spec: TransformersModelSpec;
  dtype: Dtype;
  revision: string;
  /** config.json, as read from disk or by transformers.js. */
  config: Record<string, unknown>;
  /** The tokenizer's `model_max_length` (from tokenizer_config.json). */
  modelMaxLength: unknown;
  batchLimits: BatchLimits | undefined;
  load: () => Promise<LoadedParts>;
  /** Present when the model was loaded before construction. */
  loaded?: LoadedParts;
}

/** The tokenizer and session in use, with what is read off the tokenizer once. */
interface Ready {
  /** What inputs and token counts are encoded with (see token-encoder.ts). */
  encoder: TokenEncoder;
  encoderKind: ChosenEncoder['kind'];
  model: LoadedModel;
  eosId: number | undefined;
  padId: number;
}

/** Most token counts {@link TransformersEmbedder.countTokens} remembers (about a 100k-chunk corpus). */
const TOKEN_COUNT_MEMO = 100_000;

/**
 * An {@link Embedder} over a transformers.js model. Create with {@link loadTransformersEmbedder}.
 * Its `info` and `fingerprint` come from the model's config files, so with `deferLoad` the
 * tokenizer and ONNX session load only when something needs them.
 */
export class TransformersEmbedder implements Embedder {
  readonly info: ModelInfo;
  readonly fingerprint: string;
  /** Running a local model costs far more than reading its vectors back. */
  readonly cacheable = true;
  readonly #spec: TransformersModelSpec;
  readonly #load: () => Promise<LoadedParts>;
  #ready: Ready | undefined;
  #loading: Promise<Ready> | undefined;
  readonly #maxTokens: number;
  readonly #hidden: number;
  readonly #paddingSide: 'left' | 'right';
  readonly #pooling: Pooling;
  readonly #dimensions: number | undefined;
  readonly #batchLimits: BatchLimits;

  /** How inputs are grouped into batches (from the model's layer widths unless set at load). */
  get batchLimits(): BatchLimits {
    return { ...this.#batchLimits };
  }
  /** Whether the tokenizer and ONNX session are loaded. */
  get loaded(): boolean {
    return this.#ready !== undefined;
  }
  readonly #tokenCounts = new Map<string, number>();

  constructor(parts: EmbedderParts) {
    const { spec, config } = parts;
    this.#spec = spec;
    this.#load = parts.load;
    this.#pooling = spec.pooling;
    this.#batchLimits = parts.batchLimits ?? batchLimitsForWidth(widestLayer(config));
    this.#paddingSide = spec.pooling === 'last_token' ? 'left' : (spec.paddingSide ?? 'right');

    const limits = [positiveInt(parts.modelMaxLength), positiveInt(config.max_position_embeddings)].filter(
      (n): n is number => n !== undefined,
    );
    this.#maxTokens = spec.maxTokens ?? (limits.length > 0 ? Math.min(...limits) : 512);
    const hidden = positiveInt(config.hidden_size) ?? positiveInt(config.d_model);
    if (hidden === undefined) throw new RagError('model-invalid', `model ${spec.id}: config.json has no hidden_size, cannot tell the vector dimension`);
    this.#hidden = hidden;
    if (spec.dimensions !== undefined && (!Number.isInteger(spec.dimensions) || spec.dimensions < 1 || spec.dimensions > hidden)) {
      throw new RagError('usage', `model ${spec.id}: dimensions must be an integer from 1 to ${hidden}, got ${spec.dimensions}`, {
        details: { advice: 'model-dimensions-range', model: spec.id, hidden, dimensions: spec.dimensions },
      });
    }
    this.#dimensions = spec.dimensions;

    const name = spec.source.kind === 'hub' ? spec.source.repo : path.basename(path.resolve(spec.source.dir));
    const params: Record<string, string | number | boolean> = { dtype: parts.dtype };
    if (spec.dimensions !== undefined) params.dimensions = spec.dimensions;
    if (this.#paddingSide === 'left') params.paddingSide = 'left';
    this.info = {
      id: spec.id,
      provider: 'transformers',
      name,
      revision: parts.revision,
      dimension: spec.dimensions ?? hidden,
      pooling: spec.pooling,
      queryPrefix: spec.queryPrefix || undefined,
      passagePrefix: spec.passagePrefix || undefined,
      normalize: true,
      maxTokens: this.#maxTokens,
      languages: spec.languages,
      params,
      ...(spec.source.kind === 'local' ? { path: path.resolve(spec.source.dir) } : {}),
    };
    this.fingerprint = fingerprintOf(this.info);
    if (parts.loaded) this.#ready = this.#readyFrom(parts.loaded);
  }

  /**
   * Loads the tokenizer and ONNX session if they are not loaded yet (embedding does this by
   * itself; {@link countTokens} needs it done first). Concurrent calls share one load.
   */
  async load(): Promise<void> {
    if (this.#ready) return;
    this.#loading ??= this.#load().then(
      (parts) => (this.#ready = this.#readyFrom(parts)),
      (error: unknown) => {
        this.#loading = undefined; // a later call may try again (e.g. after a download failed)
        throw error;
      },
    );
    await this.#loading;
  }

  #readyFrom(parts: LoadedParts): Ready {
    const hidden = positiveInt(parts.config.hidden_size) ?? positiveInt(parts.config.d_model);
    // Only possible when the folder changed between opening and loading: the index would mix spaces.
    if (hidden !== this.#hidden) throw new RagError('model-invalid', `model ${this.#spec.id} changed on disk while in use (hidden size ${this.#hidden}, now ${String(hidden)}); run the command again`);
    const { tokenizer } = parts;
    const chosen = chooseEncoder(tokenizer, parts.fast);
    return {
      encoder: chosen.encoder,
      encoderKind: chosen.kind,
      model: parts.model,
      eosId: this.#pooling === 'last_token' ? tokenizer.eos_token_id : undefined,
      padId: tokenizer.pad_token_id ?? tokenizer.eos_token_id ?? 0,
    };
  }

  #encoder(): TokenEncoder {
    if (!this.#ready) throw new Error(`model ${this.info.id} is not loaded yet: await load() before countTokens()`);
    return this.#ready.encoder;
  }

  /**
   * Which tokenizer encodes this model's texts once loaded: rag's WordPiece (same ids as
   * transformers.js, several times faster) or transformers.js's own.
   */
  get tokenizer(): ChosenEncoder['kind'] | undefined {
    return this.#ready?.encoderKind;
  }

  /** Model tokens in `text`, special tokens ([CLS], [SEP], EOS) and prefixes not counted. */
  countTokens(text: string): number {
    // The chunker measures every finished chunk whole, and the embedding cache counts the same
    // texts again to report truncation on hits: remembering recent counts saves that second
    // tokenization (a third of a warm evaluation's CPU with a small model).
    const known = this.#tokenCounts.get(text);
    if (known !== undefined) return known;
    const count = this.#encoder().encode(text, { add_special_tokens: false }).length;
    if (this.#tokenCounts.size >= TOKEN_COUNT_MEMO) this.#tokenCounts.clear();
    this.#tokenCounts.set(text, count);
    return count;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const { vectors } = await this.#embed([(this.info.queryPrefix ?? '') + text], {});
    return vectors[0]!;
  }

  async embedDocuments(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedBatchResult> {
    const prefix = this.info.passagePrefix ?? '';
    return this.#embed(
      texts.map((t) => prefix + t),
      options,
    );
  }

  async dispose(): Promise<void> {
    const ready = this.#ready ?? (await this.#loading?.catch(() => undefined));
    this.#ready = undefined;
    this.#loading = undefined;
    await ready?.model.dispose();
  }

  async #embed(texts: readonly string[], options: EmbedOptions): Promise<EmbedBatchResult> {
    await this.load();
    const ready = this.#ready!;
    const encoded = texts.map((t) => encodeText(ready.encoder, t, { maxTokens: this.#maxTokens, eosId: ready.eosId }));
    const truncated = encoded.filter((e) => e.truncated).length;
    const vectors: Float32Array[] = new Array<Float32Array>(texts.length);
    const batches = planBatches(
      encoded.map((e) => e.ids.length),
      this.#batchLimits,
    );
    let done = 0;
    for (const batch of batches) {
      options.signal?.throwIfAborted();
      const pooled = await this.#runBatch(ready, batch.map((i) => encoded[i]!.ids));
      batch.forEach((inputIndex, row) => {
        vectors[inputIndex] = truncateAndNormalize(pooled[row]!, this.#dimensions, true);
      });
      done += batch.length;
      options.onProgress?.({ done, total: texts.length });
    }
    return { vectors, truncated };
  }

  /** Runs one padded batch and pools it; rows come back in the order given. */
  async #runBatch(ready: Ready, rows: number[][]): Promise<Float32Array[]> {
    const { Tensor } = await importTransformers();
    const padded = padBatch(rows, ready.padId, this.#paddingSide);
    const dims = [padded.rows, padded.seq];
    const output = await ready.model({
      input_ids: new Tensor('int64', padded.inputIds, dims),
      attention_mask: new Tensor('int64', padded.attentionMask, dims),
    });
    let states = output.last_hidden_state ?? output.token_embeddings;
    if (!states || states.dims.length !== 3) {
      throw new RagError('model-invalid', `model ${this.info.id} returned no last_hidden_state [batch, seq, hidden] output; it is not a feature-extraction export`);
    }
    if (states.type !== 'float32') states = states.to('float32');
    const [batch, seq, hidden] = states.dims as [number, number, number];
    return poolTokenStates({ data: states.data as Float32Array, batch, seq, hidden }, padded.attentionMask, this.#pooling);
  }
}
