/**
 * What the hand-assembled WebAssembly kernels (simd-dots.ts, hamming.ts) share: LEB128 encoding
 * of immediates, the module's section layout, and compiling and instantiating it where
 * WebAssembly (and the instructions the module uses) is available. The project's `lib` has no DOM
 * typings, so the few parts of the API used are declared here.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => WasmInstance;
}

export const WASM_PAGE = 65536;

export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * A module of one function `name(i32 × 5)` with `body` (locals included) and one exported memory
 * `mem`: the shape both kernels have.
 */
export function kernelModule(name: string, body: number[]): Uint8Array {
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const label = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...label(name), 0, 0, ...label('mem'), 2, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The compiled module, or null where WebAssembly or an instruction it uses is missing. */
export function compileModule(bytes: Uint8Array): object | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    return wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    return null;
  }
}

export function instantiate(module: object): WasmInstance {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) throw new Error('WebAssembly is not available');
  return new wasm.Instance(module);
}
