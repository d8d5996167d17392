/**
 * The model providers `--model` can name, one entry each: which specs it takes, how it opens
 * them, and how it opens again the model an index recorded (the round trip of its options
 * through the stored {@link ModelInfo}). The registry (registry.ts) walks this table; nothing
 * else knows a provider's options.
 *
 * Cheap to import: each provider's code loads only when a spec of its own is opened.
 */
import { existsSync } from 'node:fs';
import { RagError } from '../errors.js';
import type { ModelInfo, ProviderName } from '../model/model-info.js';
import { findModel } from './aliases.js';
import { isScriptFold } from '../text/script-fold.js';
import type { Embedder, ResolveOptions } from './types.js';

/** What opens a model the way an index recorded it: the `--model` value and the options it was built with. */
export interface ReopenSpec {
  spec: string;
  options: ResolveOptions;
}

export interface ModelProvider {
  readonly name: ProviderName;
  /** Whether `spec` (trimmed) is this provider's to open. */
  claims(spec: string): boolean;
  /** The model id `spec` opens as, when it is known without loading the model; else undefined. */
  idOf(spec: string): string | undefined;
  open(spec: string, options: ResolveOptions): Promise<Embedder>;
  /**
   * How to open again the model `info` describes (what an index's manifest holds). Throws a
   * RagError when the manifest is not enough: the caller must then name the model itself.
   */
  reopen(info: ModelInfo, location: string): ReopenSpec;
}

/** The built-in offline model. */
const builtin: ModelProvider = {
  name: 'builtin',
  claims: (spec) => spec.toLowerCase() === 'hash',
  idOf: () => 'hash',
  async open(_spec, options) {
    const { HashEmbedder } = await import('./hash.js');
    return new HashEmbedder(options.scriptFold === undefined ? {} : { scriptFold: options.scriptFold });
  },
  // An index built before script folding existed has no `scriptFold` param: it was built with none.
  reopen: (info) => {
    const fold = info.params?.['scriptFold'];
    return { spec: 'hash', options: { scriptFold: isScriptFold(fold) ? fold : 'none' } };
  },
};

function scheme(spec: string): string {
  const colon = spec.indexOf(':');
  return colon > 0 ? spec.slice(0, colon).toLowerCase() : '';
}

function afterScheme(spec: string): string {
  return spec.slice(spec.indexOf(':') + 1);
}

const openai: ModelProvider = {
  name: 'openai',
  claims: (spec) => scheme(spec) === 'openai',
  idOf: (spec) => spec,
  async open(spec, options) {
    const { createOpenAIEmbedder } = await import('./openai.js');
    return createOpenAIEmbedder(afterScheme(spec), {
      id: spec,
      baseUrl: options.baseUrl,
      dimensions: options.dimensions,
      queryPrefix: options.queryPrefix,
      passagePrefix: options.passagePrefix,
      maxTokens: options.maxTokens,
    });
  },
  reopen: (info) => ({ spec: info.id, options: withPrefixes(info, numberParam(info, 'dimensions', {})) }),
};

const ollama: ModelProvider = {
  name: 'ollama',
  claims: (spec) => scheme(spec) === 'ollama',
  idOf: (spec) => spec,
  async open(spec, options) {
    const { createOllamaEmbedder } = await import('./ollama.js');
    return createOllamaEmbedder(afterScheme(spec), {
      id: spec,
      host: options.baseUrl,
      queryPrefix: options.queryPrefix,
      passagePrefix: options.passagePrefix,
      maxTokens: options.maxTokens,
    });
  },
  reopen: (info) => ({ spec: info.id, options: withPrefixes(info, {}) }),
};

/** Local ONNX models through transformers.js: registry aliases, `hf:ORG/NAME` and model folders. */
const transformers: ModelProvider = {
  name: 'transformers',
  claims: () => true,
  idOf: (spec) => {
    if (scheme(spec) === 'hf') return spec;
    if (isPathSpec(spec)) return undefined;
    return findModel(spec)?.alias;
  },
  async open(spec, options) {
    const { openTransformersSpec } = await import('./transformers-specs.js');
    return openTransformersSpec(spec, options);
  },
  reopen(info, location) {
    const options: ResolveOptions = withPrefixes(info, numberParam(info, 'dimensions', {}));
    const dtype = info.params?.['dtype'];
    if (dtype === 'fp32' || dtype === 'fp16' || dtype === 'q8' || dtype === 'q4') options.dtype = dtype;
    if (info.pooling !== undefined) options.pooling = info.pooling;
    if (info.id.startsWith('local:')) {
      // Indexes written before the folder's path was stored know only its name.
      if (info.path === undefined) {
        throw new RagError('model-invalid', `index ${location} was built with the local model folder "${info.name}"`, {
          hint: 'open it with the path to that folder as the model',
          details: { advice: 'local-model-unplaced', location, name: info.name },
        });
      }
      if (!existsSync(info.path)) {
        throw new RagError('model-invalid', `index ${location} was built with the local model folder ${info.path}, which is no longer there (moved or deleted)`, {
          hint: 'give its new path as the model',
          details: { advice: 'local-model-moved', location, path: info.path },
        });
      }
      return { spec: info.path, options };
    }
    return { spec: info.id, options };
  },
};

/** LangChain `Embeddings` objects: code, so they are passed in, never named by a spec. */
const langchain: ModelProvider = {
  name: 'langchain',
  claims: () => false,
  idOf: () => undefined,
  open: () => Promise.reject(new Error('LangChain models are passed as objects, not opened from a spec')),
  reopen(info, location) {
    throw new RagError('model-invalid', `index ${location} was built with the LangChain model ${info.id}; pass the same Embeddings object as the model`);
  },
};

/** In the order specs are tried: the transformers provider takes whatever is left (aliases). */
export const PROVIDERS: readonly ModelProvider[] = [builtin, openai, ollama, transformers, langchain];

export function providerFor(spec: string): ModelProvider | undefined {
  return PROVIDERS.find((p) => p.claims(spec));
}

export function providerNamed(name: ProviderName): ModelProvider {
  const provider = PROVIDERS.find((p) => p.name === name);
  if (provider === undefined) throw new Error(`no model provider named ${name}`);
  return provider;
}

/** `./x`, `../x`, `/x`, `~/x`, `.` and Windows drive paths: a model folder, not an alias. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec.startsWith('~/') || spec === '.' || /^[A-Za-z]:[\\/]/.test(spec);
}

function withPrefixes(info: ModelInfo, options: ResolveOptions): ResolveOptions {
  if (info.queryPrefix !== undefined) options.queryPrefix = info.queryPrefix;
  if (info.passagePrefix !== undefined) options.passagePrefix = info.passagePrefix;
  return options;
}

function numberParam(info: ModelInfo, key: 'dimensions', options: ResolveOptions): ResolveOptions {
  const value = info.params?.[key];
  if (typeof value === 'number') options[key] = value;
  return options;
}
