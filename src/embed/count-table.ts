/**
 * A map from 32-bit unsigned keys to positive 32-bit counts, in two typed arrays.
 *
 * Why not a `Map<number, number>`: the `hash` model's document frequencies hold one entry per
 * distinct feature of the corpus, millions on a large Chinese corpus, and half of all 32-bit keys
 * are above V8's small-integer range, so a Map boxes them as heap numbers. Updating that Map was a
 * quarter of a `hash` ingest's CPU. Here an entry is 8 bytes and an update is a multiply, a shift
 * and a few array reads.
 *
 * Open addressing with linear probing; a count of 0 marks an empty slot (counts are never 0), and
 * deletion shifts later entries of the same run back so lookups never need tombstones.
 */
export class CountTable {
  #keys: Uint32Array;
  #counts: Uint32Array;
  #shift: number;
  #size = 0;

  constructor(expectedEntries = 0) {
    let capacity = 16;
    while (capacity * 0.5 < expectedEntries) capacity *= 2;
    this.#keys = new Uint32Array(capacity);
    this.#counts = new Uint32Array(capacity);
    this.#shift = 32 - Math.log2(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Fibonacci hashing: the top bits of key × 2^32/φ spread any key pattern over the slots. */
  #home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.#shift;
  }

  #slotOf(key: number): number {
    const mask = this.#keys.length - 1;
    let slot = this.#home(key);
    while (this.#counts[slot] !== 0 && this.#keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  get(key: number): number {
    return this.#counts[this.#slotOf(key >>> 0)]!;
  }

  /** Adds `amount` (≥ 1) to the key's count, creating the entry at `amount`. */
  add(key: number, amount = 1): void {
    const k = key >>> 0;
    let slot = this.#slotOf(k);
    if (this.#counts[slot] === 0) {
      if ((this.#size + 1) * 2 > this.#keys.length) {
        this.#grow();
        slot = this.#slotOf(k);
      }
      this.#keys[slot] = k;
      this.#size += 1;
    }
    const next = this.#counts[slot]! + amount;
    if (next > 0xffffffff) throw new RangeError('CountTable: count above 2^32 - 1');
    this.#counts[slot] = next;
  }

  /** Subtracts `amount` from a count of at least `amount`; an entry reaching 0 is removed. */
  subtract(key: number, amount: number): void {
    const slot = this.#slotOf(key >>> 0);
    const current = this.#counts[slot]!;
    if (current < amount) throw new RangeError('CountTable: subtracting more than the count');
    if (current > amount) {
      this.#counts[slot] = current - amount;
      return;
    }
    this.#removeAt(slot);
  }

  #removeAt(slot: number): void {
    const keys = this.#keys;
    const counts = this.#counts;
    const mask = keys.length - 1;
    let hole = slot;
    let next = (hole + 1) & mask;
    // Backward-shift deletion: move each later entry of the run into the hole unless its home slot
    // lies cyclically after the hole (then it is already as close to home as it can be).
    while (counts[next] !== 0) {
      const home = this.#home(keys[next]!);
      const distanceToNext = (next - home) & mask;
      const distanceToHole = (hole - home) & mask;
      if (distanceToHole <= distanceToNext) {
        keys[hole] = keys[next]!;
        counts[hole] = counts[next]!;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    keys[hole] = 0;
    counts[hole] = 0;
    this.#size -= 1;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldCounts = this.#counts;
    const capacity = oldKeys.length * 2;
    this.#keys = new Uint32Array(capacity);
    this.#counts = new Uint32Array(capacity);
    this.#shift -= 1;
    const mask = capacity - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const count = oldCounts[i]!;
      if (count === 0) continue;
      const key = oldKeys[i]!;
      let slot = this.#home(key);
      while (this.#counts[slot] !== 0) slot = (slot + 1) & mask;
      this.#keys[slot] = key;
      this.#counts[slot] = count;
    }
  }

  /** The keys in ascending order, with their counts at the same positions. */
  sortedEntries(): { keys: Uint32Array; counts: Uint32Array } {
    const keys = new Uint32Array(this.#size);
    let n = 0;
    for (let i = 0; i < this.#keys.length; i++) if (this.#counts[i] !== 0) keys[n++] = this.#keys[i]!;
    keys.sort();
    const counts = new Uint32Array(this.#size);
    for (let i = 0; i < keys.length; i++) counts[i] = this.get(keys[i]!);
    return { keys, counts };
  }
}
