/**
 * The start of an ingest, up to change detection by file (unchanged.ts): the index's model and
 * chunking, the files listed and hashed. When nothing changed the run ends here, before the
 * pipeline module (loaders, chunking, the index writer) is even loaded: an unchanged re-ingest
 * is mostly process start-up (issue 14), so what it imports is what it costs.
 */
import type { Embedder } from '../embed/types.js';
import type { ExistingIndex } from '../embed/open-model.js';
import { RagError } from '../errors.js';
import type { ChunkingOptions } from '../model/chunking.js';
import { assertIndexPathUsable, DEFAULT_INDEX_DIR } from '../store/index-path.js';
import { readManifest } from '../store/manifest.js';
import { indexExists, openIndex, resolveLocation } from '../store/open.js';
import { displayLocation, isPostgresLocation } from '../store/pg/location.js';
import type { RagWarning } from '../warnings.js';
import { chunkingFor } from './chunking.js';
import { discoverFiles, type SourceFile } from './discover.js';
import { countByCode } from './failures.js';
import type { IngestEvent, IngestOptions, IngestSummary } from './pipeline.js';
import { hashFiles, unchangedRun } from './unchanged.js';

/** What {@link startIngest} worked out, for the rest of the run (pipeline.ts, continueIngest). */
export interface IngestStart {
  /** performance.now() when the run started. */
  started: number;
  indexDir: string;
  emit: (event: IngestEvent) => void;
  existing: ExistingIndex | undefined;
  rebuild: boolean;
  embedder: Embedder;
  chunking: ChunkingOptions;
  encoding: string | null;
  /** The listed files and their SHA-256, when they were hashed (a directory, not a rebuild). */
  hashed: { files: SourceFile[]; hashes: Map<string, string> } | undefined;
}

/**
 * @internal The first half of `ingest` (pipeline.ts): `done` when every listed file is as the
 * index recorded it (the summary of a run that changed nothing), else what the second half needs.
 */
export async function startIngest(options: IngestOptions): Promise<{ done: IngestSummary } | { start: IngestStart }> {
  const started = performance.now();
  const indexDir = resolveLocation(options.index ?? DEFAULT_INDEX_DIR);
  const emit = options.onEvent ?? (() => undefined);
  const warn = (warning: RagWarning): void => emit({ type: 'warning', ...warning });
  const isPg = isPostgresLocation(indexDir);
  if (!isPg) await assertIndexPathUsable(indexDir, options.index ?? DEFAULT_INDEX_DIR);
  const rebuild = options.rebuild === true;
  // A rebuild reads only the manifest (the rest may be damaged), and only for the defaults.
  const existing = rebuild ? await rebuildDefaults(indexDir, warn) : await openExisting(indexDir, warn);

  // Fail on a wrong model before reading any document. A local model's tokenizer and ONNX
  // session load only once a document needs them: a re-run with nothing changed never does.
  // A rebuild may change the model or its script fold: then the old index does not constrain it.
  const newModel =
    rebuild &&
    (options.model !== undefined || (options.modelOptions?.scriptFold !== undefined && existing?.manifest.model.provider === 'builtin'));
  const openModel = async (): Promise<Embedder> =>
    (await import('../embed/open-model.js')).openModelFor(newModel ? undefined : existing, options.model, {
      deferLoad: true,
      ...options.modelOptions,
      cache: options.cache ?? true,
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    });
  // Seeing that nothing changed needs only the identity of the index's model. For the built-in
  // model with nothing asked of it, that is the manifest's: unchanged.ts trusts a sources file
  // only from this rag version, so from the same model code. Opening it (its statistics and the
  // text analysis, ~20 modules) then waits until something did change.
  const identityOnly =
    existing !== undefined &&
    !rebuild &&
    !isPg &&
    options.onBeforeRead === undefined &&
    options.model === undefined &&
    existing.manifest.model.provider === 'builtin' &&
    Object.keys(options.modelOptions ?? {}).length === 0;
  let embedder = identityOnly ? undefined : await openModel();
  const model = embedder === undefined ? { id: existing!.manifest.model.id, fingerprint: existing!.manifest.modelFingerprint } : { id: embedder.info.id, fingerprint: embedder.fingerprint };
  emit({ type: 'model', modelId: model.id });
  const keepChunking = !rebuild || (options.chunkSize === undefined && options.chunkOverlap === undefined && existing?.manifest.modelFingerprint === model.fingerprint);
  const chunking = chunkingFor(keepChunking ? existing : undefined, embedder ?? { info: existing!.manifest.model }, options);

  // Change detection by file first (unchanged.ts): when every file hashes as recorded at the
  // last commit, the run is over without loading a file or reading the chunk file.
  // (Not with onBeforeRead: its callers watch each file being read.)
  const encoding = options.encoding ?? null;
  let hashed: { files: SourceFile[]; hashes: Map<string, string> } | undefined;
  if (!isPg && !rebuild && options.onBeforeRead === undefined) {
    const discovered = await discoverFiles(options.paths, {
      ...(options.include === undefined ? {} : { include: options.include }),
      ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
      ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
    });
    hashed = { files: discovered.files, hashes: hashFiles(discovered.files) };
    const same =
      existing === undefined
        ? undefined
        : await unchangedRun(indexDir, options.paths, hashed.files, hashed.hashes, encoding, { modelId: model.id, modelFingerprint: model.fingerprint, chunking });
    if (same !== undefined) {
      await embedder?.dispose?.();
      const notices = [...discovered.notices, ...same.notices];
      for (const notice of notices) emit({ type: 'notice', notice });
      emit({ type: 'loaded', files: hashed.files.length, documents: same.documents });
      const done: IngestSummary = {
        index: displayLocation(indexDir),
        model: model.id,
        modelFingerprint: model.fingerprint,
        chunking,
        documents: {
          added: 0,
          updated: 0,
          unchanged: same.documents,
          removed: 0,
          skipped: notices.filter((n) => n.kind === 'skipped').length,
          failed: notices.filter((n) => n.kind === 'failed').length,
        },
        byReason: countByCode(notices),
        chunks: { embedded: 0, truncated: 0, removed: 0, total: same.manifest.counts.chunks },
        notices,
        warnings: [],
        seconds: (performance.now() - started) / 1000,
      };
      return { done };
    }
  }
  embedder ??= await openModel();
  return { start: { started, indexDir, emit, existing, rebuild, embedder, chunking, encoding, hashed } };
}


/**
 * What a rebuild keeps of the old index: its model and chunking, when its manifest can still be
 * read (for the files, only the manifest is read: the rest may be damaged).
 */
async function rebuildDefaults(location: string, warn: (warning: RagWarning) => void): Promise<ExistingIndex | undefined> {
  try {
    if (!isPostgresLocation(location)) return { location, manifest: await readManifest(location) };
    return await openExisting(location, warn);
  } catch (error) {
    if (error instanceof RagError) return undefined; // no index, or its manifest is damaged
    throw error;
  }
}

/** What decides the model and chunking of the index at `location`, when there is one. */
async function openExisting(location: string, warn: (warning: RagWarning) => void): Promise<ExistingIndex | undefined> {
  if (!(await indexExists(location, { onWarning: warn }))) return undefined;
  // Only the model and chunking are needed here; the writer loads (and checks) the whole index
  // under its lock, so loading the files' vectors now as well would read them twice.
  if (!isPostgresLocation(location)) return { location, manifest: await readManifest(location) };
  const store = await openIndex(location, { onWarning: warn });
  await store.close();
  return store;
}
