/**
 * The embedder to use with an index: the one asked for, or the one the index was built with,
 * opened as it was built (its provider reads the options back from the stored model info).
 */
import { assertCompatible, type IndexIdentity } from '../model/compatibility.js';
import { RagError } from '../errors.js';
import type { ModelInfo } from '../model/model-info.js';
import { EmbeddingCache } from './cache.js';
import { endpointForReopen } from './endpoint.js';
import { withCache } from './cached-embedder.js';
import { providerFor, providerNamed } from './providers.js';
import { DEFAULT_MODEL, resolveModel } from './registry.js';
import type { Embedder, ResolveOptions } from './types.js';

/** A model spec (`hash`, `bge-small-zh`, `hf:ORG/NAME`, `./folder`, `openai:NAME`, `ollama:NAME`) or a ready Embedder. */
export type ModelChoice = string | Embedder;

/** An existing index as far as choosing its model goes (either store's reader fits). */
export interface ExistingIndex {
  readonly location: string;
  readonly manifest: IndexIdentity;
}

export interface ModelOpenOptions extends ResolveOptions {
  /** Wrap cacheable models with the on-disk embedding cache. */
  cache?: boolean;
  /** Directory of the embedding cache (default: the user cache directory). */
  cacheDir?: string;
}

/**
 * Opens `choice` (default: the index's own model, or {@link DEFAULT_MODEL} for a new index).
 * An index built with another model is rejected here, before any work, because its vectors
 * live in a different space and searching them would return silent garbage; a mismatch that
 * the spec alone reveals is rejected before the model is even loaded.
 */
export async function openModelFor(existing: ExistingIndex | undefined, choice: ModelChoice | undefined, options: ModelOpenOptions = {}): Promise<Embedder> {
  const built = existing?.manifest;
  let embedder: Embedder;
  if (typeof choice === 'object') {
    embedder = choice;
  } else {
    const { cache: _cache, cacheDir: _cacheDir, ...resolveOptions } = options;
    let spec = choice?.trim() ?? DEFAULT_MODEL;
    let defaults: ResolveOptions = {};
    if (existing !== undefined && built !== undefined) {
      if (choice === undefined) {
        ({ spec, options: defaults } = providerNamed(built.model.provider).reopen(built.model, existing.location));
      } else {
        const knownId = providerFor(spec)?.idOf(spec);
        if (knownId !== undefined) assertCompatible(existing.location, built, { modelId: knownId });
        // Reopen with the settings the index was built with (dtype, pooling ...) unless told otherwise.
        if (spec === built.model.id) defaults = providerNamed(built.model.provider).reopen(built.model, existing.location).options;
      }
      if (spec === built.model.id) {
        // Before the factory's first request: that probe would already go to the wrong server.
        const endpoint = endpointForReopen(existing.location, built.model, resolveOptions.baseUrl);
        if (endpoint !== undefined) defaults = { ...defaults, baseUrl: endpoint };
      }
    }
    embedder = await resolveModel(spec, { ...defaults, ...withoutUndefined(resolveOptions) });
  }
  if (existing !== undefined && built !== undefined) {
    assertSameFolderContent(existing.location, built.model, embedder.info);
    assertCompatible(existing.location, built, { modelId: embedder.info.id, modelFingerprint: embedder.fingerprint, model: embedder.info });
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

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The same local folder whose files changed: said as such, not as "another model". */
function assertSameFolderContent(location: string, built: ModelInfo, now: ModelInfo): void {
  if (built.path === undefined || now.path === undefined || built.id !== now.id || built.revision === now.revision) return;
  throw new RagError('model-mismatch', `the model folder ${now.path} changed since index ${location} was built with it (files hash ${built.revision ?? 'unknown'}, now ${now.revision ?? 'unknown'})`, {
    hint: 'restore the files the index was built with, or rebuild the index (ingest with rebuild: true)',
    details: { advice: 'model-folder-changed', location, path: now.path },
  });
}
