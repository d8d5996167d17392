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
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { replaceFileAtomic, type AtomicWriteOptions } from './atomic.js';
import { SimdDots } from './simd-dots.js';

const MAGIC = Buffer.from('RAGVECS\0', 'latin1');
const FILE_FORMAT = 1;
const HEADER_BYTES = 24;
/** Typed-array views share the machine's byte order; the file is little-endian. */
const NATIVE_LE = endianness() === 'LE';

/** One result of a vector search: the label and how similar it is (cosine, higher is better). */
export interface LabelHit {
  label: number;
  /** Cosine similarity in [-1, 1]; 1 is the same direction. */
  similarity: number;
}

/** Returns a unit-length copy of `v` (the zero vector stays zero). */
export function normalized(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

/** Number of non-zero components of `v`. */
export function nonZeroCount(v: Float32Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) n++;
  return n;
}

/**
 * Exact top-`k` over `rows` (row-major unit vectors of dimension `d`, labelled by `labels`).
 * Ties break by label, so the result does not depend on row order.
 */
export function scanTopK(
  query: Float32Array,
  k: number,
  labels: ArrayLike<number>,
  rows: Float32Array,
  d: number,
  filter?: (label: number) => boolean,
  /** The WebAssembly kernel with the version of `rows` it may have copied (see simd-dots.ts). */
  simd?: { kernel: SimdDots; version: number },
  /** `rows` by column, when the caller keeps them (see {@link SparseColumns}). */
  columns?: SparseColumns,
): LabelHit[] {
  const q = normalized(query);
  const n = labels.length;
  if (scores.length < n) scores = new Float64Array(Math.max(n, 2 * scores.length));
  // Lexical models (the built-in `hash`) give queries with a few hundred non-zero components
  // out of thousands: visiting only those makes the scan an order of magnitude cheaper.
  const { positions, values } = nonZeros(q);
  if (positions.length < d / 4) {
    if (columns !== undefined && columns.rows === n) columns.dots(positions, values, scores);
    else sparseDots(positions, values, rows, d, n, scores);
  }
  else if (simd !== undefined && SimdDots.supports(d, n)) simd.kernel.dots(q, rows, d, n, simd.version, scores);
  else denseDots(q, rows, d, n, scores);
  return topOfScores(scores, labels, n, k, filter);
}

/**
 * The `k` best (similarity, then lower label) of `n` scores, best first. A binary heap with the
 * worst kept hit at its root: a row that does not beat the root costs one comparison, and one
 * that does costs log k (eval asks for k = 200, where a sorted insert list spent a third of the scan).
 */
export function topOfScores(scores: Float64Array, labels: ArrayLike<number>, n: number, k: number, filter?: (label: number) => boolean): LabelHit[] {
  const sims = new Float64Array(k);
  const heapLabels = new Float64Array(k);
  let size = 0;
  // a is worse than b: lower similarity, or equal similarity and a higher label.
  const worse = (i: number, j: number): boolean => sims[i]! < sims[j]! || (sims[i] === sims[j] && heapLabels[i]! > heapLabels[j]!);
  const swap = (i: number, j: number): void => {
    const s = sims[i]!;
    sims[i] = sims[j]!;
    sims[j] = s;
    const l = heapLabels[i]!;
    heapLabels[i] = heapLabels[j]!;
    heapLabels[j] = l;
  };
  for (let row = 0; row < n; row++) {
    const dot = scores[row]!;
    const label = labels[row]!;
    if (size === k && !(dot > sims[0]! || (dot === sims[0] && label < heapLabels[0]!))) continue;
    if (filter !== undefined && !filter(label)) continue;
    if (size < k) {
      let i = size++;
      sims[i] = dot;
      heapLabels[i] = label;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
      continue;
    }
    sims[0] = dot;
    heapLabels[0] = label;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && worse(right, left) ? right : left;
      if (!worse(child, i)) break;
      swap(child, i);
      i = child;
    }
  }
  const top: LabelHit[] = [];
  for (let i = 0; i < size; i++) top.push({ label: heapLabels[i]!, similarity: sims[i]! });
  return top.sort((a, b) => b.similarity - a.similarity || a.label - b.label);
}

/** Scratch space for one scan's similarities (scans are synchronous, so one buffer serves all). */
let scores = new Float64Array(1024);

/**
 * out[row] = q · rows[row]. Four independent sums let V8's code overlap the multiply-adds: 1.5×
 * faster than one running sum (`npm run bench:scan`). The sum order is fixed, so results are
 * the same on every run.
 */
function denseDots(q: Float32Array, rows: Float32Array, d: number, n: number, out: Float64Array): void {
  const tail = d - (d % 4);
  for (let row = 0, base = 0; row < n; row++, base += d) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      s0 += q[i]! * rows[base + i]!;
      s1 += q[i + 1]! * rows[base + i + 1]!;
      s2 += q[i + 2]! * rows[base + i + 2]!;
      s3 += q[i + 3]! * rows[base + i + 3]!;
    }
    for (; i < d; i++) s0 += q[i]! * rows[base + i]!;
    out[row] = s0 + s1 + (s2 + s3);
  }
}

function sparseDots(positions: Int32Array, values: Float32Array, rows: Float32Array, d: number, n: number, out: Float64Array): void {
  for (let row = 0, base = 0; row < n; row++, base += d) {
    let dot = 0;
    for (let j = 0; j < positions.length; j++) dot += values[j]! * rows[base + positions[j]!]!;
    out[row] = dot;
  }
}

/**
 * The non-zero entries of row-major rows, stored by column (compressed sparse columns). A sparse
 * query against sparse rows (the built-in `hash` model: a few hundred non-zero components of
 * 4,096 on both sides) then reads only the entries where both are non-zero, instead of every
 * row at every query position: for the 300 queries of one eval row on SciFact the scan was 19 ms
 * a query. The sums are the ones {@link sparseDots} makes, term by term in the same order (a
 * skipped zero entry only adds ±0), so results do not depend on which path ran.
 */
export class SparseColumns {
  private constructor(
    readonly rows: number,
    /** Column c's entries are `offsets[c]` up to `offsets[c + 1]` (d + 1 entries). */
    readonly offsets: Int32Array,
    /** Each entry's row. */
    readonly rowOf: Int32Array,
    /** Each entry's value. */
    readonly values: Float32Array,
  ) {}

  /** The columns of the first `n` rows, or undefined when they are not sparse enough to pay (over a quarter non-zero). */
  static build(data: Float32Array, d: number, n: number): SparseColumns | undefined {
    const limit = (n * d) / 4;
    // One pass over the rows collects their non-zero entries (row-major); the second places those
    // entries only, by column. Rows denser than a quarter stop the pass as soon as that is certain.
    let cols = new Int32Array(Math.max(1024, Math.min(limit, 1 << 20)));
    let vals = new Float32Array(cols.length);
    const rowEnd = new Int32Array(n);
    const counts = new Int32Array(d + 1);
    let nonZero = 0;
    for (let row = 0, base = 0; row < n; row++, base += d) {
      if (nonZero + d > cols.length) {
        const grownCols = new Int32Array(Math.max(2 * cols.length, nonZero + d));
        grownCols.set(cols.subarray(0, nonZero));
        cols = grownCols;
        const grownVals = new Float32Array(cols.length);
        grownVals.set(vals.subarray(0, nonZero));
        vals = grownVals;
      }
      for (let c = 0; c < d; c++) {
        const x = data[base + c]!;
        if (x === 0) continue;
        cols[nonZero] = c;
        vals[nonZero++] = x;
        counts[c + 1]!++;
      }
      rowEnd[row] = nonZero;
      if (nonZero >= limit) return undefined;
    }
    for (let c = 0; c < d; c++) counts[c + 1]! += counts[c]!;
    const offsets = Int32Array.from(counts);
    const fill = counts.subarray(0, d);
    const rowOf = new Int32Array(nonZero);
    const values = new Float32Array(nonZero);
    for (let row = 0, p = 0; row < n; row++) {
      for (const end = rowEnd[row]!; p < end; p++) {
        const at = fill[cols[p]!]!++;
        rowOf[at] = row;
        values[at] = vals[p]!;
      }
    }
    return new SparseColumns(n, offsets, rowOf, values);
  }

  /** out[row] = Σⱼ values[j] · rows[row][positions[j]] for every row. */
  dots(positions: Int32Array, queryValues: Float32Array, out: Float64Array): void {
    out.fill(0, 0, this.rows);
    const { offsets, rowOf, values } = this;
    for (let j = 0; j < positions.length; j++) {
      const w = queryValues[j]!;
      const c = positions[j]!;
      for (let p = offsets[c]!, end = offsets[c + 1]!; p < end; p++) out[rowOf[p]!]! += w * values[p]!;
    }
  }
}

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

  /** Writes the file atomically (temp + fsync + rename); returns its size in bytes. */
  async write(path: string, options: AtomicWriteOptions = {}): Promise<number> {
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
    await replaceFileAtomic(
      path,
      async (temp) => {
        const handle = await open(temp, 'w');
        try {
          await writeAll(handle, header);
          await writeAll(handle, body);
        } finally {
          await handle.close();
        }
      },
      options,
    );
    return header.length + body.length;
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

export async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, position + offset);
    if (bytesRead === 0) throw new Error('ends early (truncated while being read)');
    offset += bytesRead;
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

export async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

/** The positions and values of `v`'s non-zero components, in position order. */
export function nonZeros(v: Float32Array): { positions: Int32Array; values: Float32Array } {
  const n = nonZeroCount(v);
  const positions = new Int32Array(n);
  const values = new Float32Array(n);
  for (let i = 0, j = 0; i < v.length; i++) {
    if (v[i] !== 0) {
      positions[j] = i;
      values[j++] = v[i]!;
    }
  }
  return { positions, values };
}

