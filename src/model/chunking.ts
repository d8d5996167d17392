/** How documents are cut into chunks: part of what an index is built with (see compatibility.ts). */
export interface ChunkingOptions {
  /** Target maximum chunk size in `lengthUnit`s. */
  chunkSize: number;
  /** Overlap between consecutive chunks in `lengthUnit`s; rounded to whole sentences where possible. */
  chunkOverlap: number;
  lengthUnit: 'tokens' | 'characters';
}

/**
 * Default chunking per length unit. Sizes are model tokens when the model has a tokenizer
 * (`length` is its token counter) and Unicode characters otherwise (`length` is
 * {@link characterLength}).
 *
 * - `tokens`: 512 with 64 overlap. Most retrieval models here read 512 tokens (bge-*-zh, e5,
 *   gte); callers should lower the size by the room the passage prefix and special tokens need
 *   (ingest does: `min(512, maxTokens - 16)`). Longer-window models (bge-m3, Qwen3) also retrieve
 *   best with passages of a few hundred tokens rather than whole pages.
 * - `characters`: 800 with 100 overlap: about 130-160 English words or 800 Chinese characters,
 *   roughly the content of a 512-token chunk in mixed text, for models (remote APIs, hashing)
 *   whose tokenizer we cannot run.
 *
 * The overlap (12.5%) is usually one or two sentences: enough to keep a sentence that a
 * boundary separated from its context retrievable from both sides.
 */
export const DEFAULT_CHUNKING: Readonly<Record<ChunkingOptions['lengthUnit'], Readonly<ChunkingOptions>>> = {
  tokens: { chunkSize: 512, chunkOverlap: 64, lengthUnit: 'tokens' },
  characters: { chunkSize: 800, chunkOverlap: 100, lengthUnit: 'characters' },
};

export function sameChunking(a: ChunkingOptions, b: ChunkingOptions): boolean {
  return a.chunkSize === b.chunkSize && a.chunkOverlap === b.chunkOverlap && a.lengthUnit === b.lengthUnit;
}

/** `chunks of 512 tokens, overlap 64`. */
export function describeChunking(c: ChunkingOptions): string {
  return `chunks of ${c.chunkSize} ${c.lengthUnit}, overlap ${c.chunkOverlap}`;
}
