import { RagError } from '../errors.js';
import { CountTable } from './count-table.js';
import type { CorpusStatistics } from './types.js';

const MAGIC = 0x52484446; // "RHDF": rag hash document frequencies
const FORMAT_VERSION = 1;

/**
 * Document frequencies of hashed features, the query-side statistics of the `hash` model.
 *
 * Keys are full 32-bit feature hashes, not vector components, so features that share a component
 * still get their own IDF. Counts are exact integers: removing texts subtracts exactly what adding
 * them added, and once the same multiset of texts is present the serialized bytes are identical.
 *
 * Serialized form (little-endian, all integers LEB128 varints after the header):
 * `u32 magic "RHDF"`, `u8 version`, `u32 configTag`, then document count, entry count, and the
 * entries sorted by hash as (hash delta, df). Deltas of sorted 32-bit hashes take ~3 bytes, so a
 * 2.5k-document English corpus (~25k distinct features) serializes to ~100 KB.
 */
export class HashCorpusStatistics implements CorpusStatistics {
  readonly #featuresOf: (text: string) => Iterable<number>;
  readonly #configTag: number;
  #counted: CountTable | undefined = new CountTable();
  /**
   * Loaded statistics not yet changed: the sorted entries as read, looked up by binary search. A
   * one-shot query needs a hundred lookups, not the hash table of every entry (~7 ms on SciFact);
   * the table is built on the first change.
   */
  #loaded: { keys: Uint32Array; counts: Uint32Array } | undefined;
  #documentCount = 0;

  /** The counts as a table that can change (built from the loaded entries on first use). */
  get #df(): CountTable {
    if (this.#counted === undefined) {
      const { keys, counts } = this.#loaded!;
      const table = new CountTable(keys.length);
      for (let i = 0; i < keys.length; i++) table.add(keys[i]!, counts[i]!);
      this.#counted = table;
      this.#loaded = undefined;
    }
    return this.#counted;
  }

  /**
   * @param featuresOf the distinct feature hashes of a text; each is counted once per call, so a
   *   hash given twice counts twice.
   * @param configTag a hash of the feature settings, stored in the serialized form so statistics
   *   made with other settings are rejected on load.
   */
  constructor(featuresOf: (text: string) => Iterable<number>, configTag: number) {
    this.#featuresOf = featuresOf;
    this.#configTag = configTag >>> 0;
  }

  /** Number of texts currently counted (N). */
  get documentCount(): number {
    return this.#documentCount;
  }

  /** Number of distinct features with a non-zero document frequency. */
  get featureCount(): number {
    return this.#loaded?.keys.length ?? this.#df.size;
  }

  /** Number of counted texts containing the feature with this hash. */
  documentFrequency(hash: number): number {
    const loaded = this.#loaded;
    if (loaded === undefined) return this.#df.get(hash);
    const key = hash >>> 0;
    let lo = 0;
    let hi = loaded.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = loaded.keys[mid]!;
      if (at === key) return loaded.counts[mid]!;
      if (at < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  add(texts: readonly string[]): void {
    for (const text of texts) {
      for (const hash of this.#featuresOf(text)) this.#df.add(hash);
    }
    this.#documentCount += texts.length;
  }

  /**
   * Subtracts texts that were added before. Checked before anything changes: if some text was never
   * added, the statistics are left as they were and a RagError is thrown.
   */
  remove(texts: readonly string[]): void {
    const decrements = new CountTable();
    for (const text of texts) {
      for (const hash of this.#featuresOf(text)) decrements.add(hash);
    }
    const { keys, counts } = decrements.sortedEntries();
    let consistent = texts.length <= this.#documentCount;
    for (let i = 0; i < keys.length && consistent; i++) {
      if (this.#df.get(keys[i]!) < counts[i]!) consistent = false;
    }
    if (!consistent) {
      throw new RagError('index-damaged', 
        'hash model: removing text that the corpus statistics never counted; the index is out of sync, rebuild it from scratch',
      );
    }
    for (let i = 0; i < keys.length; i++) this.#df.subtract(keys[i]!, counts[i]!);
    this.#documentCount -= texts.length;
  }

  serialize(): Buffer {
    const { keys, counts } = this.#loaded ?? this.#df.sortedEntries();
    const out = new VarintWriter(16 + keys.length * 5);
    out.fixed32(MAGIC);
    out.byte(FORMAT_VERSION);
    out.fixed32(this.#configTag);
    out.varint(this.#documentCount);
    out.varint(keys.length);
    let previous = 0;
    for (let i = 0; i < keys.length; i++) {
      out.varint(keys[i]! - previous);
      out.varint(counts[i]!);
      previous = keys[i]!;
    }
    return out.finish();
  }

  /** Replaces the current statistics with serialized ones; throws RagError if they are not valid. */
  load(data: Buffer): void {
    const input = new VarintReader(data);
    if (data.length < 9 || input.fixed32() !== MAGIC) {
      throw new RagError('index-damaged', 'hash model: corpus statistics file is not in the expected format; rebuild the index');
    }
    const version = input.byte();
    if (version !== FORMAT_VERSION) {
      throw new RagError('index-damaged', 
        `hash model: corpus statistics format version ${version} is not supported (expected ${FORMAT_VERSION}); rebuild the index`,
      );
    }
    if (input.fixed32() !== this.#configTag) {
      throw new RagError('index-damaged', 
        'hash model: corpus statistics were made with different hashing settings; rebuild the index',
      );
    }
    const documentCount = input.varint();
    const entries = input.varint();
    // Sized from the entry count only as far as the data could hold it (≥ 2 bytes an entry), so a
    // corrupt count cannot make us allocate gigabytes before the entries are checked.
    if (entries > data.length / 2) {
      throw new RagError('index-damaged', 'hash model: corpus statistics file is truncated; rebuild the index');
    }
    const keys = new Uint32Array(entries);
    const counts = new Uint32Array(entries);
    let hash = 0;
    for (let i = 0; i < entries; i++) {
      const delta = input.varint();
      hash += delta;
      const count = input.varint();
      if ((i > 0 && delta === 0) || hash > 0xffffffff || count === 0 || count > documentCount) {
        throw new RagError('index-damaged', 'hash model: corpus statistics file is corrupt; rebuild the index');
      }
      keys[i] = hash;
      counts[i] = count;
    }
    if (!input.atEnd()) {
      throw new RagError('index-damaged', 'hash model: corpus statistics file is corrupt; rebuild the index');
    }
    this.#loaded = { keys, counts };
    this.#counted = undefined;
    this.#documentCount = documentCount;
  }
}

class VarintWriter {
  #buffer: Buffer;
  #offset = 0;

  constructor(capacity: number) {
    this.#buffer = Buffer.alloc(Math.max(capacity, 16));
  }

  #reserve(bytes: number): void {
    if (this.#offset + bytes <= this.#buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.#buffer.length * 2, this.#offset + bytes));
    this.#buffer.copy(grown, 0, 0, this.#offset);
    this.#buffer = grown;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#offset++] = value;
  }

  fixed32(value: number): void {
    this.#reserve(4);
    this.#buffer.writeUInt32LE(value >>> 0, this.#offset);
    this.#offset += 4;
  }

  /** Unsigned LEB128 for integers up to 2^53 (arithmetic, not bit ops, so values above 2^31 work). */
  varint(value: number): void {
    this.#reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.#buffer[this.#offset++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#buffer[this.#offset++] = rest;
  }

  finish(): Buffer {
    return Buffer.from(this.#buffer.subarray(0, this.#offset));
  }
}

class VarintReader {
  readonly #data: Buffer;
  #offset = 0;

  constructor(data: Buffer) {
    this.#data = data;
  }

  #corrupt(): never {
    throw new RagError('index-damaged', 'hash model: corpus statistics file is truncated; rebuild the index');
  }

  byte(): number {
    const value = this.#data[this.#offset];
    if (value === undefined) this.#corrupt();
    this.#offset += 1;
    return value;
  }

  fixed32(): number {
    if (this.#offset + 4 > this.#data.length) this.#corrupt();
    const value = this.#data.readUInt32LE(this.#offset);
    this.#offset += 4;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 0x80;
    }
    this.#corrupt();
  }

  atEnd(): boolean {
    return this.#offset === this.#data.length;
  }
}
