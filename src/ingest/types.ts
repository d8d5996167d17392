import type { MarkdownSection } from './markdown-sections.js';
import type { DocumentFormat, PageSpan } from '../model/document.js';

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
   * For formats whose loader finds headings outside the text's own markup (PDF titles, by font
   * size): consecutive sections covering the text, each with its heading path. Markdown finds
   * its sections in its text instead.
   */
  sections?: MarkdownSection[];
  /**
   * sha256 (hex) of format, title and text: equal hashes mean the chunker would see the same
   * input, so an incremental ingest can skip the document.
   */
  contentHash: string;
}

/** Measures text length in the unit chunk sizes are given in (model tokens, or characters). */
export type LengthFunction = (text: string) => number;
