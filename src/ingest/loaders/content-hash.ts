import { createHash } from 'node:crypto';

import type { LoadedDocument } from '../types.js';
import type { DocumentFormat } from '../../model/document.js';

/**
 * sha256 (hex) of a document's format, title and text. NUL separators keep the fields apart, so
 * moving characters between title and text changes the hash; a missing title hashes like ''.
 */
export function computeContentHash(format: DocumentFormat, title: string | undefined, text: string): string {
  return createHash('sha256')
    .update(format)
    .update('\u0000')
    .update(title ?? '')
    .update('\u0000')
    .update(text)
    .digest('hex');
}

/** Build a LoadedDocument, filling in its content hash. */
export function makeDocument(fields: Omit<LoadedDocument, 'contentHash'>): LoadedDocument {
  const doc: LoadedDocument = { ...fields, contentHash: computeContentHash(fields.format, fields.title, fields.text) };
  if (doc.title === undefined) delete doc.title;
  if (doc.pages === undefined) delete doc.pages;
  if (doc.sections === undefined) delete doc.sections;
  return doc;
}
