import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import type { IndexReader } from '../store/reader.js';
import { lexicalScriptFold } from '../store/lexical-file.js';
import type { ScriptFold } from '../text/script-fold.js';
import { DenseRetriever } from './dense.js';
import { HybridRetriever, type Fusion } from './hybrid.js';
import { Bm25Retriever } from './lexical.js';
import type { RetrievalMode, Retriever } from './types.js';

export interface OpenRetrieverOptions {
  /** Script fold of the BM25 side; default {@link lexicalScriptFold} of the index's model. */
  scriptFold?: ScriptFold;
  /** How hybrid mode fuses its two rankings (default RRF, k = 60). */
  fusion?: Fusion;
}

export { lexicalScriptFold };

/**
 * The retriever for one mode over one index. BM25 needs no model (`embedder` may be undefined);
 * dense and hybrid do.
 */
export function openRetriever(store: IndexReader, embedder: Embedder | undefined, mode: RetrievalMode, options: OpenRetrieverOptions = {}): Retriever {
  const fold = options.scriptFold ?? lexicalScriptFold(store.manifest.model);
  if (mode === 'bm25') return new Bm25Retriever(store, fold);
  if (embedder === undefined) throw new RagError('usage', `${mode} retrieval needs an embedding model; only bm25 works without one`);
  const dense = new DenseRetriever(store, embedder);
  return mode === 'dense' ? dense : new HybridRetriever(dense, new Bm25Retriever(store, fold), undefined, options.fusion);
}
