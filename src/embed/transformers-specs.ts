/**
 * Opening transformers.js models from a spec: a registry alias, `hf:ORG/NAME`, or a model folder,
 * with the settings each declares (the alias table, a sentence-transformers folder's config
 * files, a hub repo's `1_Pooling/config.json`). Loaded only when such a model is opened.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import type { Pooling } from '../model/model-info.js';
import { findModel, unknownModelError } from './aliases.js';
import { isPathSpec } from './providers.js';
import type { Embedder, ResolveOptions } from './types.js';

/** Opens an alias, `hf:ORG/NAME` or folder spec (trimmed). */
export async function openTransformersSpec(spec: string, options: ResolveOptions): Promise<Embedder> {
  if (spec.toLowerCase().startsWith('hf:')) return resolveHubRepo(spec, spec.slice(3), options);
  if (isPathSpec(spec)) return resolveFolder(spec, options);
  const entry = findModel(spec);
  if (!entry) throw unknownModelError(spec);
  if (options.dimensions !== undefined && !entry.matryoshka) {
    throw new RagError('usage', `${entry.alias} does not support the dimensions option (not a Matryoshka model); leave it out`, { details: { advice: 'dimensions-unsupported', alias: entry.alias } });
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

function expandHome(spec: string): string {
  return spec.startsWith('~/') ? path.join(process.env.HOME ?? '', spec.slice(2)) : spec;
}

async function resolveFolder(spec: string, options: ResolveOptions): Promise<Embedder> {
  const dir = path.resolve(expandHome(spec));
  if (!existsSync(dir)) throw new RagError('path-not-found', `model folder ${dir} does not exist`);
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
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new RagError('model-unknown', `'${spec}' is not a hub model id; write hf:ORG/NAME, e.g. hf:Xenova/bge-small-zh-v1.5`);
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
    throw new RagError('model-invalid', `${file} is not valid JSON`);
  }
}

function missingPoolingError(what: string): RagError {
  return new RagError('model-invalid', `${what} does not declare its pooling (no sentence-transformers 1_Pooling/config.json)`, {
    hint: 'set the pooling option to cls, mean or last_token as its model card says',
    details: { advice: 'pooling-missing', what },
  });
}
