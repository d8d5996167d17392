import { fingerprintOf } from '../../src/model/fingerprint.js';
import type { EmbedBatchResult, Embedder } from '../../src/embed/types.js';
import type { ModelInfo } from '../../src/model/model-info.js';

/**
 * A cheap deterministic embedder for tests and benches about text handling and index size, not
 * embedding quality. Component i < keywords.length counts occurrences of `keywords[i]`; one of
 * the remaining components, picked by a hash of the text's start, gets 0.1, so texts without
 * keywords are not zero vectors and spread over the other directions. A query naming a keyword
 * is therefore nearest (cosine ≈ 1) to the chunks containing it, and ≤ 0.1 from all others.
 */
export class KeywordEmbedder implements Embedder {
  readonly info: ModelInfo;
  readonly fingerprint: string;
  readonly cacheable = false;
  private readonly keywords: readonly string[];
  /** Texts embedded so far by embedDocuments. */
  documentsEmbedded = 0;

  constructor(keywords: readonly string[], dimension = 8) {
    if (dimension <= keywords.length) throw new Error('the dimension must exceed the number of keywords');
    this.keywords = [...keywords];
    this.info = { id: `keywords-${dimension}`, provider: 'builtin', name: 'keywords', dimension, normalize: true, params: { keywords: keywords.join(',') } };
    this.fingerprint = fingerprintOf(this.info);
  }

  embed(text: string): Float32Array {
    const d = this.info.dimension;
    const v = new Float32Array(d);
    this.keywords.forEach((keyword, i) => {
      for (let at = text.indexOf(keyword); at >= 0; at = text.indexOf(keyword, at + keyword.length)) v[i]!++;
    });
    let hash = 0x811c9dc5;
    for (let i = 0; i < Math.min(text.length, 64); i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    const free = d - this.keywords.length;
    v[this.keywords.length + ((hash >>> 0) % free)]! += 0.1;
    return v;
  }

  async embedDocuments(texts: readonly string[]): Promise<EmbedBatchResult> {
    this.documentsEmbedded += texts.length;
    return { vectors: texts.map((t) => this.embed(t)), truncated: 0 };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embed(text);
  }
}
