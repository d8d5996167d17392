/**
 * A deterministic, cacheable toy model (letter counts in 32 dimensions) that counts what it is
 * asked to embed: for tests that prove what was (not) embedded. `name` keeps caches of tests
 * apart: it is part of the fingerprint.
 */
import type { EmbedBatchResult, Embedder } from '../../src/embed/types.js';
import type { ModelInfo } from '../../src/model/model-info.js';

export class CountingEmbedder implements Embedder {
  readonly info: ModelInfo;
  readonly fingerprint: string;
  readonly cacheable = true;
  calls = 0;
  texts = 0;
  queries = 0;

  constructor(name = 'toy-counting') {
    this.info = { id: name, provider: 'builtin', name: 'letter counts', dimension: 32, normalize: true };
    this.fingerprint = `${name}-letter-counts-32-v1`;
  }

  async embedDocuments(texts: readonly string[]): Promise<EmbedBatchResult> {
    this.calls++;
    this.texts += texts.length;
    return { vectors: texts.map(letterCounts), truncated: 0 };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    this.queries++;
    return letterCounts(text);
  }
}

function letterCounts(text: string): Float32Array {
  const v = new Float32Array(32).fill(1e-3);
  for (const ch of text.toLowerCase()) v[ch.codePointAt(0)! % 32]! += 1;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
