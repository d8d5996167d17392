/**
 * What an index holds, whichever store keeps it: documents and the chunks they were split into.
 * Loaders produce them (src/ingest), stores persist them (src/store), retrievers return them
 * (src/retrieve); this module is below all three so none of them defines the others' schema.
 */

export type DocumentFormat = 'markdown' | 'text' | 'pdf' | 'html' | 'docx' | 'beir';

export interface PageSpan {
  /** 1-based page number. */
  page: number;
  start: number;
  end: number;
}

/** A piece of a document that gets embedded and retrieved on its own. */
export interface Chunk {
  /** `${docId}#${index}`: unique within an index. */
  id: string;
  docId: string;
  /** 0-based position of the chunk within its document. */
  index: number;
  text: string;
  /** 1-based page for paged formats, else null. */
  page: number | null;
  /** Character offsets into the document's `text` (UTF-16 code units, end exclusive). */
  start: number;
  end: number;
  /** Markdown heading path, outermost first (empty when the format has no headings). */
  headings: string[];
}

/** A document as the index keeps it (its text lives in its chunks). */
export interface StoredDocument {
  docId: string;
  /** Where it came from, as the user can open it (a file path; for corpus lines `file.jsonl#_id`). */
  source: string;
  /** The ingested root or corpus file the document was found under. */
  origin: string;
  format: DocumentFormat;
  title?: string;
  /** Hash of the loaded text, to skip re-embedding unchanged documents. */
  contentHash: string;
  /** Ids of its chunks, in order. */
  chunkIds: string[];
}
