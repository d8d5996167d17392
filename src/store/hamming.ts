/**
 * Hamming distances of one packed bit vector against many, in WebAssembly: `i64.popcnt` counts
 * 64 bits in one instruction, where JavaScript needs a dozen bit tricks per 32 bits. Assembled
 * from bytes like simd-dots.ts (no toolchain); where WebAssembly is missing the caller keeps
 * its JavaScript loop.
 */
import { compileModule, instantiate, kernelModule, sleb, WASM_PAGE, type WasmInstance, type WasmMemory } from './wasm-module.js';

/** ham(q, rows, wordBytes, n, out): out[r] = popcount(q xor rows[r]) over wordBytes bytes (a multiple of 8). */
function hammingModule(): Uint8Array {
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const tee = (i: number): number[] => [0x22, i];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const I64_LOAD = 0x29;
  const I64_XOR = 0x85;
  const I64_POPCNT = 0x7b;
  const I64_ADD = 0x7c;
  const [Q, ROWS, WBYTES, N, OUT, I, ACC] = [0, 1, 2, 3, 4, 5, 6];
  const body = [
    // locals: 1 × i32 (i), 1 × i64 (acc)
    2, 1, 0x7f, 1, 0x7e,
    0x02, 0x40, // block
    ...get(N), 0x45, 0x0d, 0, // n == 0: done
    0x03, 0x40, // loop over rows
    0x42, 0, ...set(ACC), // acc = 0
    ...i32(0), ...set(I),
    0x03, 0x40, // loop over 64-bit words
    ...get(ACC),
    ...get(Q), ...get(I), 0x6a, I64_LOAD, 3, 0,
    ...get(ROWS), ...get(I), 0x6a, I64_LOAD, 3, 0,
    I64_XOR, I64_POPCNT, I64_ADD, ...set(ACC),
    ...get(I), ...i32(8), 0x6a, ...tee(I), ...get(WBYTES), 0x49, 0x0d, 0, // i < wordBytes: again
    0x0b,
    ...get(OUT), ...get(ACC), 0xa7, 0x36, 2, 0, // i32.store(out, wrap(acc))
    ...get(OUT), ...i32(4), 0x6a, ...set(OUT),
    ...get(ROWS), ...get(WBYTES), 0x6a, ...set(ROWS),
    ...get(N), ...i32(1), 0x6b, ...tee(N), 0x0d, 0,
    0x0b, // end loop over rows
    0x0b, // end block
    0x0b, // end function
  ];
  return kernelModule('ham', body);
}


type HammingFunction = (q: number, rows: number, wordBytes: number, n: number, out: number) => void;

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) compiled = compileModule(hammingModule());
  return compiled;
}

/** One instance holding a copy of the packed rows (copied again when another array is passed). */
export class HammingKernel {
  readonly #memory: WasmMemory;
  readonly #ham: HammingFunction;
  #rows: Uint32Array | undefined;
  #layout = '';

  private constructor(instance: WasmInstance) {
    this.#memory = instance.exports.mem as WasmMemory;
    this.#ham = instance.exports.ham as HammingFunction;
  }

  static create(): HammingKernel | undefined {
    const module = compiledModule();
    return module === null ? undefined : new HammingKernel(instantiate(module));
  }

  /** out[r] = Hamming distance of `q` to row r, rows of `words` 64-bit words (2·words u32). */
  distances(q: Uint32Array, rows: Uint32Array, words: number, n: number, out: Int32Array): void {
    const wordBytes = words * 8;
    const qAt = 0;
    const outAt = align(wordBytes);
    const rowsAt = align(outAt + n * 4);
    const end = rowsAt + n * wordBytes;
    const layout = `${words}/${n}`;
    if (this.#rows !== rows || this.#layout !== layout) {
      const missing = end - this.#memory.buffer.byteLength;
      if (missing > 0) this.#memory.grow(Math.ceil(missing / WASM_PAGE));
      new Uint32Array(this.#memory.buffer, rowsAt, n * words * 2).set(rows.subarray(0, n * words * 2));
      this.#rows = rows;
      this.#layout = layout;
    }
    new Uint32Array(this.#memory.buffer, qAt, words * 2).set(q);
    this.#ham(qAt, rowsAt, wordBytes, n, outAt);
    out.set(new Int32Array(this.#memory.buffer, outAt, n));
  }
}

function align(x: number): number {
  return Math.ceil(x / 16) * 16;
}
