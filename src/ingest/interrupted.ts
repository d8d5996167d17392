import { RagError } from '../errors.js';

/**
 * Thrown by `ingest()` when its `signal` aborts: it stopped at the next safe point, after
 * committing the batches done before, and released the index lock.
 */
export class IngestInterruptedError extends RagError {
  /** New or changed documents that were committed before the interrupt. */
  readonly committedDocuments: number;
  /** New or changed documents this run wanted to store. */
  readonly plannedDocuments: number;

  constructor(committedDocuments: number, plannedDocuments: number) {
    super(
      'interrupted',
      plannedDocuments === 0
        ? 'interrupted before anything was written; the index is as it was'
        : `interrupted: ${committedDocuments} of ${plannedDocuments} new or changed documents are committed, the rest are not; run the same ingest again to finish`,
    );
    this.name = 'IngestInterruptedError';
    this.committedDocuments = committedDocuments;
    this.plannedDocuments = plannedDocuments;
  }
}
