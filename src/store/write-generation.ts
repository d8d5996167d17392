/**
 * A commit of the HNSW-file index: writes the next generation's data files from the writer's
 * view (temp + fsync + rename each), then the manifest that names them, which is the one atomic
 * switch; a crash before it leaves the old generation in place. Only files whose contents
 * changed are written; the others are carried over by name. {@link discardGeneration} removes
 * what a failed commit wrote.
 */
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredDocument } from '../model/document.js';
import { replaceFileAtomic, writeFileAtomic, writeFileAtomicStream, type AtomicWriteOptions } from './atomic.js';
import { fileChecksum, sha256Of } from './checksum.js';
import { chunkFileEntries, type ChunkRecord } from './chunk-file.js';
import { writeColumnsFile } from './columns-file.js';
import { crashPoint, type CommitStep } from './commit-steps.js';
import { FORMAT_VERSION, MANIFEST_FILE, generationFileNames, readManifest, type Manifest, type ManifestFile } from './manifest.js';
import { OffsetsRecorder } from './offsets-file.js';
import type { IndexInit } from './transaction.js';
import type { SourceFileRecord } from './sources-file.js';
import type { StoredVectors } from './vector-store.js';

/** What a commit reads from the writer's view of the index. */
export interface GenerationSource {
  dir: string;
  /** The manifest of the generation the view was opened on (or last committed). */
  old: Manifest;
  /** No generation was committed yet: every file is written. */
  fresh: boolean;
  /** false when the files need not survive a power loss. */
  durable: boolean;
  /** Whether the index keeps BM25 postings. */
  writesLexical: boolean;
  documents(): Iterable<StoredDocument>;
  chunkOf(id: string): ChunkRecord;
  counts: { documents: number; chunks: number };
  vectors: StoredVectors | undefined;
  /** The postings file of the view's chunks, bound to the chunk file `chunks` being committed. */
  postingsData(old: Manifest, chunks: ManifestFile): Promise<Buffer>;
  /** The sources file of the view (sources-file.ts), undefined when none is left. */
  sourcesText(incoming: readonly SourceFileRecord[] | undefined, old: Manifest): Promise<string | undefined>;
}

export interface GenerationChanges {
  init: IndexInit;
  /** The model's corpus statistics to store, when they changed. */
  stats: Buffer | undefined;
  documentsChanged: boolean;
  sources?: readonly SourceFileRecord[];
}

/** Writes generation `old.generation + 1` and switches the manifest to it; returns that manifest. */
export async function writeGeneration(view: GenerationSource, changes: GenerationChanges): Promise<Manifest> {
  const { dir, old, fresh } = view;
  const { init, stats, documentsChanged, sources } = changes;
  const generation = old.generation + 1;
  const names = generationFileNames(generation);
  const files: Manifest['files'] = { ...old.files };
  const atomic = (step: CommitStep): AtomicWriteOptions => ({ beforeRename: () => crashPoint(step), durable: view.durable });
  const plain: AtomicWriteOptions = { durable: view.durable };

  if (documentsChanged || fresh) {
    const recorder = new OffsetsRecorder();
    const written = await writeFileAtomicStream(
      join(dir, names.chunks),
      recorder.track(chunkFileEntries(view.documents(), (doc) => doc.chunkIds.map((id) => view.chunkOf(id)))),
      atomic('chunks-before-rename'),
    );
    const checksum = written.checksum;
    files.chunks = { name: names.chunks, ...written };
    const offsets = recorder.file(checksum);
    await writeFileAtomic(join(dir, names.offsets), offsets, plain);
    files.offsets = { name: names.offsets, bytes: offsets.length, checksum: sha256Of(offsets) };
    crashPoint('chunks-written');
  }
  const vectors = view.vectors;
  // Format 1 had no flat file: write one on the first commit that upgrades the index.
  if (documentsChanged || fresh || old.formatVersion < 2 || vectors?.graphChanged === true) {
    if (vectors !== undefined && vectors.size > 0) {
      files.flatVectors = { name: names.flatVectors, ...(await vectors.flat.write(join(dir, names.flatVectors), atomic('vectors-before-rename'))) };
      const columns = vectors.flat.sparseColumns();
      if (columns !== undefined) {
        const written = await writeColumnsFile(join(dir, names.columns), vectors.flat.dimension, vectors.flat.labels(), columns, plain);
        files.columns = { name: names.columns, ...written };
      } else {
        delete files.columns;
      }
    } else {
      delete files.flatVectors;
      delete files.columns;
    }
    crashPoint('vectors-written');
    const graph = vectors !== undefined && vectors.size > 0 ? vectors.graph : undefined;
    if (graph !== undefined) {
      const path = join(dir, names.vectors);
      await replaceFileAtomic(path, (temp) => graph.write(temp), atomic('graph-before-rename'));
      files.vectors = { name: names.vectors, bytes: (await stat(path)).size, checksum: await fileChecksum(path) };
      crashPoint('graph-written');
    } else {
      delete files.vectors;
    }
    vectors?.markWritten();
  }
  if (!view.writesLexical) {
    // A writer that does not keep postings must not leave stale ones behind.
    if (documentsChanged || fresh) {
      delete files.lexical;
      delete files.postings;
    }
  } else if (documentsChanged || fresh || files.postings === undefined) {
    // Also the first commit of an index that has only lexical-<gen>.json (written by an older
    // rag), which the binary file replaces.
    const data = await view.postingsData(old, files.chunks);
    await writeFileAtomic(join(dir, names.postings), data, plain);
    files.postings = { name: names.postings, bytes: data.length, checksum: sha256Of(data) };
    delete files.lexical;
  }
  const sourcesText = await view.sourcesText(sources, old);
  if (sourcesText === undefined) {
    delete files.sources;
  } else if (files.sources?.checksum !== sha256Of(sourcesText)) {
    await writeFileAtomic(join(dir, names.sources), sourcesText, plain);
    files.sources = { name: names.sources, bytes: Buffer.byteLength(sourcesText), checksum: sha256Of(sourcesText) };
  }
  if (stats !== undefined) {
    await writeFileAtomic(join(dir, names.stats), stats, plain);
    files.stats = { name: names.stats, bytes: stats.length, checksum: sha256Of(stats) };
    crashPoint('stats-written');
  }

  const now = new Date().toISOString();
  const manifest: Manifest = {
    formatVersion: FORMAT_VERSION,
    createdAt: fresh ? now : old.createdAt,
    updatedAt: now,
    generation,
    model: fresh ? init.model : old.model,
    modelFingerprint: old.modelFingerprint,
    chunking: old.chunking,
    hnsw: { ...old.hnsw, maxElements: vectors?.graph?.capacity ?? 0 },
    counts: view.counts,
    files,
  };
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, atomic('manifest-before-rename'));
  crashPoint('manifest-written');
  return manifest;
}

/** Removes what a failed commit of `generation` wrote, unless its manifest did get in place. */
export async function discardGeneration(dir: string, generation: number): Promise<void> {
  let onDisk: Manifest | undefined;
  try {
    onDisk = await readManifest(dir);
  } catch {
    onDisk = undefined;
  }
  if (onDisk !== undefined && onDisk.generation >= generation) return;
  const names = Object.values(generationFileNames(generation));
  await Promise.all(names.flatMap((name) => [name, `${name}.tmp-${process.pid}`]).map((name) => unlink(join(dir, name)).catch(() => undefined)));
}
