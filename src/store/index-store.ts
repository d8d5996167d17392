/**
 * The on-disk index: documents, chunks and their vectors, in a directory such as `.rag`.
 *
 * Layout: `manifest.json` names the current generation's files (`chunks-<gen>.jsonl`,
 * `vectors-<gen>.f32` (the vectors), `vectors-<gen>.hnsw` (the HNSW graph, only once the index is
 * too big to scan: vector-store.ts), `stats-<gen>.bin`). A commit writes the next generation's files
 * (temp + fsync + rename), then replaces `manifest.json` atomically, then deletes files the new
 * manifest no longer names. A crash at any moment therefore leaves the old or the new state.
 * Writers hold `lock`; readers need no lock and retry if a commit removes files under them.
 *
 * Why this file is long: it is the read view and its lazy-loading paths (documents only, the
 * offsets file's lines, vectors on first use, a store adopting the next generation), which all
 * fill the same private maps and so stay in one class. What does not touch those maps lives
 * apart: the commit (write-generation.ts), the first search from the files (one-shot-search.ts),
 * staged changes (transaction.ts), directory hygiene (directory.ts), the size and checksum checks
 * of a data file (data-file-checks.ts), the file formats.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chunk, StoredDocument } from '../model/document.js';
import { isErrno } from './atomic.js';
import { createHash } from 'node:crypto';
import { checksumMismatch, sha256Of } from './checksum.js';
import { assertChecksumOrMissing, assertChecksumOrMissingSync, checkSize, MissingFileError, readDataFile } from './data-file-checks.js';
import { nowNs, VerifiedFiles } from './verified-files.js';
import { searchIndexFiles } from './one-shot-search.js';
import { ChunkFileError, SkimmedChunkRecord, readChunkFile, readChunkFileSync, skimChunkFile, type ChunkRecord } from './chunk-file.js';
import { crashPoint } from './commit-steps.js';
import { ChunkOffsets, IndexedLines, OffsetsFileError } from './offsets-file.js';
import { removeUnreferenced } from './directory.js';
import { type LabelHit } from './exact-scan.js';
import { FlatVectors } from './flat-vectors.js';
import { EXACT_SEARCH_WORK, VectorIndex } from './hnsw.js';
import { chunkAnalyzer, lexicalScriptFold, type AnalyzedChunk } from './lexical-file.js';
import { encodePostings } from './postings-file.js';
import { chunkBinding, openPostings, previousAnalysis } from './stored-postings.js';
import type { IndexReader, SearchHit, StoredPostings } from './reader.js';
import type { ScriptFold } from '../text/script-fold.js';
import { newManifestFields, type IndexInit, type Operation } from './transaction.js';
import { StoredVectors } from './vector-store.js';
import { discardGeneration, writeGeneration } from './write-generation.js';
import { parseSources, recordHolds, serializeSources, type SourceFileRecord } from './sources-file.js';
import { packageVersion } from '../version.js';
import { FORMAT_VERSION, MANIFEST_FILE, damaged, generationFileNames, manifestExists, readManifest, manifestFileNames, type Manifest, type ManifestFile } from './manifest.js';

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

export interface OpenStoreOptions {
  /**
   * Leave the vector and graph files on disk until a search or a write needs them: an unchanged
   * re-ingest and a BM25 query then never read them. Their sizes are still checked on open.
   */
  lazyVectors?: boolean;
  /**
   * Also leave the chunks (their text) on disk, reading only the documents (ids, content hashes):
   * what a writer needs to see that nothing changed. Implies `lazyVectors`. Writers only (they
   * hold the lock, so the files cannot change before the chunks are read).
   */
  lazyChunks?: boolean;
  /**
   * Read documents and chunks only when asked for, each from its line of the chunk file, located
   * by the offsets file (offsets-file.ts): a one-shot query reads its hits' lines only. Implies
   * `lazyVectors`. The chunk file stays open until {@link IndexStore.close}. Without a current
   * offsets file (older indexes) the chunk file is skimmed as with `lazyVectors`.
   */
  lazyDocuments?: boolean;
}

/** How many times open() re-reads the manifest when a concurrent commit removed files it named. */
const OPEN_RETRIES = 5;

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
  readonly #docs = new Map<string, StoredDocument>();
  readonly #chunks = new Map<string, ChunkRecord>();
  readonly #byLabel = new Map<number, ChunkRecord>();
  /**
   * Opened with `lazyDocuments`: documents and chunks are read line by line from here, and the
   * three maps stay empty until a caller needs them all ({@link materialize}).
   */
  private lines: IndexedLines | undefined;

  private get docs(): Map<string, StoredDocument> {
    if (this.lines !== undefined) this.materialize();
    return this.#docs;
  }

  private get chunks(): Map<string, ChunkRecord> {
    if (this.lines !== undefined) this.materialize();
    return this.#chunks;
  }

  private get byLabel(): Map<number, ChunkRecord> {
    if (this.lines !== undefined) this.materialize();
    return this.#byLabel;
  }
  private vectors: StoredVectors | undefined;
  /** Opened with `lazyVectors` and not read yet: {@link loadVectors} / {@link loadedVectors}. */
  private vectorsPending = false;
  private stats: Buffer | undefined;
  private nextLabel = 0;
  /** Not committed yet: a new index or a rebuild. Its first commit writes every file. */
  private fresh = false;

  private constructor(dir: string, manifest: Manifest) {
    this.dir = dir;
    this.currentManifest = manifest;
  }

  /** Whether `dir` holds an index (a manifest). */
  static exists(dir: string): Promise<boolean> {
    return manifestExists(dir);
  }

  /**
   * Loads the current generation of the index in `dir`. Throws RagError when there is no index,
   * when it was written by a newer rag, or when a file is missing or damaged.
   */
  static async open(dir: string, options: OpenStoreOptions = {}): Promise<IndexStore> {
    for (let attempt = 0; ; attempt++) {
      const manifest = await readManifest(dir);
      try {
        return await IndexStore.load(dir, manifest, options.lazyVectors === true || options.lazyChunks === true || options.lazyDocuments === true, options.lazyChunks === true, options.lazyDocuments === true);
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

  /** What reading the chunk file does with each document: `withDocuments` false when only the chunks are read (late). */
  private chunkFileReceiver(withDocuments: boolean): (document: StoredDocument, records: ChunkRecord[]) => void {
    return (document, records) => {
      if (withDocuments) {
        if (this.docs.has(document.docId)) throw new ChunkFileError(`repeats document ${JSON.stringify(document.docId)}`);
        this.docs.set(document.docId, document);
      }
      for (const record of records) {
        if (this.chunks.has(record.chunk.id) || this.byLabel.has(record.label)) {
          throw new ChunkFileError(`repeats chunk ${JSON.stringify(record.chunk.id)} or its label`);
        }
        this.chunks.set(record.chunk.id, record);
        this.byLabel.set(record.label, record);
        this.nextLabel = Math.max(this.nextLabel, record.label + 1);
      }
    };
  }

  /** Chunks counted but not read yet (opened with `lazyChunks`); undefined once they are in memory. */
  private pendingChunks: number | undefined;

  /**
   * @internal Reads the chunks of a store opened with `lazyChunks` (a no-op otherwise). Only for
   * a writer, which holds the lock: the file cannot be replaced under it.
   */
  async loadChunks(): Promise<void> {
    if (this.pendingChunks === undefined) return;
    await this.readChunks(false);
  }

  private readChunks(sync: true): void;
  private readChunks(sync: false): Promise<void>;
  private readChunks(sync: boolean): void | Promise<void> {
    const file = this.currentManifest.files.chunks;
    const path = join(this.dir, file.name);
    const receive = this.chunkFileReceiver(false);
    const done = (): void => {
      if (this.chunks.size !== this.pendingChunks) throw damaged(this.dir, `${path} changed while the index was open`);
      this.pendingChunks = undefined;
    };
    const fail = (error: unknown): never => {
      if (error instanceof ChunkFileError) throw damaged(this.dir, `${path} ${error.message}`);
      throw error;
    };
    if (sync) {
      try {
        readChunkFileSync(path, receive);
      } catch (error) {
        fail(error);
      }
      done();
      return;
    }
    return readChunkFile(path, receive).then(done, fail);
  }

  /** For the synchronous accessors: the chunk map, read now if it is still on disk. */
  private get chunkMap(): Map<string, ChunkRecord> {
    if (this.pendingChunks !== undefined) this.readChunks(true);
    return this.chunks;
  }

  private static async load(dir: string, manifest: Manifest, lazyVectors: boolean, lazyChunks: boolean, lazyDocuments = false): Promise<IndexStore> {
    const store = new IndexStore(dir, manifest);
    const { chunks: chunksFile, vectors: vectorsFile, flatVectors: flatFile, stats: statsFile } = manifest.files;

    await checkSize(dir, chunksFile);
    if (lazyDocuments && (await store.openLines())) {
      // Documents and chunks are read when asked for (openLines).
    } else if (lazyVectors && !lazyChunks && chunksFile.checksum !== undefined) {
      await store.skimChunks();
    } else {
      await store.parseChunks(lazyChunks);
    }

    // The vector and graph files: sizes checked now (cheap, and a truncated file is found when
    // the index opens); contents read now, or on first use when opened with `lazyVectors`.
    if (vectorsFile !== undefined) await checkSize(dir, vectorsFile);
    if (manifest.formatVersion >= 2 && flatFile !== undefined) await checkSize(dir, flatFile);
    if ((manifest.formatVersion === 1 ? vectorsFile : flatFile) === undefined && store.chunkCount > 0) {
      throw damaged(dir, `${join(dir, MANIFEST_FILE)} names no vectors file`);
    }
    if (lazyVectors) store.vectorsPending = true;
    else await store.readVectors(false);

    if (statsFile !== undefined) {
      await checkSize(dir, statsFile);
      store.stats = await readDataFile(dir, statsFile);
      await assertChecksumOrMissing(dir, statsFile);
    }
    return store;
  }


  /** Reads the whole chunk file, checking every line (and its checksum in the same read). */
  private async parseChunks(lazyChunks: boolean): Promise<void> {
    const dir = this.dir;
    const manifest = this.currentManifest;
    const chunksFile = manifest.files.chunks;
    const path = (file: ManifestFile): string => join(dir, file.name);
    const display = path;

    // Hashed in the same read as the parse: every open of an index reads its chunk file once.
    const chunksHash = chunksFile.checksum === undefined ? undefined : createHash('sha256');
    let counted: { documents: number; chunks: number };
    try {
      counted = await readChunkFile(path(chunksFile), this.chunkFileReceiver(true), { skipChunks: lazyChunks, ...(chunksHash === undefined ? {} : { onBytes: (b) => chunksHash.update(b) }) });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new MissingFileError(chunksFile.name);
      if (error instanceof ChunkFileError) throw damaged(dir, `${display(chunksFile)} ${error.message}`);
      throw error;
    }
    if (lazyChunks) this.pendingChunks = counted.chunks;
    if (this.docs.size !== manifest.counts.documents || this.chunkCount !== manifest.counts.chunks) {
      throw damaged(
        dir,
        `${display(chunksFile)} holds ${this.docs.size} documents and ${this.chunkCount} chunks, but the manifest says ${manifest.counts.documents} and ${manifest.counts.chunks}`,
      );
    }
    // After parsing, so a file that does not even parse gets the more precise message; a file
    // that parses but changed in place (same size) is caught here.
    if (chunksHash !== undefined && `sha256:${chunksHash.digest('hex')}` !== chunksFile.checksum) throw checksumMismatch(dir, chunksFile);

  }

  /**
   * A reader's open: the chunk file is read and checksummed whole, but only its document lines
   * are decoded; each chunk is decoded from its line when first asked for (a query decodes its
   * hits). Parsing every chunk's text was most of a one-shot `rag query` (issue 14).
   */
  private async skimChunks(): Promise<void> {
    const dir = this.dir;
    const manifest = this.currentManifest;
    const file = manifest.files.chunks;
    const buffer = await readDataFile(dir, file);
    // Changed in place: the full parse names the first bad line (or the checksum, if all parse).
    if (sha256Of(buffer) !== file.checksum) return this.parseChunks(false);
    this.skimBuffer(buffer);
  }

  /** {@link skimChunks} of the chunk file's bytes, already checked against its checksum. */
  private skimBuffer(buffer: Buffer): void {
    const dir = this.dir;
    const manifest = this.currentManifest;
    const path = join(dir, manifest.files.chunks.name);
    const decodeFailed = (error: unknown): never => {
      if (error instanceof ChunkFileError) throw damaged(dir, `${path} ${error.message}`);
      throw error;
    };
    try {
      skimChunkFile(buffer, (document, skimmed) => {
        if (this.docs.has(document.docId)) throw new ChunkFileError(`repeats document ${JSON.stringify(document.docId)}`);
        this.docs.set(document.docId, document);
        for (const line of skimmed) {
          if (this.chunks.has(line.id) || this.byLabel.has(line.label)) throw new ChunkFileError(`repeats chunk ${JSON.stringify(line.id)} or its label`);
          const record = new SkimmedChunkRecord(line, document.docId, buffer, decodeFailed);
          this.chunks.set(line.id, record);
          this.byLabel.set(line.label, record);
          this.nextLabel = Math.max(this.nextLabel, line.label + 1);
        }
      });
    } catch (error) {
      decodeFailed(error);
    }
    if (this.docs.size !== manifest.counts.documents || this.chunks.size !== manifest.counts.chunks) {
      throw damaged(dir, `${path} holds ${this.docs.size} documents and ${this.chunks.size} chunks, but the manifest says ${manifest.counts.documents} and ${manifest.counts.chunks}`);
    }
  }

  /**
   * A one-shot reader's open (`lazyDocuments`): reads and checks the offsets file and opens the
   * chunk file, whose lines are then read one at a time. The chunk file is still hashed whole
   * unless it is the very file that was verified before (verified-files.ts, the vector file's
   * rule): a file changed in place is refused as by every other open, whichever lines it hits.
   * False when there is no offsets file for this chunk file (an older index, or one an older rag
   * committed to) or the chunk file does not match its checksum: the caller skims, which names
   * what is wrong.
   */
  private async openLines(): Promise<boolean> {
    const dir = this.dir;
    const manifest = this.currentManifest;
    const { chunks: chunksFile, offsets: file } = manifest.files;
    if (file === undefined || file.checksum === undefined || chunksFile.checksum === undefined) return false;
    const path = join(dir, file.name);
    await checkSize(dir, file);
    const buffer = await readDataFile(dir, file);
    if (sha256Of(buffer) !== file.checksum) throw checksumMismatch(dir, file);
    let offsets: ChunkOffsets | undefined;
    try {
      offsets = ChunkOffsets.parse(buffer, chunksFile.checksum, chunksFile.bytes);
    } catch (error) {
      if (error instanceof OffsetsFileError) throw damaged(dir, `${path} ${error.message}`);
      throw error;
    }
    if (offsets === undefined) return false;
    const chunksPath = join(dir, chunksFile.name);
    // The offsets vouch for the chunk file they were written with (its checksum is inside).
    if (offsets.documents !== manifest.counts.documents || offsets.chunks !== manifest.counts.chunks) {
      throw damaged(dir, `${chunksPath} holds ${offsets.documents} documents and ${offsets.chunks} chunks, but the manifest says ${manifest.counts.documents} and ${manifest.counts.chunks}`);
    }
    let fd: number;
    try {
      fd = openSync(chunksPath, 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new MissingFileError(chunksFile.name);
      throw error;
    }
    // Held open: a commit that removes this generation meanwhile leaves its lines readable.
    if (fstatSync(fd).size !== chunksFile.bytes) {
      closeSync(fd);
      throw damaged(dir, `${chunksPath} changed while the index was opened`);
    }
    const lines = new IndexedLines(offsets, chunksPath, fd, (which, error) => {
      if (which === 'offsets') throw damaged(dir, `${path} ${error.message}`);
      throw damaged(dir, `${chunksPath} ${error.message}`);
    });
    try {
      const verified = await VerifiedFiles.forIndex(dir);
      const stamp = await verified.check(chunksFile).catch(() => undefined);
      if (stamp?.trusted !== true) {
        const startedNs = nowNs();
        if (sha256Of(lines.readAll(chunksFile.bytes)) !== chunksFile.checksum) {
          lines.close();
          return false;
        }
        if (stamp !== undefined) await verified.record(chunksFile, stamp.identity, startedNs, manifestFileNames(manifest));
      }
    } catch (error) {
      lines.close();
      throw error;
    }
    this.lines = lines;
    return true;
  }

  /**
   * A view opened with `lazyDocuments` whose caller needs every document or chunk (listing,
   * filters, writes): the chunk file is read whole and skimmed, as without the option.
   */
  private materialize(): void {
    const lines = this.lines!;
    this.lines = undefined;
    const file = this.currentManifest.files.chunks;
    try {
      const buffer = lines.readAll(file.bytes);
      if (sha256Of(buffer) !== file.checksum) throw checksumMismatch(this.dir, file);
      this.skimBuffer(buffer);
    } finally {
      lines.close();
    }
  }

  /** The labels of this view's chunks (what its vector file must hold). */
  private liveLabels(): IterableIterator<number> {
    return this.lines?.offsets.labels() ?? this.byLabel.keys();
  }

  /** The chunk with `label` and its document, read from its lines when the view reads lines. */
  private entryOf(label: number): { chunk: Chunk; document: StoredDocument } | undefined {
    const lines = this.lines;
    if (lines !== undefined) {
      const row = lines.offsets.rowOf(label);
      return row < 0 ? undefined : { chunk: lines.chunk(row), document: lines.documentOfChunk(row) };
    }
    const record = this.byLabel.get(label);
    const document = record && this.docs.get(record.chunk.docId);
    return record === undefined || document === undefined ? undefined : { chunk: record.chunk, document };
  }

  /**
   * Reads the vector (and graph) files of this view's generation. `sync` for the synchronous
   * accessors ({@link search}, {@link vectorOf}) of a store opened with `lazyVectors`.
   */
  private readVectors(sync: true): void;
  private readVectors(sync: false): Promise<void>;
  private readVectors(sync: boolean): void | Promise<void> {
    // Vectors are matched to chunks by label.
    if (this.pendingChunks !== undefined) {
      if (sync) this.readChunks(true);
      else return this.readChunks(false).then(() => this.readVectors(false));
    }
    const dir = this.dir;
    const manifest = this.currentManifest;
    const { vectors: vectorsFile, flatVectors: flatFile } = manifest.files;
    const params = { M: manifest.hnsw.M, efConstruction: manifest.hnsw.efConstruction };
    const dimension = manifest.model.dimension;
    const labels = (): IterableIterator<number> => this.liveLabels();
    const failed = (file: ManifestFile, error: unknown): Error => {
      if (isErrno(error, 'ENOENT')) return new MissingFileError(file.name);
      return damaged(dir, `${join(dir, file.name)} cannot be read (${error instanceof Error ? error.message : String(error)})`, error);
    };
    const install = (graph: VectorIndex | undefined, flat: FlatVectors | undefined): void => {
      this.vectorsPending = false;
      if (manifest.formatVersion === 1) {
        // Format 1 kept the vectors only in the graph: copy them out (what the first exact search
        // did anyway); the next commit writes them as a flat file.
        if (graph === undefined) return;
        const entries = [...this.liveLabels()].sort((a, b) => a - b).map((label): [number, Float32Array] => [label, graph.vector(label)!]);
        this.vectors = new StoredVectors(FlatVectors.from(dimension, entries), params, graph);
      } else if (flat !== undefined) {
        this.vectors = new StoredVectors(flat, params, graph);
      }
    };
    const flatNeeded = manifest.formatVersion >= 2 ? flatFile : undefined;
    if (sync) {
      let graph: VectorIndex | undefined;
      let flat: FlatVectors | undefined;
      if (vectorsFile !== undefined) {
        try {
          graph = VectorIndex.readSync(join(dir, vectorsFile.name), dimension, params, labels());
        } catch (error) {
          throw failed(vectorsFile, error);
        }
        assertChecksumOrMissingSync(dir, vectorsFile);
      }
      if (flatNeeded !== undefined) {
        try {
          flat = FlatVectors.readSync(join(dir, flatNeeded.name), dimension, labels());
        } catch (error) {
          throw failed(flatNeeded, error);
        }
        assertChecksumOrMissingSync(dir, flatNeeded);
      }
      install(graph, flat);
      return;
    }
    return (async () => {
      let graph: VectorIndex | undefined;
      let flat: FlatVectors | undefined;
      if (vectorsFile !== undefined) {
        try {
          graph = await VectorIndex.read(join(dir, vectorsFile.name), dimension, params, labels());
        } catch (error) {
          // hnswlib's own error for a missing file is not an errno: look.
          if (!(await fileExists(join(dir, vectorsFile.name)))) throw new MissingFileError(vectorsFile.name);
          throw failed(vectorsFile, error);
        }
        await assertChecksumOrMissing(dir, vectorsFile);
      }
      if (flatNeeded !== undefined) {
        try {
          flat = await FlatVectors.read(join(dir, flatNeeded.name), dimension, labels());
        } catch (error) {
          throw failed(flatNeeded, error);
        }
        await assertChecksumOrMissing(dir, flatNeeded);
      }
      install(graph, flat);
    })();
  }

  /** Whether the vectors of this view are still on disk only (opened with `lazyVectors`). */
  get vectorsLoaded(): boolean {
    return !this.vectorsPending;
  }

  /**
   * Reads the vectors now if they were left on disk (`lazyVectors`); a no-op otherwise. When a
   * commit by another process removed this generation's files meanwhile, the view moves to the
   * current generation as a whole (never this generation's chunks with another's vectors).
   */
  async loadVectors(): Promise<void> {
    if (!this.vectorsPending) return;
    try {
      await this.readVectors(false);
    } catch (error) {
      if (!(error instanceof MissingFileError)) throw error;
      const now = await IndexStore.open(this.dir);
      if (now.manifest.generation === this.currentManifest.generation) throw damaged(this.dir, `${join(this.dir, error.message)} is missing`);
      this.adopt(now);
    }
  }

  private adopt(other: IndexStore): void {
    this.lines?.close();
    this.lines = undefined;
    this.currentManifest = other.currentManifest;
    for (const [from, to] of [[other.docs, this.docs], [other.chunks, this.chunks], [other.byLabel, this.byLabel]] as const) {
      (to as Map<unknown, unknown>).clear();
      for (const [k, v] of from as Map<unknown, unknown>) (to as Map<unknown, unknown>).set(k, v);
    }
    this.vectors = other.vectors;
    this.stats = other.stats;
    this.nextLabel = other.nextLabel;
    this.vectorsPending = false;
    this.pendingChunks = undefined;
  }

  /** Whether a vector search already streamed the file: a second one loads it instead. */
  private streamed = false;

  /**
   * The first vector search of a store whose vectors are still on disk, when the index has no
   * graph (every search is an exact scan): scans the file a block at a time without keeping it
   * (a one-shot `rag query`). Undefined when the vectors must be loaded instead.
   */
  private async streamedSearch(vector: Float32Array, k: number): Promise<SearchHit[] | undefined> {
    const manifest = this.currentManifest;
    if (!this.vectorsPending || this.streamed || manifest.formatVersion < 2 || manifest.files.vectors !== undefined || manifest.files.flatVectors === undefined) return undefined;
    this.streamed = true;
    await this.loadChunks();
    const hits = await searchIndexFiles(this.dir, manifest, () => this.liveLabels(), vector, k);
    return hits === undefined ? undefined : this.hitsOf(vector, hits);
  }

  /** For the synchronous accessors: the vectors, read now if still on disk. */
  private get loadedVectors(): StoredVectors | undefined {
    if (this.vectorsPending) {
      try {
        this.readVectors(true);
      } catch (error) {
        if (error instanceof MissingFileError) throw damaged(this.dir, `${join(this.dir, error.message)} is missing`);
        throw error;
      }
    }
    return this.vectors;
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
    return this.chunkMap.get(chunkId)?.chunk;
  }

  get documentCount(): number {
    return this.lines?.offsets.documents ?? this.docs.size;
  }

  get chunkCount(): number {
    return this.lines?.offsets.chunks ?? this.pendingChunks ?? this.chunks.size;
  }

  /** The model's corpus statistics blob, if one was stored. */
  corpusStatistics(): Buffer | undefined {
    return this.stats;
  }

  /**
   * The BM25 postings written with this generation, resolved to chunks, when there are any for
   * `scriptFold` (undefined otherwise: an index from before they were written, another fold).
   */
  async lexicalPostings(scriptFold: ScriptFold): Promise<StoredPostings | undefined> {
    await this.loadChunks();
    if (this.fresh) return undefined;
    const manifest = this.currentManifest;
    const source = await openPostings(this.dir, manifest, scriptFold);
    if (source === undefined) return undefined;
    const file = manifest.files.postings ?? manifest.files.lexical;
    const path = join(this.dir, file?.name ?? MANIFEST_FILE);
    if (source.labels.length !== this.chunkCount) throw damaged(this.dir, `${path} holds ${source.labels.length} chunks, the index ${this.chunkCount}`);
    const notHeld = (label: number): never => {
      throw damaged(this.dir, `${path} names chunk label ${label}, which the index does not hold`);
    };
    const lines = this.lines;
    if (lines !== undefined) {
      // Both list labels in ascending order, so entry i is row i unless a file is wrong.
      const rowOf = (entry: number): number => {
        const label = source.labels[entry]!;
        const row = lines.offsets.rowOf(label, entry);
        return row < 0 ? notHeld(label) : row;
      };
      return {
        count: source.labels.length,
        lengths: source.lengths,
        totalLength: source.totalLength,
        postings: (term) => source.postings(term),
        chunkId: (entry) => lines.offsets.chunkId(rowOf(entry)),
        // Read from their lines only for the hits (openLines).
        entry: (entry) => {
          const row = rowOf(entry);
          return { chunk: lines.chunk(row), document: lines.documentOfChunk(row) };
        },
      };
    }
    const recordOf = (entry: number): { record: ChunkRecord; id: string; document: StoredDocument } => {
      const label = source.labels[entry]!;
      const record = this.byLabel.get(label);
      const skimmed = record instanceof SkimmedChunkRecord ? record : undefined;
      const document = record === undefined ? undefined : this.docs.get(skimmed?.docId ?? record.chunk.docId);
      if (record === undefined || document === undefined) return notHeld(label);
      return { record, id: skimmed?.id ?? record.chunk.id, document };
    };
    return {
      count: source.labels.length,
      lengths: source.lengths,
      totalLength: source.totalLength,
      postings: (term) => source.postings(term),
      chunkId: (entry) => recordOf(entry).id,
      // The chunk is decoded only for the hits (see skimChunks).
      entry: (entry) => {
        const { record, document } = recordOf(entry);
        return { chunk: record.chunk, document };
      },
    };
  }

  /**
   * The `k` chunks most similar to `vector`, most similar first (ties by label, i.e. insertion
   * order). An exact scan while the index has no graph or the query is cheap to scan, HNSW with
   * a per-query ef otherwise (see vector-store.ts and hnsw.ts).
   */
  search(vector: Float32Array, k: number, options: SearchOptions = {}): SearchHit[] {
    const vectors = this.loadedVectors;
    if (vectors === undefined) return [];
    const { filter } = options;
    const byLabel = this.byLabel;
    const hits = vectors.search(vector, k, {
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
    return this.hitsOf(vector, hits);
  }

  /**
   * Label hits as search hits. Stored vectors are unit length, so |cosine| <= |query|: anything
   * beyond (or NaN) comes from a vector file changed behind the manifest's back (older indexes
   * have no checksums), and must not be printed as a score.
   */
  private hitsOf(vector: Float32Array, hits: readonly LabelHit[]): SearchHit[] {
    let norm = 0;
    for (const x of vector) norm += x * x;
    const bound = Math.sqrt(norm) * (1 + 1e-3) + 1e-6;
    const out: SearchHit[] = [];
    for (const { label, similarity } of hits) {
      if (!(Math.abs(similarity) <= bound)) {
        const file = this.currentManifest.files.flatVectors ?? this.currentManifest.files.vectors;
        throw damaged(this.dir, `${join(this.dir, file?.name ?? MANIFEST_FILE)} gives a cosine similarity of ${similarity}, outside [-1, 1] (modified after it was written)`);
      }
      const entry = this.entryOf(label);
      if (entry !== undefined) out.push({ ...entry, similarity });
    }
    return out;
  }

  async chunksOf(document: StoredDocument): Promise<Chunk[]> {
    await this.loadChunks();
    const chunks: Chunk[] = [];
    for (const id of document.chunkIds) {
      const chunk = this.chunks.get(id)?.chunk;
      if (chunk !== undefined) chunks.push(chunk);
    }
    return chunks;
  }

  async *allChunks(): AsyncGenerator<{ chunk: Chunk; document: StoredDocument }> {
    await this.loadChunks();
    for (const document of this.docs.values()) {
      for (const id of document.chunkIds) {
        const chunk = this.chunks.get(id)?.chunk;
        if (chunk !== undefined) yield { chunk, document };
      }
    }
  }

  /** {@link search} for callers that work with any {@link IndexReader}. */
  async searchVector(vector: Float32Array, k: number, options: { ef?: number } = {}): Promise<SearchHit[]> {
    const streamed = await this.streamedSearch(vector, k);
    if (streamed !== undefined) return streamed;
    await this.loadVectors();
    return this.search(vector, k, options.ef === undefined ? {} : { ef: options.ef });
  }

  sizeBytes(): Promise<number> {
    return this.diskBytes();
  }

  /** Closes the chunk file a `lazyDocuments` view reads lines from; otherwise the view is plain memory. */
  async close(): Promise<void> {
    this.lines?.close();
  }

  /** The stored vector of a chunk (unit length: the cosine index normalises on insert). */
  vectorOf(chunkId: string): Float32Array | undefined {
    const record = this.chunkMap.get(chunkId);
    return record === undefined ? undefined : this.loadedVectors?.vector(record.label);
  }

  /** Bytes the current generation occupies on disk (manifest and the files it names). */
  async diskBytes(): Promise<number> {
    let total = 0;
    try {
      total += (await stat(join(this.dir, MANIFEST_FILE))).size;
    } catch {
      // A view of an index that was never committed has no manifest yet.
    }
    for (const file of Object.values(this.currentManifest.files)) if (file !== undefined) total += file.bytes;
    return total;
  }

  // --- used by writeIndex only -------------------------------------------------------------

  /** @internal Applies staged operations in order; the view then shows the new state. */
  applyOperations(operations: Iterable<Operation>, dimension: number, graphWork = EXACT_SEARCH_WORK): void {
    const ops = [...operations];
    // The writer awaits loadVectors() first; this only catches a caller that did not.
    if (this.vectorsPending) void this.loadedVectors;
    if (this.pendingChunks !== undefined) this.readChunks(true);
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

  /** @internal Whether commits write BM25 postings (see WriteIndexOptions.lexical). */
  writesLexical = true;

  /** Label → BM25 analysis of the last commit's chunks, kept for the next commit of this writer. */
  private analyzed: Map<number, AnalyzedChunk> | undefined;

  /**
   * The postings file of the chunks now in the view, bound to `chunks` (the chunk file being
   * committed): the previous generation's analysis (or this writer's last commit's) carried over
   * by label, only new chunks analysed.
   */
  private async postingsData(old: Manifest, chunks: ManifestFile): Promise<Buffer> {
    await this.loadChunks();
    const fold = lexicalScriptFold(this.currentManifest.model);
    // Unusable or of another fold: everything is analysed again, which is always correct.
    this.analyzed ??= (this.fresh ? undefined : await previousAnalysis(this.dir, old, fold)) ?? new Map();
    const analyzed = this.analyzed;
    for (const label of [...analyzed.keys()]) if (!this.byLabel.has(label)) analyzed.delete(label);
    let analyze: ((text: string) => AnalyzedChunk) | undefined;
    for (const [label, record] of this.byLabel) {
      if (analyzed.has(label)) continue;
      analyze ??= chunkAnalyzer(fold);
      analyzed.set(label, analyze(record.chunk.text));
    }
    return encodePostings(fold, chunkBinding(chunks), analyzed);
  }

  /**
   * @internal Writes the next generation and switches the manifest to it (write-generation.ts).
   * A commit that fails before the switch (a full disk) removes the files it wrote: an orphan
   * chunks file would otherwise keep the disk full until the next successful commit.
   */
  async commit(init: IndexInit, stats: Buffer | undefined, documentsChanged: boolean, sources?: readonly SourceFileRecord[]): Promise<void> {
    const generation = this.currentManifest.generation + 1;
    try {
      const manifest = await writeGeneration(
        {
          dir: this.dir,
          old: this.currentManifest,
          fresh: this.fresh,
          durable: this.durable,
          writesLexical: this.writesLexical,
          documents: () => this.docs.values(),
          chunkOf: (id) => this.chunks.get(id)!,
          counts: { documents: this.docs.size, chunks: this.chunks.size },
          vectors: this.vectors,
          postingsData: (old, chunks) => this.postingsData(old, chunks),
          sourcesText: (incoming, old) => this.sourcesText(incoming, old),
        },
        { init, stats, documentsChanged, ...(sources === undefined ? {} : { sources }) },
      );
      this.currentManifest = manifest;
      this.fresh = false;
      if (stats !== undefined) this.stats = stats;
      await removeUnreferenced(this.dir, manifest);
      crashPoint('cleaned');
    } catch (error) {
      await discardGeneration(this.dir, generation);
      throw error;
    }
  }

  /**
   * @internal The sources file for the documents now in the view: `incoming` records over those of
   * the previous generation (by path), keeping only records whose documents are all stored as
   * they list them. Undefined when none is left.
   */
  async sourcesText(incoming: readonly SourceFileRecord[] | undefined, old: Manifest = this.currentManifest): Promise<string | undefined> {
    const tool = packageVersion();
    const byPath = new Map<string, SourceFileRecord>();
    if (old.files.sources !== undefined && !this.fresh) {
      // Unreadable, or from another rag version: dropped, which only means the next run loads those files.
      const previous = await readFile(join(this.dir, old.files.sources.name), 'utf8').then(parseSources).catch(() => undefined);
      if (previous !== undefined && previous.tool === tool) for (const record of previous.files) byPath.set(record.path, record);
    }
    for (const record of incoming ?? []) byPath.set(record.path, record);
    const files = [...byPath.values()].filter((record) => recordHolds(record, (id) => this.docs.get(id)));
    return files.length === 0 ? undefined : serializeSources({ tool, files });
  }

  /** @internal Whether committing `incoming` would change the stored sources file. */
  async sourcesDiffer(incoming: readonly SourceFileRecord[]): Promise<boolean> {
    const text = await this.sourcesText(incoming);
    const stored = this.currentManifest.files.sources?.checksum;
    return text === undefined ? stored !== undefined : stored !== sha256Of(text);
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

