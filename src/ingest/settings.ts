import { EmbeddingCache, withCache } from '../embed/cache.js';
import { findModel, resolveModel } from '../embed/registry.js';
import type { ResolveOptions } from '../embed/registry.js';
import type { Embedder, ModelInfo } from '../embed/types.js';
import { RagError } from '../errors.js';
import type { IndexInfo } from '../store/reader.js';
import { DEFAULT_CHUNKING } from './chunk.js';
import type { ChunkingOptions } from './types.js';

export const DEFAULT_INDEX_DIR = '.rag';
export const DEFAULT_MODEL = 'hash';

/** The part of an existing index (either store) that decides the model and chunking. */
export interface ExistingIndex {
  readonly location: string;
  readonly manifest: IndexInfo;
}

/** A model spec (`hash`, `bge-small-zh`, `hf:ORG/NAME`, `./folder`, `openai:NAME`, `ollama:NAME`) or a ready Embedder. */
export type ModelChoice = string | Embedder;

export interface ModelOpenOptions extends ResolveOptions {
  /** Wrap cacheable models with the on-disk embedding cache. */
  cache?: boolean;
}

/**
 * The embedder to use with an index: the one asked for, or the one the index was built with.
 * An index built with another model is rejected here, before any work, because its vectors
 * live in a different space and searching them would return silent garbage.
 */
export async function openModelFor(
  existing: ExistingIndex | undefined,
  choice: ModelChoice | undefined,
  options: ModelOpenOptions = {},
): Promise<Embedder> {
  const built = existing?.manifest;
  let embedder: Embedder;
  if (typeof choice === 'object') {
    embedder = choice;
  } else {
    const spec = choice ?? built?.model.id ?? DEFAULT_MODEL;
    if (choice === undefined && built) assertReloadable(existing.location, built.model);
    // A built-in or aliased model's id is known without loading it: reject a mismatch before a
    // download (or a network error) hides the real problem.
    const knownId = spec.trim().toLowerCase() === DEFAULT_MODEL ? DEFAULT_MODEL : findModel(spec.trim())?.alias;
    if (built && knownId !== undefined && knownId !== built.model.id) throw otherModelError(existing.location, built.model.id, knownId);
    // Reopen with the settings the index was built with (dtype, pooling ...) unless told otherwise.
    const defaults = built && built.model.id === spec ? resolveOptionsFrom(built.model) : {};
    embedder = await resolveModel(spec, { ...defaults, ...withoutUndefined(options) });
  }
  if (built && built.modelFingerprint !== embedder.fingerprint) {
    const dir = existing.location;
    throw new RagError(
      built.model.id === embedder.info.id
        ? `index ${dir} was built with ${built.model.id} under other settings (fingerprint ${built.modelFingerprint.slice(0, 12)}, now ${embedder.fingerprint.slice(0, 12)}); re-ingest into a new --index to use the new settings`
        : otherModelError(dir, built.model.id, embedder.info.id).message,
    );
  }
  if (options.cache && embedder.cacheable) {
    const cache = await EmbeddingCache.open(embedder.fingerprint, embedder.info.dimension, {
      ...(options.cacheDir === undefined ? {} : { dir: options.cacheDir }),
      modelId: embedder.info.id,
    });
    embedder = withCache(embedder, cache);
  }
  return embedder;
}

function otherModelError(dir: string, builtId: string, wantedId: string): RagError {
  return new RagError(`index ${dir} was built with model ${builtId}, not ${wantedId}; use --model ${builtId} or ingest into another --index`);
}

function resolveOptionsFrom(info: ModelInfo): ResolveOptions {
  const out: ResolveOptions = {};
  const params = info.params ?? {};
  if (typeof params.dtype === 'string') out.dtype = params.dtype as ResolveOptions['dtype'];
  if (typeof params.dimensions === 'number') out.dimensions = params.dimensions;
  if (typeof params.baseUrl === 'string') out.baseUrl = params.baseUrl;
  if (info.pooling) out.pooling = info.pooling;
  if (info.queryPrefix !== undefined) out.queryPrefix = info.queryPrefix;
  if (info.passagePrefix !== undefined) out.passagePrefix = info.passagePrefix;
  return out;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Chunking settings for this run. An existing index keeps its own: mixing chunk sizes in one
 * index would make its evaluation meaningless, so asking for different ones is an error.
 */
export function chunkingFor(
  existing: ExistingIndex | undefined,
  embedder: Embedder,
  asked: { chunkSize?: number; chunkOverlap?: number; chunkUnit?: ChunkingOptions['lengthUnit'] },
): ChunkingOptions {
  if (existing) {
    const stored = existing.manifest.chunking;
    const differs =
      (asked.chunkSize !== undefined && asked.chunkSize !== stored.chunkSize) ||
      (asked.chunkOverlap !== undefined && asked.chunkOverlap !== stored.chunkOverlap) ||
      (asked.chunkUnit !== undefined && asked.chunkUnit !== stored.lengthUnit);
    if (differs) {
      throw new RagError(
        `index ${existing.location} was built with --chunk-size ${stored.chunkSize} --chunk-overlap ${stored.chunkOverlap}` +
          (asked.chunkUnit !== undefined && asked.chunkUnit !== stored.lengthUnit ? ` --chunk-unit ${stored.lengthUnit}` : '') +
          '; use those or ingest into another --index',
      );
    }
    return stored;
  }
  // Characters can always be counted; tokens only with the model's tokenizer.
  const lengthUnit = embedder.countTokens ? (asked.chunkUnit ?? 'tokens') : 'characters';
  const defaults = DEFAULT_CHUNKING[lengthUnit];
  let chunkSize = asked.chunkSize ?? defaults.chunkSize;
  // Leave room for the passage prefix and special tokens inside the model's window.
  const max = embedder.info.maxTokens;
  if (asked.chunkSize === undefined && lengthUnit === 'tokens' && max !== undefined) {
    chunkSize = Math.min(chunkSize, Math.max(16, max - 16));
  }
  const chunkOverlap = asked.chunkOverlap ?? Math.min(defaults.chunkOverlap, Math.floor(chunkSize / 4));
  return { chunkSize, chunkOverlap, lengthUnit };
}

/**
 * Some models cannot be found again from the id in the manifest: a local folder is recorded by
 * its name only (so moving it keeps the fingerprint), and a LangChain object is code.
 */
function assertReloadable(dir: string, model: ModelInfo): void {
  if (model.id.startsWith('local:')) {
    throw new RagError(
      `index ${dir} was built with the local model folder "${model.name}"; pass --model with the path to that folder`,
    );
  }
  if (model.provider === 'langchain') {
    throw new RagError(`index ${dir} was built with the LangChain model ${model.id}; pass the same Embeddings object as the model`);
  }
}
