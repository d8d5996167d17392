/**
 * lexical-<gen>.bin: the BM25 postings of one generation, laid out so that a query reads the
 * dictionary and its own terms' posting lists and decodes nothing else. Parsing the JSON form
 * (lexical-<gen>.json, lexical-file.ts) was most of a one-shot `rag query --mode bm25` on
 * SciFact: 40 ms of parse plus as much garbage collection (issue 14).
 *
 * Little-endian throughout; every section starts at a multiple of 4.
 *
 *   0  magic "RAGLEXB\n"
 *   8  u32 format ({@link POSTINGS_FORMAT})      12  u32 analyzer (ANALYZER_VERSION)
 *  16  u32 N, chunks                             20  u32 T, distinct terms
 *  24  f64 total token count of the N chunks (exact: an integer below 2^53)
 *  32  u32 bytes of the script fold name         36  u32 bytes of the chunk binding
 *  40  u32 bytes of the term text section        44  u32 bytes of the posting section
 *  48  script fold (UTF-8), chunk binding (UTF-8), zero padding to a multiple of 4
 *      labels          u32[N]    entry i is the chunk with this vector label, ascending
 *      lengths         u32[N]    entry i's token count, the |d| of BM25
 *      term offsets    u32[T+1]  into the term text; terms in JavaScript's string order (UTF-16 code units)
 *      posting offsets u32[T+1]  into the posting section
 *      term text       the terms' UTF-8 bytes, back to back
 *      postings        per term: df, then df pairs (entry − previous entry, tf), LEB128 varints
 *
 * Everything before the posting section is the dictionary ({@link dictionaryBytes}): one read of
 * it and one per query term suffice. The chunk binding names the chunk file the postings were
 * analysed from (its manifest checksum): an older rag that rewrites the chunks carries this file
 * over unchanged in the manifest, and the binding is how a reader sees it no longer applies.
 */
import { endianness } from 'node:os';
import { isScriptFold, type ScriptFold } from '../text/script-fold.js';
import type { AnalyzedChunk } from './lexical-file.js';
import { ANALYZER_VERSION } from './lexical-file.js';

export const POSTINGS_FORMAT = 1;
const MAGIC = Buffer.from('RAGLEXB\n', 'latin1');
const HEADER_BYTES = 48;

/** A postings file that does not hold together: the caller reports its index as damaged. */
export class PostingsFileError extends Error {}

/** The fixed part of a postings file, enough to know how much of the file is dictionary. */
export interface PostingsHeader {
  format: number;
  analyzer: number;
  count: number;
  terms: number;
  totalLength: number;
  scriptFold: string;
  binding: string;
  /** Bytes of the term text (without its padding). */
  termBytes: number;
  /** Bytes from the start of the file to the posting section. */
  dictionaryBytes: number;
  /** The whole file's size as the header describes it. */
  fileBytes: number;
}

/** Bytes that hold the header of any file: read this much first, then {@link PostingsHeader.dictionaryBytes}. */
export const HEADER_PROBE_BYTES = 4096;

/**
 * The file for `chunks` (label → analysis), entries in ascending label order, bound to the chunk
 * file `binding` names (see the module comment).
 */
export function encodePostings(scriptFold: ScriptFold, binding: string, chunks: ReadonlyMap<number, AnalyzedChunk>): Buffer {
  const labels = [...chunks.keys()].sort((a, b) => a - b);
  const lengths = new Uint32Array(labels.length);
  let totalLength = 0;
  const byTerm = new Map<string, number[]>();
  labels.forEach((label, entry) => {
    const analyzed = chunks.get(label)!;
    lengths[entry] = analyzed.length;
    totalLength += analyzed.length;
    for (const [term, tf] of analyzed.terms) {
      let list = byTerm.get(term);
      if (list === undefined) byTerm.set(term, (list = []));
      list.push(entry, tf);
    }
  });
  // JavaScript's string order (UTF-16 code units), which a lookup compares with: sorting Buffers
  // by their bytes instead took 35-70 ms for SciFact's 18k terms, this 5-10.
  const terms = [...byTerm.keys()].sort();

  const termOffsets = new Uint32Array(terms.length + 1);
  const postingOffsets = new Uint32Array(terms.length + 1);
  let termBytes = 0;
  let postingBound = 0;
  for (const term of terms) {
    termBytes += Buffer.byteLength(term, 'utf8');
    postingBound += 5 + 5 * byTerm.get(term)!.length;
  }
  const termText = Buffer.allocUnsafe(termBytes);
  const postings = Buffer.allocUnsafe(postingBound);
  let t = 0;
  let p = 0;
  terms.forEach((term, i) => {
    termOffsets[i] = t;
    postingOffsets[i] = p;
    t += termText.write(term, t, 'utf8');
    const list = byTerm.get(term)!;
    p = writeVarint(postings, p, list.length / 2);
    let previous = 0;
    for (let j = 0; j < list.length; j += 2) {
      p = writeVarint(postings, p, list[j]! - previous);
      p = writeVarint(postings, p, list[j + 1]!);
      previous = list[j]!;
    }
  });
  termOffsets[terms.length] = t;
  postingOffsets[terms.length] = p;

  const fold = Buffer.from(scriptFold, 'utf8');
  const bind = Buffer.from(binding, 'utf8');
  const strings = pad4(fold.length + bind.length);
  const header = Buffer.alloc(HEADER_BYTES + strings);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(POSTINGS_FORMAT, 8);
  header.writeUInt32LE(ANALYZER_VERSION, 12);
  header.writeUInt32LE(labels.length, 16);
  header.writeUInt32LE(terms.length, 20);
  header.writeDoubleLE(totalLength, 24);
  header.writeUInt32LE(fold.length, 32);
  header.writeUInt32LE(bind.length, 36);
  header.writeUInt32LE(termBytes, 40);
  header.writeUInt32LE(p, 44);
  fold.copy(header, HEADER_BYTES);
  bind.copy(header, HEADER_BYTES + fold.length);
  return Buffer.concat([
    header,
    u32Bytes(Uint32Array.from(labels)),
    u32Bytes(lengths),
    u32Bytes(termOffsets),
    u32Bytes(postingOffsets),
    termText,
    Buffer.alloc(pad4(termBytes) - termBytes),
    postings.subarray(0, p),
  ]);
}

/**
 * The header at the start of `probe` (at least the first {@link HEADER_PROBE_BYTES} of the file,
 * or all of it when shorter). Throws {@link PostingsFileError} when it is not a postings file.
 */
export function readPostingsHeader(probe: Buffer): PostingsHeader {
  if (probe.length < HEADER_BYTES || !probe.subarray(0, MAGIC.length).equals(MAGIC)) throw new PostingsFileError('is not a postings file');
  const format = probe.readUInt32LE(8);
  const analyzer = probe.readUInt32LE(12);
  const count = probe.readUInt32LE(16);
  const terms = probe.readUInt32LE(20);
  const totalLength = probe.readDoubleLE(24);
  const foldBytes = probe.readUInt32LE(32);
  const bindingBytes = probe.readUInt32LE(36);
  const termBytes = probe.readUInt32LE(40);
  const postingBytes = probe.readUInt32LE(44);
  const strings = HEADER_BYTES + foldBytes + bindingBytes;
  if (strings > probe.length) throw new PostingsFileError('has a header longer than the file');
  const scriptFold = probe.toString('utf8', HEADER_BYTES, HEADER_BYTES + foldBytes);
  const binding = probe.toString('utf8', HEADER_BYTES + foldBytes, strings);
  const dictionaryBytes = HEADER_BYTES + pad4(foldBytes + bindingBytes) + 8 * count + 8 * (terms + 1) + pad4(termBytes);
  return { format, analyzer, count, terms, totalLength, scriptFold, binding, termBytes, dictionaryBytes, fileBytes: dictionaryBytes + postingBytes };
}

/** Reads `length` bytes of the posting section from `offset` (relative to the section's start). */
export type PostingRangeReader = (offset: number, length: number) => Buffer;

/**
 * A postings file opened for lookups: the dictionary in memory (read whole or as the first
 * {@link PostingsHeader.dictionaryBytes} of the file), posting lists read and decoded per term.
 */
export class PostingsFile {
  readonly scriptFold: ScriptFold;
  readonly binding: string;
  readonly count: number;
  readonly totalLength: number;
  /** Entry i's vector label. */
  readonly labels: Uint32Array;
  /** Entry i's token count. */
  readonly lengths: Uint32Array;
  readonly #termOffsets: Uint32Array;
  readonly #postingOffsets: Uint32Array;
  readonly #terms: Buffer;
  readonly #readRange: PostingRangeReader;
  readonly #postingBytes: number;

  /**
   * `dictionary` holds the file from its start through at least the dictionary; `readRange`
   * reads from the posting section. Throws {@link PostingsFileError} on a file that does not
   * hold together; the header must be of this format (see {@link isCurrentFormat}).
   */
  constructor(header: PostingsHeader, dictionary: Buffer, readRange: PostingRangeReader) {
    if (!isScriptFold(header.scriptFold)) throw new PostingsFileError(`names an unknown script fold ${JSON.stringify(header.scriptFold)}`);
    if (dictionary.length < header.dictionaryBytes) throw new PostingsFileError('is shorter than its dictionary');
    if (!Number.isSafeInteger(header.totalLength) || header.totalLength < 0) throw new PostingsFileError('has an invalid total length');
    this.scriptFold = header.scriptFold;
    this.binding = header.binding;
    this.count = header.count;
    this.totalLength = header.totalLength;
    let at = HEADER_BYTES + pad4(Buffer.byteLength(header.scriptFold) + Buffer.byteLength(header.binding));
    this.labels = u32View(dictionary, at, header.count);
    at += 4 * header.count;
    this.lengths = u32View(dictionary, at, header.count);
    at += 4 * header.count;
    this.#termOffsets = u32View(dictionary, at, header.terms + 1);
    at += 4 * (header.terms + 1);
    this.#postingOffsets = u32View(dictionary, at, header.terms + 1);
    at += 4 * (header.terms + 1);
    this.#terms = dictionary.subarray(at, at + header.termBytes);
    this.#readRange = readRange;
    this.#postingBytes = header.fileBytes - header.dictionaryBytes;
    // Only checks that cost nothing: the lookups check the offsets and entries they use, so a
    // damaged file is found where it is read instead of every open paying for a full pass.
    if (this.#termOffsets[0] !== 0 || this.#termOffsets[header.terms] !== header.termBytes) throw new PostingsFileError('has invalid term offsets');
    if (this.#postingOffsets[0] !== 0 || this.#postingOffsets[header.terms] !== this.#postingBytes) throw new PostingsFileError('has invalid posting offsets');
  }

  /** Number of distinct terms. */
  get termCount(): number {
    return this.#termOffsets.length - 1;
  }

  /** The posting list of `term` as [entry, tf, entry, tf, ...], entries ascending; undefined when no chunk has it. */
  postings(term: string): Uint32Array | undefined {
    const index = this.#find(term);
    return index < 0 ? undefined : this.#decode(index);
  }

  /** Every term with its posting list, in the file's order (for carrying the analysis into the next generation). */
  *entries(): Generator<[string, Uint32Array]> {
    for (let i = 0; i < this.termCount; i++) {
      yield [this.#terms.toString('utf8', this.#termOffsets[i]!, this.#termOffsets[i + 1]!), this.#decode(i)];
    }
  }

  #find(target: string): number {
    const offsets = this.#termOffsets;
    let lo = 0;
    let hi = offsets.length - 2;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const start = offsets[mid]!;
      const end = offsets[mid + 1]!;
      if (start > end || end > this.#terms.length) throw new PostingsFileError(`has invalid term offsets (term ${mid})`);
      const term = this.#terms.toString('utf8', start, end);
      if (term === target) return mid;
      if (term < target) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  #decode(index: number): Uint32Array {
    const start = this.#postingOffsets[index]!;
    const end = this.#postingOffsets[index + 1]!;
    if (start > end || end > this.#postingBytes) throw new PostingsFileError(`has invalid posting offsets (term ${index})`);
    const bytes = this.#readRange(start, end - start);
    const length = bytes.length;
    const bad = (): PostingsFileError => new PostingsFileError(`has an invalid posting list (term ${index})`);
    let at = 0;
    // Varints inline, one byte on the fast path: a query decodes thousands of them before the
    // code is optimised, and a call per number was most of that time.
    let byte = at < length ? bytes[at++]! : 0x80;
    let df = byte;
    if (byte >= 0x80) [df, at] = readVarint(bytes, at - 1);
    // Each pair takes two bytes at least: a larger df cannot be right (and must not size an array).
    if (df === 0 || 2 * df > length - at) throw bad();
    const list = new Uint32Array(2 * df);
    const count = this.count;
    let entry = 0;
    for (let j = 0; j < list.length; j += 2) {
      if (at >= length) throw bad();
      byte = bytes[at++]!;
      let gap = byte;
      if (byte >= 0x80) [gap, at] = readVarint(bytes, at - 1);
      entry += gap;
      if ((j > 0 && gap === 0) || entry >= count || at >= length) throw bad();
      byte = bytes[at++]!;
      let tf = byte;
      if (byte >= 0x80) [tf, at] = readVarint(bytes, at - 1);
      list[j] = entry;
      list[j + 1] = tf;
    }
    if (at !== length) throw bad();
    return list;
  }
}

/** Whether a header is of the format and analyzer this code reads; other files are ignored, not damaged. */
export function isCurrentFormat(header: PostingsHeader): boolean {
  return header.format === POSTINGS_FORMAT && header.analyzer === ANALYZER_VERSION;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** `count` u32s at `offset` of `buffer`: a view when the memory allows one, else a copy. */
function u32View(buffer: Buffer, offset: number, count: number): Uint32Array {
  const byteOffset = buffer.byteOffset + offset;
  if (LITTLE_ENDIAN && byteOffset % 4 === 0) return new Uint32Array(buffer.buffer, byteOffset, count);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = buffer.readUInt32LE(offset + 4 * i);
  return out;
}

function u32Bytes(values: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.allocUnsafe(values.byteLength);
  values.forEach((v, i) => out.writeUInt32LE(v, 4 * i));
  return out;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buffer[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[at++] = v;
  return at;
}

/** The varint at `at` and the offset after it. */
function readVarint(bytes: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length || shift > 28) throw new PostingsFileError('has a truncated or overlong number');
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      if (value > 0xffffffff) throw new PostingsFileError('has a number out of range');
      return [value, at];
    }
    shift += 7;
  }
}
