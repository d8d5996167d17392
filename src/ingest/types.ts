/** A document as a loader hands it to the chunker. */
export interface LoadedDocument {
  /** Stable id: the path relative to the ingested root (POSIX separators), or a corpus `_id`. */
  docId: string;
  /** Where it came from, as the user can open it (a file path; for corpus lines `file.jsonl#_id`). */
  source: string;
  format: DocumentFormat;
  title?: string;
  /**
   * Full extracted text, already normalised (PDF line wraps joined, HTML markup removed).
   * Chunk offsets index into this string.
   */
  text: string;
  /** For paged formats (PDF): which character range of `text` each page covers. Absent otherwise. */
  pages?: PageSpan[];
  /**
   * sha256 (hex) of format, title and text: equal hashes mean the chunker would see the same
   * input, so an incremental ingest can skip the document.
   */
  contentHash: string;
}

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

/** Measures text length in the unit chunk sizes are given in (model tokens, or characters). */
export type LengthFunction = (text: string) => number;

export interface ChunkingOptions {
  /** Target maximum chunk size in `lengthUnit`s. */
  chunkSize: number;
  /** Overlap between consecutive chunks in `lengthUnit`s; rounded to whole sentences where possible. */
  chunkOverlap: number;
  lengthUnit: 'tokens' | 'characters';
}
