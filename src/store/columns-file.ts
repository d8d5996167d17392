/**
 * columns-<gen>.bin: the non-zero entries of a generation's vectors, by column, written next to
 * vectors-<gen>.f32 when the vectors are sparse (the built-in `hash` model: ~7% of 4,096
 * components). A one-shot query then reads the column index and only the columns where the query
 * is non-zero — a few hundred KB — instead of scanning the 107 MB vector file of SciFact
 * (issue 14). The vector file stays the source of truth; this one is derived and optional
 * (indexes of dense models, and older indexes, have none), like the BM25 postings.
 *
 * Layout (little-endian):
 *
 *   offset 0   8 bytes      magic "RAGCOLS\0"
 *   offset 8   u32          file format (1)
 *   offset 12  u32          dimension d
 *   offset 16  u32          rows n
 *   offset 20  u32          entries e (non-zero components in all rows)
 *   offset 24  n × u32      labels, row order (the vector file's)
 *   then       (d+1) × u32  column offsets: column c is entries offsets[c] up to offsets[c+1]
 *   then       e × (u32 row, f32 value)
 *
 * Scores are the sums the row scan makes for a sparse query (exact-scan.ts sparseDots), term by
 * term in the query's position order, so hits and ties are the same whichever file answered.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { writeFileAtomicStream, type AtomicWriteOptions } from './atomic.js';
import { nonZeros, normalized, topOfScores, type LabelHit } from './exact-scan.js';
import { readFully } from './file-io.js';
import { type SparseColumns } from './sparse-columns.js';

const MAGIC = Buffer.from('RAGCOLS\0', 'latin1');
const FILE_FORMAT = 1;
const HEADER_BYTES = 24;
const ENTRY_BYTES = 8;
/** Column reads closer than this are merged into one read: fewer system calls for the same bytes. */
const MERGE_GAP_BYTES = 16 << 10;
/** Typed-array views share the machine's byte order; the file is little-endian. */
const NATIVE_LE = endianness() === 'LE';

/** The generation a data file name belongs to (`vectors-7.f32` → 7). */
export function generationOf(name: string): number | undefined {
  const match = /-(\d+)\.[a-z0-9]+$/.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** Writes `columns` of rows labelled `labels` atomically; returns the file's size and checksum. */
export async function writeColumnsFile(
  path: string,
  dimension: number,
  labels: readonly number[],
  columns: SparseColumns,
  options: AtomicWriteOptions = {},
): Promise<{ bytes: number; checksum: string }> {
  const n = labels.length;
  const e = columns.rowOf.length;
  if (columns.rows !== n || columns.offsets.length !== dimension + 1) throw new Error('columns do not match the rows they index');
  const head = Buffer.alloc(HEADER_BYTES + 4 * n + 4 * (dimension + 1));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FILE_FORMAT, 8);
  head.writeUInt32LE(dimension, 12);
  head.writeUInt32LE(n, 16);
  head.writeUInt32LE(e, 20);
  let at = HEADER_BYTES;
  for (let i = 0; i < n; i++, at += 4) head.writeUInt32LE(labels[i]!, at);
  for (let c = 0; c <= dimension; c++, at += 4) head.writeUInt32LE(columns.offsets[c]!, at);
  const entries = Buffer.allocUnsafe(ENTRY_BYTES * e);
  for (let p = 0; p < e; p++) {
    entries.writeUInt32LE(columns.rowOf[p]!, ENTRY_BYTES * p);
    entries.writeFloatLE(columns.values[p]!, ENTRY_BYTES * p + 4);
  }
  return writeFileAtomicStream(path, [head, entries], options);
}

/** How {@link searchColumnsFile} may read the file. */
export interface ColumnReads {
  /**
   * The file's bytes were verified against their checksum before and have not changed since
   * (verified-files.ts): read only the columns the query needs. Otherwise the file is read whole
   * and given to `onBytes` (the caller's checksum) before any of it is parsed; what it throws
   * propagates.
   */
  trusted: boolean;
  onBytes?: (bytes: Buffer) => void;
}

/**
 * The exact top-`k` of a sparse query from a column file; undefined when the query is too dense
 * for columns (a quarter or more of its components non-zero: the row scan is the faster path then,
 * as in the in-memory search). Throws (a message for "index damaged") when the file is not one,
 * does not match the index, or its structure is broken.
 */
export async function searchColumnsFile(
  path: string,
  dimension: number,
  liveLabels: Iterable<number>,
  query: Float32Array,
  k: number,
  reads: ColumnReads,
): Promise<LabelHit[] | undefined> {
  if (query.length !== dimension) throw new Error(`query vector has dimension ${query.length}, index expects ${dimension}`);
  const { positions, values } = nonZeros(normalized(query));
  if (positions.length >= dimension / 4) return undefined;
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const whole = reads.trusted ? undefined : Buffer.allocUnsafeSlow(size);
    if (whole !== undefined) {
      await readFully(handle, whole, 0);
      reads.onBytes?.(whole);
    }
    const readAt = async (position: number, length: number): Promise<Buffer> => {
      if (position + length > size) throw new Error('ends early (truncated)');
      if (whole !== undefined) return whole.subarray(position, position + length);
      const buffer = Buffer.allocUnsafe(length);
      await readFully(handle, buffer, position);
      return buffer;
    };

    const header = await readAt(0, HEADER_BYTES);
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('is not a rag column file');
    const format = header.readUInt32LE(8);
    if (format !== FILE_FORMAT) throw new Error(`has column file format ${format}, expected ${FILE_FORMAT}`);
    const d = header.readUInt32LE(12);
    if (d !== dimension) throw new Error(`holds ${d}-dimensional columns, expected ${dimension}`);
    const n = header.readUInt32LE(16);
    const e = header.readUInt32LE(20);
    const entriesAt = HEADER_BYTES + 4 * n + 4 * (d + 1);
    const expectedBytes = entriesAt + ENTRY_BYTES * e;
    if (size !== expectedBytes) throw new Error(`is ${size} bytes but its header says ${expectedBytes}`);

    const index = await readAt(HEADER_BYTES, 4 * n + 4 * (d + 1));
    const labels = new Array<number>(n);
    const present = new Set<number>();
    for (let i = 0; i < n; i++) present.add((labels[i] = index.readUInt32LE(4 * i)));
    if (present.size !== n) throw new Error('repeats a label');
    let live = 0;
    for (const label of liveLabels) {
      if (!present.has(label)) throw new Error(`has no column entries for label ${label}`);
      live++;
    }
    if (live !== n) throw new Error(`covers ${n} vectors but the chunk file has ${live} chunks`);
    const offsetAt = (c: number): number => index.readUInt32LE(4 * n + 4 * c);
    if (offsetAt(0) !== 0 || offsetAt(d) !== e) throw new Error('has column offsets that do not cover its entries');

    // The byte ranges of the query's columns, merged where they are close.
    const ranges: Array<{ from: number; to: number }> = [];
    for (let j = 0; j < positions.length; j++) {
      const c = positions[j]!;
      const from = offsetAt(c);
      const to = offsetAt(c + 1);
      if (to < from || to > e) throw new Error(`has broken offsets for column ${c}`);
      if (to > from) ranges.push({ from, to });
    }
    ranges.sort((a, b) => a.from - b.from);
    const merged: Array<{ from: number; to: number }> = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last !== undefined && (range.from - last.to) * ENTRY_BYTES <= MERGE_GAP_BYTES) last.to = Math.max(last.to, range.to);
      else merged.push({ ...range });
    }
    const pieces = await Promise.all(merged.map((r) => readAt(entriesAt + ENTRY_BYTES * r.from, ENTRY_BYTES * (r.to - r.from))));
    const entryReader = (p: number): { buffer: Buffer; at: number } => {
      // Binary search over the merged ranges (sorted, disjoint) for the piece holding entry p.
      let lo = 0;
      let hi = merged.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (merged[mid]!.from <= p) lo = mid;
        else hi = mid - 1;
      }
      return { buffer: pieces[lo]!, at: ENTRY_BYTES * (p - merged[lo]!.from) };
    };

    const scores = new Float64Array(n);
    for (let j = 0; j < positions.length; j++) {
      const c = positions[j]!;
      const from = offsetAt(c);
      const to = offsetAt(c + 1);
      if (to === from) continue;
      const w = values[j]!;
      const { buffer, at } = entryReader(from);
      const count = to - from;
      if (NATIVE_LE && (buffer.byteOffset + at) % 4 === 0) {
        // Typed views of the entries: no per-entry decoding call (the file is little-endian).
        const rowsOf = new Uint32Array(buffer.buffer, buffer.byteOffset + at, 2 * count);
        const valuesOf = new Float32Array(buffer.buffer, buffer.byteOffset + at, 2 * count);
        for (let p = 0; p < 2 * count; p += 2) {
          const row = rowsOf[p]!;
          if (row >= n) throw new Error(`has an entry for row ${row} of ${n}`);
          scores[row]! += w * valuesOf[p + 1]!;
        }
      } else {
        for (let p = 0; p < count; p++) {
          const row = buffer.readUInt32LE(at + ENTRY_BYTES * p);
          if (row >= n) throw new Error(`has an entry for row ${row} of ${n}`);
          scores[row]! += w * buffer.readFloatLE(at + ENTRY_BYTES * p + 4);
        }
      }
    }
    const limit = Math.min(Math.floor(k), n);
    return limit <= 0 ? [] : topOfScores(scores, labels, n, limit);
  } finally {
    await closeQuietly(handle);
  }
}

async function closeQuietly(handle: FileHandle): Promise<void> {
  await handle.close().catch(() => undefined);
}
