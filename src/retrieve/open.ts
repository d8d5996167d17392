import type { Embedder } from '../embed/types.js';
import type { IndexReader } from '../store/reader.js';
import { DenseRetriever } from './dense.js';
import { HybridRetriever } from './hybrid.js';
import { Bm25Retriever } from './lexical.js';
import type { RetrievalMode, Retriever } from './types.js';

/** The retriever for one mode over one index. BM25 needs no model; dense and hybrid do. */
export function openRetriever(store: IndexReader, embedder: Embedder, mode: RetrievalMode): Retriever {
  switch (mode) {
    case 'dense':
      return new DenseRetriever(store, embedder);
    case 'bm25':
      return new Bm25Retriever(store);
    case 'hybrid':
      return new HybridRetriever(new DenseRetriever(store, embedder), new Bm25Retriever(store));
  }
}
