/**
 * vectors-<gen>.f32: every live vector of a generation, unit-normalised, as plain float32 rows.
 * This is the source of truth for vectors (exact search, `vectorOf`, building the HNSW graph);
 * the graph is only an accelerator built once an index is too big to scan (see vector-store.ts).
 *
 * Layout (little-endian):
 *
 *   offset 0   8 bytes  magic "RAGVECS\0"
 *   offset 8   u32      file format (1)
 *   offset 12  u32      dimension d
 *   offset 16  u32      count n
 *   offset 20  u32      reserved (0)
 *   offset 24  n × u32  labels, row order
 *   then       n × d × f32  the rows
 *
 * Rows start at a multiple of 4, so a read is one Buffer read and a Float32Array view of it
 * (no per-element parsing). Exact size = 24 + 4n + 4nd, which the manifest's byte count and
 * the reader both check.
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { writeFileAtomicStream, type AtomicWriteOptions } from './atomic.js';
import { nonZeroCount, normalized, scanTopK, type LabelHit } from './exact-scan.js';
import { readFully } from './file-io.js';
import { SimdDots } from './simd-dots.js';
import { SparseColumns } from './sparse-columns.js';

const MAGIC = Buffer.from('RAGVECS\0', 'latin1');
const FILE_FORMAT = 1;
const HEADER_BYTES = 24;
/** Typed-array views share the machine's byte order; the file is little-endian. */
const NATIVE_LE = endianness() === 'LE';

/** Exact searches of one unchanged matrix before its columns are built: a one-shot query never pays for them. */
const COLUMNS_AFTER_SEARCHES = 8;

/**
 * Unit vectors by label in one contiguous row-major matrix. Removing a label moves the last row
 * into its place, so the matrix stays dense and a scan never skips holes.
 */
export class FlatVectors {
  readonly dimension: number;
  /** Row → label. */
  private rowLabels: number[];
  private readonly rowOf: Map<number, number>;
  /** Row-major; its length is the capacity in rows × dimension. */
  private data: Float32Array;
  /** Bumped by every change to `data`, so the SIMD kernel knows when its copy is stale. */
  private version = 0;
  /** Created by the first dense scan; null where WebAssembly SIMD is unavailable. */
  private simd: SimdDots | null | undefined;
  /** Sparse-query searches since the last change, and the columns once built (null: rows too dense). */
  private sparseSearches = { version: -1, count: 0 };
  private columns: { version: number; columns: SparseColumns | null } | undefined;

  private constructor(dimension: number, labels: number[], data: Float32Array) {
    this.dimension = dimension;
    this.rowLabels = labels;
    this.data = data;
    this.rowOf = new Map(labels.map((label, row) => [label, row]));
  }

  /** An empty set of `dimension`-dimensional vectors. */
  static create(dimension: number): FlatVectors {
    return new FlatVectors(dimension, [], new Float32Array(0));
  }

  /** The given (label, vector) pairs, normalised; used to carry format-1 indexes (vectors in the graph only) over. */
  static from(dimension: number, entries: Iterable<[number, Float32Array]>): FlatVectors {
    const flat = FlatVectors.create(dimension);
    for (const [label, vector] of entries) flat.add(label, vector);
    return flat;
  }

  /**
   * Reads a file written by {@link write}. `liveLabels` are the labels the chunk file uses: the
   * file must hold exactly those. Throws a plain Error saying what does not fit (the caller
   * turns it into a user-facing "damaged" message).
   */
  static async read(path: string, dimension: number, liveLabels: Iterable<number>): Promise<FlatVectors> {
    return FlatVectors.parse(await readWhole(path), dimension, liveLabels);
  }

  /**
   * {@link read} without awaiting: for an index whose vectors are loaded on first use by a
   * synchronous caller (`IndexStore.search`, `vectorOf`).
   */
  static readSync(path: string, dimension: number, liveLabels: Iterable<number>): FlatVectors {
    return FlatVectors.parse(readFileSync(path), dimension, liveLabels);
  }

  private static parse(buffer: Buffer, dimension: number, liveLabels: Iterable<number>): FlatVectors {
    if (buffer.length < HEADER_BYTES || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('is not a rag vector file');
    const format = buffer.readUInt32LE(8);
    if (format !== FILE_FORMAT) throw new Error(`has vector file format ${format}, expected ${FILE_FORMAT}`);
    const d = buffer.readUInt32LE(12);
    if (d !== dimension) throw new Error(`holds ${d}-dimensional vectors, expected ${dimension}`);
    const n = buffer.readUInt32LE(16);
    const expectedBytes = HEADER_BYTES + 4 * n + 4 * n * d;
    if (buffer.length !== expectedBytes) throw new Error(`is ${buffer.length} bytes but its header says ${expectedBytes}`);

    const labels = new Array<number>(n);
    for (let i = 0; i < n; i++) labels[i] = buffer.readUInt32LE(HEADER_BYTES + 4 * i);
    const flat = new FlatVectors(d, labels, new Float32Array(0));
    if (flat.rowOf.size !== n) throw new Error('repeats a label');
    let live = 0;
    for (const label of liveLabels) {
      if (!flat.rowOf.has(label)) throw new Error(`has no vector for label ${label}`);
      live++;
    }
    if (live !== n) throw new Error(`holds ${n} vectors but the chunk file has ${live} chunks`);

    const offset = HEADER_BYTES + 4 * n;
    if (NATIVE_LE && (buffer.byteOffset + offset) % 4 === 0) {
      // A view, not a copy: the file's bytes are the matrix.
      flat.data = new Float32Array(buffer.buffer, buffer.byteOffset + offset, n * d);
    } else {
      const data = new Float32Array(n * d);
      for (let i = 0; i < data.length; i++) data[i] = buffer.readFloatLE(offset + 4 * i);
      flat.data = data;
    }
    return flat;
  }

  /** Live vectors. */
  get size(): number {
    return this.rowLabels.length;
  }

  has(label: number): boolean {
    return this.rowOf.has(label);
  }

  /** Live labels in row order. */
  labels(): readonly number[] {
    return this.rowLabels;
  }

  /** Makes room for `additional` more rows without reallocating per add (grows geometrically). */
  reserve(additional: number): void {
    const neededRows = this.size + Math.max(0, additional);
    if (neededRows * this.dimension <= this.data.length) return;
    const rows = Math.max(neededRows, Math.ceil((this.data.length / Math.max(1, this.dimension)) * 1.5), 64);
    const grown = new Float32Array(rows * this.dimension);
    grown.set(this.data.subarray(0, this.size * this.dimension));
    this.data = grown;
  }

  /** Stores the unit-length version of `vector` under a new label. */
  add(label: number, vector: Float32Array): void {
    this.version++;
    if (vector.length !== this.dimension) {
      throw new Error(`vector has dimension ${vector.length}, index expects ${this.dimension}`);
    }
    if (this.rowOf.has(label)) throw new Error(`label ${label} is already in use`);
    this.reserve(1);
    const row = this.size;
    this.data.set(normalized(vector), row * this.dimension);
    this.rowLabels.push(label);
    this.rowOf.set(label, row);
  }

  /** Forgets a label (no-op if absent). */
  remove(label: number): void {
    this.version++;
    const row = this.rowOf.get(label);
    if (row === undefined) return;
    this.rowOf.delete(label);
    const last = this.size - 1;
    if (row !== last) {
      const d = this.dimension;
      this.data.copyWithin(row * d, last * d, (last + 1) * d);
      const moved = this.rowLabels[last]!;
      this.rowLabels[row] = moved;
      this.rowOf.set(moved, row);
    }
    this.rowLabels.pop();
  }

  /** A copy of the stored (unit-length) vector of a live label. */
  vector(label: number): Float32Array | undefined {
    const row = this.rowOf.get(label);
    if (row === undefined) return undefined;
    return this.data.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  /** The stored vector of a live label without copying (valid until the next change). */
  view(label: number): Float32Array | undefined {
    const row = this.rowOf.get(label);
    if (row === undefined) return undefined;
    return this.data.subarray(row * this.dimension, (row + 1) * this.dimension);
  }

  /** Mean non-zero components per stored vector (0 when empty): how sparse this model's vectors are. */
  meanNonZeros(): number {
    if (this.size === 0) return 0;
    const used = this.data.subarray(0, this.size * this.dimension);
    let n = 0;
    for (let i = 0; i < used.length; i++) if (used[i] !== 0) n++;
    return n / this.size;
  }

  /** Exact top-k by scanning all vectors. Ties break by label for stable output. */
  exactSearch(query: Float32Array, k: number, filter?: (label: number) => boolean): LabelHit[] {
    if (query.length !== this.dimension) {
      throw new Error(`query vector has dimension ${query.length}, index expects ${this.dimension}`);
    }
    const limit = Math.min(Math.floor(k), this.size);
    if (limit <= 0) return [];
    if (this.simd === undefined) this.simd = SimdDots.create() ?? null;
    const simd = this.simd === null ? undefined : { kernel: this.simd, version: this.version };
    return scanTopK(query, limit, this.rowLabels, this.data, this.dimension, filter, simd, this.columnsFor(query));
  }

  /** The columns of the rows as they are now, for a sparse query, once this matrix has had enough sparse searches unchanged. */
  private columnsFor(query: Float32Array): SparseColumns | undefined {
    if (nonZeroCount(query) >= this.dimension / 4) return undefined;
    if (this.columns?.version === this.version) return this.columns.columns ?? undefined;
    this.columns = undefined; // stale: the rows changed
    if (this.sparseSearches.version !== this.version) this.sparseSearches = { version: this.version, count: 0 };
    if (++this.sparseSearches.count <= COLUMNS_AFTER_SEARCHES) return undefined;
    this.columns = { version: this.version, columns: SparseColumns.build(this.data, this.dimension, this.size) ?? null };
    return this.columns.columns ?? undefined;
  }

  /**
   * The rows as they are now by column, for the column file a commit writes next to the vector
   * file (columns-file.ts); undefined when they are too dense for columns to pay.
   */
  sparseColumns(): SparseColumns | undefined {
    if (this.columns?.version !== this.version) {
      this.columns = { version: this.version, columns: SparseColumns.build(this.data, this.dimension, this.size) ?? null };
    }
    return this.columns.columns ?? undefined;
  }

  /** Bytes {@link write} produces. */
  get fileBytes(): number {
    return HEADER_BYTES + 4 * this.size + 4 * this.size * this.dimension;
  }

  /** Writes the file atomically (temp + fsync + rename); returns its size in bytes and checksum. */
  async write(path: string, options: AtomicWriteOptions = {}): Promise<{ bytes: number; checksum: string }> {
    const n = this.size;
    const d = this.dimension;
    const header = Buffer.alloc(HEADER_BYTES + 4 * n);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(FILE_FORMAT, 8);
    header.writeUInt32LE(d, 12);
    header.writeUInt32LE(n, 16);
    header.writeUInt32LE(0, 20);
    for (let i = 0; i < n; i++) header.writeUInt32LE(this.rowLabels[i]!, HEADER_BYTES + 4 * i);
    const rows = this.data.subarray(0, n * d);
    let body: Buffer;
    if (NATIVE_LE) {
      body = Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength);
    } else {
      body = Buffer.alloc(rows.byteLength);
      for (let i = 0; i < rows.length; i++) body.writeFloatLE(rows[i]!, 4 * i);
    }
    return writeFileAtomicStream(path, [header, body], options);
  }
}

/** Rows read per block by {@link scanVectorFile}: about 8 MiB whatever the dimension. */
const SCAN_BLOCK_BYTES = 8 << 20;
/** Distinct SIMD copy versions for streamed blocks (never those of an in-memory matrix, which count up from 0). */
let streamVersion = -1;

/**
 * {@link FlatVectors.exactSearch} straight from a vector file, a block of rows at a time, for a
 * one-shot search: memory holds one ~8 MiB block instead of the whole matrix (SciFact with `hash`:
 * 107 MB). The same checks as {@link FlatVectors.read}, the same dot products per row and the
 * same tie order (by label, independent of row order), so the same hits.
 */
export async function scanVectorFile(
  path: string,
  dimension: number,
  liveLabels: Iterable<number>,
  query: Float32Array,
  k: number,
  /** Sees every byte of the file once, in order (the caller's checksum of what was scanned). */
  onBytes?: (bytes: Buffer) => void,
): Promise<LabelHit[]> {
  if (query.length !== dimension) throw new Error(`query vector has dimension ${query.length}, index expects ${dimension}`);
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('is not a rag vector file');
    onBytes?.(header);
    const format = header.readUInt32LE(8);
    if (format !== FILE_FORMAT) throw new Error(`has vector file format ${format}, expected ${FILE_FORMAT}`);
    const d = header.readUInt32LE(12);
    if (d !== dimension) throw new Error(`holds ${d}-dimensional vectors, expected ${dimension}`);
    const n = header.readUInt32LE(16);
    const expectedBytes = HEADER_BYTES + 4 * n + 4 * n * d;
    if (size !== expectedBytes) throw new Error(`is ${size} bytes but its header says ${expectedBytes}`);
    const labelBytes = Buffer.allocUnsafe(4 * n);
    await readFully(handle, labelBytes, HEADER_BYTES);
    onBytes?.(labelBytes);
    const labels = new Array<number>(n);
    const present = new Set<number>();
    for (let i = 0; i < n; i++) present.add((labels[i] = labelBytes.readUInt32LE(4 * i)));
    if (present.size !== n) throw new Error('repeats a label');
    let live = 0;
    for (const label of liveLabels) {
      if (!present.has(label)) throw new Error(`has no vector for label ${label}`);
      live++;
    }
    if (live !== n) throw new Error(`holds ${n} vectors but the chunk file has ${live} chunks`);

    const limit = Math.min(Math.floor(k), n);
    if (limit <= 0) return [];
    const blockRows = Math.max(1, Math.floor(SCAN_BLOCK_BYTES / (4 * d)));
    const block = Buffer.allocUnsafeSlow(Math.min(blockRows, n) * 4 * d);
    // The kernel exactly when the in-memory scan of all n rows would use it: the same sums.
    const kernel = SimdDots.supports(d, n) ? SimdDots.create() : undefined;
    let best: LabelHit[] = [];
    for (let first = 0; first < n; first += blockRows) {
      const rows = Math.min(blockRows, n - first);
      const bytes = block.subarray(0, rows * 4 * d);
      await readFully(handle, bytes, HEADER_BYTES + 4 * n + 4 * d * first);
      onBytes?.(bytes);
      let data: Float32Array;
      if (NATIVE_LE) data = new Float32Array(bytes.buffer, bytes.byteOffset, rows * d);
      else {
        data = new Float32Array(rows * d);
        for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
      }
      const simd = kernel === undefined ? undefined : { kernel, version: streamVersion-- };
      const hits = scanTopK(query, Math.min(limit, rows), labels.slice(first, first + rows), data, d, undefined, simd);
      best = best.concat(hits).sort((a, b) => b.similarity - a.similarity || a.label - b.label).slice(0, limit);
    }
    return best;
  } finally {
    await handle.close();
  }
}

/**
 * The whole file in one read into one allocation. fs.readFile reads in 512 KiB pieces: on
 * SciFact's 107 MB vector file it took ~240 ms where this takes ~180 ms.
 */
async function readWhole(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafeSlow(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    // A file that shrank under us reads short: return what is there and let the size checks say so.
    return offset === size ? buffer : buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

