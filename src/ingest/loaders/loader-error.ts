import type { NoticeCode } from '../failures.js';

/**
 * A file a loader cannot read. `loadFile` turns it into a one-line RagError that names the file:
 * `<file>[ <location>]: <reason>`.
 */
export class LoaderError extends Error {
  override name = 'LoaderError';
  /** Where in the file, e.g. `line 17`. */
  readonly location: string | undefined;
  /** Why, for counting (default `corrupt`). */
  readonly code: NoticeCode;
  constructor(reason: string, options?: { location?: string; code?: NoticeCode; cause?: unknown }) {
    super(reason, options?.cause === undefined ? undefined : { cause: options.cause });
    this.location = options?.location;
    this.code = options?.code ?? 'corrupt';
  }
}
