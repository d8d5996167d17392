/**
 * An error the user caused and can fix (bad path, unknown model, wrong index).
 * The CLI prints `message` as one line on stderr and exits with `exitCode`; no stack trace
 * unless --verbose. Anything that is not a RagError is a bug and is printed with its stack.
 */
export class RagError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RagError';
    this.exitCode = options?.exitCode ?? 2;
  }
}
