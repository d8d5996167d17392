import type { ExistingIndex } from '../embed/open-model.js';
import type { Embedder } from '../embed/types.js';
import type { ChunkingOptions } from '../model/chunking.js';
import { assertCompatible } from '../model/compatibility.js';
import { DEFAULT_CHUNKING } from '../model/chunking.js';

/** Chunking options as asked for (by flags or library options); unset ones take defaults. */
export interface ChunkingAsked {
  chunkSize?: number;
  chunkOverlap?: number;
  chunkUnit?: ChunkingOptions['lengthUnit'];
}

/**
 * Chunking settings for this run. An existing index keeps its own: mixing chunk sizes in one
 * index would make its evaluation meaningless, so asking for different ones is an error.
 * A new index measures in the model's tokens when it has a tokenizer, leaving room inside the
 * model's window for its prefix and special tokens.
 */
export function chunkingFor(existing: ExistingIndex | undefined, embedder: Pick<Embedder, 'info' | 'countTokens'>, asked: ChunkingAsked): ChunkingOptions {
  if (existing) {
    assertCompatible(existing.location, existing.manifest, {
      chunking: {
        ...(asked.chunkSize === undefined ? {} : { chunkSize: asked.chunkSize }),
        ...(asked.chunkOverlap === undefined ? {} : { chunkOverlap: asked.chunkOverlap }),
        ...(asked.chunkUnit === undefined ? {} : { lengthUnit: asked.chunkUnit }),
      },
    });
    return existing.manifest.chunking;
  }
  // Characters can always be counted; tokens only with the model's tokenizer.
  const lengthUnit = embedder.countTokens ? (asked.chunkUnit ?? 'tokens') : 'characters';
  const defaults = DEFAULT_CHUNKING[lengthUnit];
  let chunkSize = asked.chunkSize ?? defaults.chunkSize;
  const max = embedder.info.maxTokens;
  if (asked.chunkSize === undefined && lengthUnit === 'tokens' && max !== undefined) {
    chunkSize = Math.min(chunkSize, Math.max(16, max - 16));
  }
  const chunkOverlap = asked.chunkOverlap ?? Math.min(defaults.chunkOverlap, Math.floor(chunkSize / 4));
  return { chunkSize, chunkOverlap, lengthUnit };
}
