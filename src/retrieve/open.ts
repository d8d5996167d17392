import type { Embedder } from '../embed/types.js';
import type { ModelInfo } from '../model/model-info.js';
import type { IndexReader } from '../store/reader.js';
import { DEFAULT_SCRIPT_FOLD, isScriptFold, type ScriptFold } from '../text/script-fold.js';
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

/**
 * The script fold BM25 uses over an index unless told otherwise: the one its lexical model (`hash`)
 * was built with, so both halves of a hybrid search fold alike; for neural models {@link DEFAULT_SCRIPT_FOLD}.
 */
export function lexicalScriptFold(model: ModelInfo): ScriptFold {
  const recorded = model.params?.['scriptFold'];
  if (isScriptFold(recorded)) return recorded;
  // A `hash` index without the parameter was built with none (before folding, or `--script-fold none`).
  return model.provider === 'builtin' ? 'none' : DEFAULT_SCRIPT_FOLD;
}

/** The retriever for one mode over one index. BM25 needs no model; dense and hybrid do. */
export function openRetriever(store: IndexReader, embedder: Embedder, mode: RetrievalMode, options: OpenRetrieverOptions = {}): Retriever {
  const fold = options.scriptFold ?? lexicalScriptFold(store.manifest.model);
  switch (mode) {
    case 'dense':
      return new DenseRetriever(store, embedder);
    case 'bm25':
      return new Bm25Retriever(store, fold);
    case 'hybrid':
      return new HybridRetriever(new DenseRetriever(store, embedder), new Bm25Retriever(store, fold), undefined, options.fusion);
  }
}
