import type { NoticeCode } from '../failures.js';
import { reasonText, type NoticeReason } from '../notice-reasons.js';

/**
 * A file a loader cannot read. `loadFile` turns it into a one-line RagError that names the file:
 * `<file>[ line N]: <reason>` (the line is `why.params.line`).
 */
export class LoaderError extends Error {
  override name = 'LoaderError';
  readonly why: NoticeReason;
  /** Why, for counting (default `corrupt`). */
  readonly code: NoticeCode;
  constructor(why: NoticeReason, options?: { code?: NoticeCode; cause?: unknown }) {
    super(reasonText(why), options?.cause === undefined ? undefined : { cause: options.cause });
    this.why = why;
    this.code = options?.code ?? 'corrupt';
  }
}
