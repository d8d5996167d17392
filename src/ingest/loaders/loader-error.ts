/**
 * A file a loader cannot read. `loadFile` turns it into a one-line RagError that names the file:
 * `<file>[ <location>]: <reason>`.
 */
export class LoaderError extends Error {
  override name = 'LoaderError';
  /** Where in the file, e.g. `line 17`. */
  readonly location: string | undefined;
  constructor(reason: string, options?: { location?: string; cause?: unknown }) {
    super(reason, options?.cause === undefined ? undefined : { cause: options.cause });
    this.location = options?.location;
  }
}
