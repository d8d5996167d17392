/**
 * The on-disk index: documents, chunks and their vectors, in a directory such as `.rag`.
 *
 * Layout: `manifest.json` names the current generation's files (`chunks-<gen>.jsonl`,
 * `vectors-<gen>.f32` (the vectors), `vectors-<gen>.hnsw` (the HNSW graph, only once the index is
 * too big to scan: vector-store.ts), `stats-<gen>.bin`). A commit writes the next generation's files
 * (temp + fsync + rename), then replaces `manifest.json` atomically, then deletes files the new
 * manifest no longer names. A crash at any moment therefore leaves the old or the new state.
 * Writers hold `lock`; readers need no lock and retry if a commit removes files under them.
 */
import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chunk, StoredDocument } from '../model/document.js';
import { isErrno, replaceFileAtomic, writeFileAtomic, writeFileAtomicStream, type AtomicWriteOptions } from './atomic.js';
import { assertChecksum, fileChecksum } from './checksum.js';
import { ChunkFileError, chunkFileLines, readChunkFile, type ChunkRecord } from './chunk-file.js';
import { crashPoint, type CommitStep } from './commit-steps.js';
import { removeUnreferenced } from './directory.js';
import { FlatVectors } from './flat-vectors.js';
import { EXACT_SEARCH_WORK, VectorIndex } from './hnsw.js';
import type { IndexReader, SearchHit } from './reader.js';
import { newManifestFields, type IndexInit, type Operation } from './transaction.js';
import { StoredVectors } from './vector-store.js';
import { FORMAT_VERSION, MANIFEST_FILE, damaged, generationFileNames, readManifest, type Manifest, type ManifestFile } from './manifest.js';

export type { SearchHit } from './reader.js';

export interface SearchOptions {
  /** HNSW candidate list size; default chosen per query by `efFor(k, chunkCount)`. */
  ef?: number;
  /** Only chunks for which this returns true are returned (still the top k among those). */
  filter?: (chunk: Chunk) => boolean;
  /**
   * Force an exact scan (true) or the graph (false); default: exact for small indexes. An index
   * without a graph (below the size where one is built) always scans.
   */
  exact?: boolean;
}

/** How many times open() re-reads the manifest when a concurrent commit removed files it named. */
const OPEN_RETRIES = 5;

class MissingFileError extends Error {}

/**
 * A read-only view of one generation of an index, fully loaded in memory.
 *
 * @example
 * const store = await IndexStore.open('.rag');
 * const hits = store.search(await embedder.embedQuery('向量数据库'), 5);
 */
export class IndexStore implements IndexReader {
  readonly dir: string;
  private currentManifest: Manifest;
  private readonly docs = new Map<string, StoredDocument>();
  private readonly chunks = new Map<string, ChunkRecord>();
  private readonly byLabel = new Map<number, ChunkRecord>();
  private vectors: StoredVectors | undefined;
  private stats: Buffer | undefined;
  private nextLabel = 0;
  /** Not committed yet: a new index or a rebuild. Its first commit writes every file. */
  private fresh = false;

  private constructor(dir: string, manifest: Manifest) {
    this.dir = dir;
    this.currentManifest = manifest;
  }

  /** Whether `dir` holds an index (a manifest). */
  static async exists(dir: string): Promise<boolean> {
    try {
      return (await stat(join(dir, MANIFEST_FILE))).isFile();
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
      throw error;
    }
  }

  /**
   * Loads the current generation of the index in `dir`. Throws RagError when there is no index,
   * when it was written by a newer rag, or when a file is missing or damaged.
   */
  static async open(dir: string): Promise<IndexStore> {
    for (let attempt = 0; ; attempt++) {
      const manifest = await readManifest(dir);
      try {
        return await IndexStore.load(dir, manifest);
      } catch (error) {
        if (!(error instanceof MissingFileError)) throw error;
        // A writer may have committed and removed this generation's files after we read the
        // manifest: if the manifest moved on, load the new generation instead.
        const now = await readManifest(dir);
        if (now.generation === manifest.generation || attempt >= OPEN_RETRIES) {
          throw damaged(dir, `${join(dir, error.message)} is missing`);
        }
      }
    }
  }

  /**
   * @internal An index with no documents yet; {@link writeIndex} commits it as generation
   * `after + 1` (after > 0 when rebuilding over older generations).
   */
  static empty(dir: string, init: IndexInit, after = 0): IndexStore {
    const store = new IndexStore(dir, {
      ...newManifestFields(init),
      formatVersion: FORMAT_VERSION,
      generation: after,
      files: { chunks: { name: generationFileNames(0).chunks, bytes: 0 } },
    });
    store.fresh = true;
    return store;
  }

  /** @internal Whether this view has never been committed (a new index or a rebuild). */
  get uncommitted(): boolean {
    return this.fresh;
  }

  private static async load(dir: string, manifest: Manifest): Promise<IndexStore> {
    const store = new IndexStore(dir, manifest);
    const { chunks: chunksFile, vectors: vectorsFile, flatVectors: flatFile, stats: statsFile } = manifest.files;
    const path = (file: ManifestFile): string => join(dir, file.name);
    const display = (file: ManifestFile): string => join(dir, file.name);

    await checkSize(dir, chunksFile);
    try {
      await readChunkFile(path(chunksFile), (document, records) => {
        if (store.docs.has(document.docId)) throw new ChunkFileError(`repeats document ${JSON.stringify(document.docId)}`);
        store.docs.set(document.docId, document);
        for (const record of records) {
          if (store.chunks.has(record.chunk.id) || store.byLabel.has(record.label)) {
            throw new ChunkFileError(`repeats chunk ${JSON.stringify(record.chunk.id)} or its label`);
          }
          store.chunks.set(record.chunk.id, record);
          store.byLabel.set(record.label, record);
          store.nextLabel = Math.max(store.nextLabel, record.label + 1);
        }
      });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new MissingFileError(chunksFile.name);
      if (error instanceof ChunkFileError) throw damaged(dir, `${display(chunksFile)} ${error.message}`);
      throw error;
    }
    if (store.docs.size !== manifest.counts.documents || store.chunks.size !== manifest.counts.chunks) {
      throw damaged(
        dir,
        `${display(chunksFile)} holds ${store.docs.size} documents and ${store.chunks.size} chunks, but the manifest says ${manifest.counts.documents} and ${manifest.counts.chunks}`,
      );
    }
    // After parsing, so a file that does not even parse gets the more precise message; a file
    // that parses but changed in place (same size) is caught here.
    await assertChecksum(dir, chunksFile);

    const params = { M: manifest.hnsw.M, efConstruction: manifest.hnsw.efConstruction };
    const dimension = manifest.model.dimension;
    let graph: VectorIndex | undefined;
    if (vectorsFile !== undefined) {
      await checkSize(dir, vectorsFile);
        try {
        graph = await VectorIndex.read(path(vectorsFile), dimension, params, store.byLabel.keys());
      } catch (error) {
        if (!(await fileExists(path(vectorsFile)))) throw new MissingFileError(vectorsFile.name);
        throw damaged(dir, `${display(vectorsFile)} cannot be read (${error instanceof Error ? error.message : String(error)})`, error);
      }
      await assertChecksum(dir, vectorsFile);
    }
    if (manifest.formatVersion === 1) {
      // Format 1 kept the vectors only in the graph: copy them out (what the first exact search
      // did anyway); the next commit writes them as a flat file.
      if (graph !== undefined) {
        const g = graph;
        const entries = [...store.byLabel.keys()].sort((a, b) => a - b).map((label): [number, Float32Array] => [label, g.vector(label)!]);
        store.vectors = new StoredVectors(FlatVectors.from(dimension, entries), params, graph);
      } else if (store.chunks.size > 0) {
        throw damaged(dir, `${join(dir, MANIFEST_FILE)} names no vectors file`);
      }
    } else if (flatFile !== undefined) {
      await checkSize(dir, flatFile);
        let flat: FlatVectors;
      try {
        flat = await FlatVectors.read(path(flatFile), dimension, store.byLabel.keys());
      } catch (error) {
        if (isErrno(error, 'ENOENT')) throw new MissingFileError(flatFile.name);
        throw damaged(dir, `${display(flatFile)} cannot be read (${error instanceof Error ? error.message : String(error)})`, error);
      }
      await assertChecksum(dir, flatFile);
      store.vectors = new StoredVectors(flat, params, graph);
    } else if (store.chunks.size > 0) {
      throw damaged(dir, `${join(dir, MANIFEST_FILE)} names no vectors file`);
    }

    if (statsFile !== undefined) {
      await checkSize(dir, statsFile);
        try {
        store.stats = await readFile(path(statsFile));
      } catch (error) {
        if (isErrno(error, 'ENOENT')) throw new MissingFileError(statsFile.name);
        throw error;
      }
      await assertChecksum(dir, statsFile);
    }
    return store;
  }

  /** The manifest of the generation this view shows. */
  get manifest(): Manifest {
    return this.currentManifest;
  }

  /** The index directory (IndexReader's name for {@link dir}). */
  get location(): string {
    return this.dir;
  }

  /** All documents, in the order they were added. */
  documents(): IterableIterator<StoredDocument> {
    return this.docs.values();
  }

  getDocument(docId: string): StoredDocument | undefined {
    return this.docs.get(docId);
  }

  getChunk(chunkId: string): Chunk | undefined {
    return this.chunks.get(chunkId)?.chunk;
  }

  get documentCount(): number {
    return this.docs.size;
  }

  get chunkCount(): number {
    return this.chunks.size;
  }

  /** The model's corpus statistics blob, if one was stored. */
  corpusStatistics(): Buffer | undefined {
    return this.stats;
  }

  /**
   * The `k` chunks most similar to `vector`, most similar first (ties by label, i.e. insertion
   * order). An exact scan while the index has no graph or the query is cheap to scan, HNSW with
   * a per-query ef otherwise (see vector-store.ts and hnsw.ts).
   */
  search(vector: Float32Array, k: number, options: SearchOptions = {}): SearchHit[] {
    if (this.vectors === undefined) return [];
    const { filter } = options;
    const byLabel = this.byLabel;
    const hits = this.vectors.search(vector, k, {
      ef: options.ef,
      exact: options.exact,
      filter:
        filter === undefined
          ? undefined
          : (label) => {
              const record = byLabel.get(label);
              return record !== undefined && filter(record.chunk);
            },
    });
    const out: SearchHit[] = [];
    // Stored vectors are unit length, so |cosine| <= |query|: anything beyond (or NaN) comes from
    // a vector file changed behind the manifest's back (older indexes have no checksums), and
    // must not be printed as a score.
    let norm = 0;
    for (const x of vector) norm += x * x;
    const bound = Math.sqrt(norm) * (1 + 1e-3) + 1e-6;
    for (const { label, similarity } of hits) {
      if (!(Math.abs(similarity) <= bound)) {
        const file = this.currentManifest.files.flatVectors ?? this.currentManifest.files.vectors;
        throw damaged(this.dir, `${join(this.dir, file?.name ?? MANIFEST_FILE)} gives a cosine similarity of ${similarity}, outside [-1, 1] (modified after it was written)`);
      }
      const record = byLabel.get(label);
      const document = record && this.docs.get(record.chunk.docId);
      if (record !== undefined && document !== undefined) out.push({ chunk: record.chunk, document, similarity });
    }
    return out;
  }

  async chunksOf(document: StoredDocument): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    for (const id of document.chunkIds) {
      const chunk = this.chunks.get(id)?.chunk;
      if (chunk !== undefined) chunks.push(chunk);
    }
    return chunks;
  }

  async *allChunks(): AsyncGenerator<{ chunk: Chunk; document: StoredDocument }> {
    for (const document of this.docs.values()) {
      for (const id of document.chunkIds) {
        const chunk = this.chunks.get(id)?.chunk;
        if (chunk !== undefined) yield { chunk, document };
      }
    }
  }

  /** {@link search} for callers that work with any {@link IndexReader}. */
  async searchVector(vector: Float32Array, k: number, options: { ef?: number } = {}): Promise<SearchHit[]> {
    return this.search(vector, k, options.ef === undefined ? {} : { ef: options.ef });
  }

  sizeBytes(): Promise<number> {
    return this.diskBytes();
  }

  /** Nothing to release: the view is plain memory. */
  async close(): Promise<void> {}

  /** The stored vector of a chunk (unit length: the cosine index normalises on insert). */
  vectorOf(chunkId: string): Float32Array | undefined {
    const record = this.chunks.get(chunkId);
    return record === undefined ? undefined : this.vectors?.vector(record.label);
  }

  /** Bytes the current generation occupies on disk (manifest and the files it names). */
  async diskBytes(): Promise<number> {
    const { chunks, vectors, flatVectors, stats: statsFile } = this.currentManifest.files;
    let total = 0;
    try {
      total += (await stat(join(this.dir, MANIFEST_FILE))).size;
    } catch {
      // A view of an index that was never committed has no manifest yet.
    }
    for (const file of [chunks, vectors, flatVectors, statsFile]) if (file !== undefined) total += file.bytes;
    return total;
  }

  // --- used by writeIndex only -------------------------------------------------------------

  /** @internal Applies staged operations in order; the view then shows the new state. */
  applyOperations(operations: Iterable<Operation>, dimension: number, graphWork = EXACT_SEARCH_WORK): void {
    const ops = [...operations];
    let adding = 0;
    for (const op of ops) if (op.kind === 'put') adding += op.chunks.length;
    if (adding > 0 && this.vectors === undefined) {
      const manifest = this.currentManifest;
      this.vectors = new StoredVectors(FlatVectors.create(dimension), { M: manifest.hnsw.M, efConstruction: manifest.hnsw.efConstruction });
    }
    for (const op of ops) this.removeDoc(op.docId);
    this.vectors?.reserve(adding);
    for (const op of ops) {
      if (op.kind !== 'put') continue;
      for (const chunk of op.chunks) {
        const owner = this.chunks.get(chunk.id);
        if (owner !== undefined) {
          throw new Error(`chunk id ${JSON.stringify(chunk.id)} of document ${JSON.stringify(op.doc.docId)} is already used by document ${JSON.stringify(owner.chunk.docId)}`);
        }
      }
      this.docs.set(op.doc.docId, op.doc);
      op.chunks.forEach((chunk, i) => {
        const record: ChunkRecord = { label: this.nextLabel++, chunk };
        this.vectors!.add(record.label, op.vectors[i]!);
        this.chunks.set(chunk.id, record);
        this.byLabel.set(record.label, record);
      });
    }
    // Build the graph now if the index outgrew the scan budget (or drop/rebuild it).
    this.vectors?.settle(graphWork);
  }

  private removeDoc(docId: string): void {
    const doc = this.docs.get(docId);
    if (doc === undefined) return;
    for (const chunkId of doc.chunkIds) {
      const record = this.chunks.get(chunkId);
      if (record === undefined) continue;
      this.vectors?.remove(record.label);
      this.chunks.delete(chunkId);
      this.byLabel.delete(record.label);
    }
    this.docs.delete(docId);
  }

  /** @internal false when the files need not survive a power loss (see {@link WriteIndexOptions.durable}). */
  durable = true;

  #atomic(step: CommitStep): AtomicWriteOptions {
    return { beforeRename: () => crashPoint(step), durable: this.durable };
  }

  /**
   * @internal Writes the next generation and switches the manifest to it. A commit that fails
   * before the switch (a full disk) removes the files it wrote: an orphan chunks file would
   * otherwise keep the disk full until the next successful commit.
   */
  async commit(init: IndexInit, stats: Buffer | undefined, documentsChanged: boolean): Promise<void> {
    const generation = this.currentManifest.generation + 1;
    try {
      await this.#commit(init, stats, documentsChanged);
    } catch (error) {
      await this.#discardGeneration(generation);
      throw error;
    }
  }

  /** Removes what a failed commit of `generation` wrote, unless its manifest did get in place. */
  async #discardGeneration(generation: number): Promise<void> {
    let onDisk: Manifest | undefined;
    try {
      onDisk = await readManifest(this.dir);
    } catch {
      onDisk = undefined;
    }
    if (onDisk !== undefined && onDisk.generation >= generation) return;
    const names = Object.values(generationFileNames(generation));
    await Promise.all(
      names.flatMap((name) => [name, `${name}.tmp-${process.pid}`]).map((name) => unlink(join(this.dir, name)).catch(() => undefined)),
    );
  }

  async #commit(init: IndexInit, stats: Buffer | undefined, documentsChanged: boolean): Promise<void> {
    const dir = this.dir;
    const old = this.currentManifest;
    const generation = old.generation + 1;
    const names = generationFileNames(generation);
    const files: Manifest['files'] = { ...old.files };

    const fresh = this.fresh;
    if (documentsChanged || fresh) {
      const chunksBytes = await writeFileAtomicStream(
        join(dir, names.chunks),
        chunkFileLines(this.docs.values(), (doc) => doc.chunkIds.map((id) => this.chunks.get(id)!)),
        this.#atomic('chunks-before-rename'),
      );
      files.chunks = { name: names.chunks, bytes: chunksBytes, checksum: await fileChecksum(join(dir, names.chunks)) };
      crashPoint('chunks-written');
    }
    const vectors = this.vectors;
    // Format 1 had no flat file: write one on the first commit that upgrades the index.
    if (documentsChanged || fresh || old.formatVersion < 2 || vectors?.graphChanged === true) {
      if (vectors !== undefined && vectors.size > 0) {
        const bytes = await vectors.flat.write(join(dir, names.flatVectors), this.#atomic('vectors-before-rename'));
        files.flatVectors = { name: names.flatVectors, bytes, checksum: await fileChecksum(join(dir, names.flatVectors)) };
      } else {
        delete files.flatVectors;
      }
      crashPoint('vectors-written');
      const graph = vectors !== undefined && vectors.size > 0 ? vectors.graph : undefined;
      if (graph !== undefined) {
        const path = join(dir, names.vectors);
        await replaceFileAtomic(path, (temp) => graph.write(temp), this.#atomic('graph-before-rename'));
        files.vectors = { name: names.vectors, bytes: (await stat(path)).size, checksum: await fileChecksum(path) };
        crashPoint('graph-written');
      } else {
        delete files.vectors;
      }
      vectors?.markWritten();
    }
    if (stats !== undefined) {
      await writeFileAtomic(join(dir, names.stats), stats, { durable: this.durable });
      files.stats = { name: names.stats, bytes: stats.length, checksum: await fileChecksum(join(dir, names.stats)) };
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
      hnsw: { ...old.hnsw, maxElements: this.vectors?.graph?.capacity ?? 0 },
      counts: { documents: this.docs.size, chunks: this.chunks.size },
      files,
    };
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, this.#atomic('manifest-before-rename'));
    crashPoint('manifest-written');
    this.currentManifest = manifest;
    this.fresh = false;
    if (stats !== undefined) this.stats = stats;
    await removeUnreferenced(dir, manifest);
    crashPoint('cleaned');
  }
}

async function checkSize(dir: string, file: ManifestFile): Promise<void> {
  let size: number;
  try {
    size = (await stat(join(dir, file.name))).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new MissingFileError(file.name);
    throw error;
  }
  if (size !== file.bytes) {
    throw damaged(dir, `${join(dir, file.name)} is ${size} bytes but should be ${file.bytes} (truncated or modified)`);
  }
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

