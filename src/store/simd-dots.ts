/**
 * Dot products of one query against many rows with WebAssembly SIMD (f32x4): the exact scan's
 * kernel. Plain JavaScript converts every float32 it reads to a double and tops out near
 * 0.6 multiply-adds per nanosecond here; this does four per instruction.
 *
 * The module is assembled from bytes below (one function, no toolchain needed) and validated
 * before use; where WebAssembly SIMD is missing, the dimension is not a multiple of 8, or the
 * rows are too many to copy (see {@link MAX_BYTES}), {@link SimdDots.create} or
 * {@link SimdDots.supports} says no and the caller keeps its JavaScript loop.
 *
 * Sums are float32 per lane, lanes added in a fixed order: the same result on every machine,
 * within ~1e-6 of a float64 sum for unit vectors.
 */
import { compileModule, instantiate, kernelModule, sleb, uleb, WASM_PAGE, type WasmInstance, type WasmMemory } from './wasm-module.js';

/** dots(q, rows, dBytes, n, out): out[r] = q · rows[r] for n rows of dBytes bytes (dBytes % 32 == 0). */
function dotsModule(): Uint8Array {
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const tee = (i: number): number[] => [0x22, i];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const simd = (op: number): number[] => [0xfd, ...uleb(op)];
  const load = (offset: number): number[] => [...simd(0x00), 2, ...uleb(offset)];
  const [Q, ROWS, DBYTES, N, OUT, I, ACC0, ACC1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const F32X4_ADD = 0xe4;
  const F32X4_MUL = 0xe6;
  const lane = (l: number): number[] => [...get(ACC0), ...simd(0x1f), l];
  const accumulate = (acc: number, offset: number): number[] => [
    ...get(acc),
    ...get(Q), ...get(I), 0x6a, ...load(offset),
    ...get(ROWS), ...get(I), 0x6a, ...load(offset),
    ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(acc),
  ];
  const body = [
    // locals: 1 × i32 (i), 2 × v128 (acc0, acc1)
    2, 1, 0x7f, 2, 0x7b,
    0x02, 0x40, // block
    ...get(N), 0x45, 0x0d, 0, // n == 0: done
    0x03, 0x40, // loop over rows
    ...simd(0x0c), ...new Array<number>(16).fill(0), ...tee(ACC0), ...set(ACC1),
    ...i32(0), ...set(I),
    0x03, 0x40, // loop over 8 floats at a time
    ...accumulate(ACC0, 0),
    ...accumulate(ACC1, 16),
    ...get(I), ...i32(32), 0x6a, ...tee(I), ...get(DBYTES), 0x49, 0x0d, 0,
    0x0b,
    ...get(OUT),
    ...get(ACC0), ...get(ACC1), ...simd(F32X4_ADD), ...set(ACC0),
    ...lane(0), ...lane(1), 0x92, ...lane(2), 0x92, ...lane(3), 0x92,
    0x38, 2, 0, // f32.store
    ...get(OUT), ...i32(4), 0x6a, ...set(OUT),
    ...get(ROWS), ...get(DBYTES), 0x6a, ...set(ROWS),
    ...get(N), ...i32(1), 0x6b, ...tee(N), 0x0d, 0,
    0x0b, // end loop over rows
    0x0b, // end block
    0x0b, // end function
  ];
  return kernelModule('dots', body);
}

/**
 * The kernel scans a copy of the rows, which stays for the life of the index. Exact scans inside
 * the search budget are at most 16 MB of rows; larger ones (a filter that starved the graph
 * walk, `exact: true` on a big index) scan in place in JavaScript rather than double the
 * vectors' memory.
 */
const MAX_BYTES = 2 ** 28;

type DotsFunction = (q: number, rows: number, dBytes: number, n: number, out: number) => void;

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) compiled = compileModule(dotsModule());
  return compiled;
}

/**
 * One instance and its memory, holding a copy of the rows. {@link dots} copies them in once per
 * change (the owner passes a version it bumps on every change), then scans.
 */
export class SimdDots {
  readonly #memory: WasmMemory;
  readonly #dots: DotsFunction;
  #rows: Float32Array | undefined;
  #version = -1;
  #n = 0;
  #d = 0;

  private constructor(instance: WasmInstance) {
    this.#memory = instance.exports.mem as WasmMemory;
    this.#dots = instance.exports.dots as DotsFunction;
  }

  /** A kernel, or undefined where WebAssembly SIMD is not available. */
  static create(): SimdDots | undefined {
    const module = compiledModule();
    return module === null ? undefined : new SimdDots(instantiate(module));
  }

  /** Whether rows of dimension `d` can use this kernel. */
  static supports(d: number, n: number): boolean {
    return d % 8 === 0 && d > 0 && layout(d, n).end <= MAX_BYTES;
  }

  /**
   * Writes `out[r] = q · rows[r]` for the first `n` rows. `version` identifies the content of
   * `rows`: the copy in wasm memory is refreshed when it, the array, `n` or `d` differ.
   */
  dots(q: Float32Array, rows: Float32Array, d: number, n: number, version: number, out: Float64Array): void {
    const at = layout(d, n);
    if (this.#rows !== rows || this.#version !== version || this.#n !== n || this.#d !== d) {
      const missing = at.end - this.#memory.buffer.byteLength;
      if (missing > 0) this.#memory.grow(Math.ceil(missing / WASM_PAGE));
      new Float32Array(this.#memory.buffer, at.rows, n * d).set(rows.subarray(0, n * d));
      [this.#rows, this.#version, this.#n, this.#d] = [rows, version, n, d];
    }
    new Float32Array(this.#memory.buffer, at.q, d).set(q);
    this.#dots(at.q, at.rows, d * 4, n, at.out);
    const results = new Float32Array(this.#memory.buffer, at.out, n);
    for (let r = 0; r < n; r++) out[r] = results[r]!;
  }
}

/** Byte offsets in wasm memory: the query, the results, then the rows (all 16-byte aligned). */
function layout(d: number, n: number): { q: number; out: number; rows: number; end: number } {
  const align = (x: number): number => Math.ceil(x / 16) * 16;
  const q = 0;
  const out = align(d * 4);
  const rows = align(out + n * 4);
  return { q, out, rows, end: rows + n * d * 4 };
}
