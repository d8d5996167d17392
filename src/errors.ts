/**
 * Errors a user can cause and fix (a bad path, an unknown model, a damaged index). Each carries
 * a stable {@link ErrorCode}, so programs tell them apart by code and never by message text; the
 * README's "Error codes" table lists them. Anything thrown that is not a RagError is a bug.
 *
 * `message` is what happened, then (after `; `) what to do about it, in library terms (no CLI
 * flags or commands: the library is used without the CLI too); `hint` holds that second half
 * alone, for programs that show it differently. `details` carries the values the CLI needs to
 * word its own advice (src/cli/error-advice.ts) with flags and commands. The CLI chooses the
 * exit code from the code.
 */
export const ERROR_CODES = {
  usage: 'an option, argument or library parameter has an invalid value',
  'path-not-found': 'a file or folder that was named does not exist or cannot be read',
  'file-unloadable': 'a document file cannot be read or parsed (damaged, encrypted, no text, too large)',
  'encoding-unknown': 'a text file (document, corpus, queries, qrels) decodes cleanly in no supported encoding, or not in the encoding named for it (the encoding option)',
  'duplicate-document': 'two documents of one run have the same id',
  'model-unknown': 'the model name is not an alias, hf:ORG/NAME, a folder, openai:MODEL or ollama:MODEL',
  'model-invalid': 'the model folder, repository or object cannot be used as given',
  'model-unavailable': 'the model files cannot be fetched (hub unreachable, offline and not cached)',
  'dependency-missing': 'an optional package this needs is not installed (@huggingface/transformers for local ONNX models)',
  'model-mismatch': 'the index was built with another model, or the same model under other settings',
  'chunking-mismatch': 'the index was built with other chunking settings',
  'index-missing': 'there is no index at the location',
  'index-empty': 'the index has no documents',
  'index-damaged': 'a file of the index is missing, truncated or unreadable',
  'index-newer': 'the index was written by a newer rag',
  'index-locked': 'another process is writing the index',
  'index-location': 'the index location is not usable (a file, a foreign folder or table, a bad URL)',
  'dataset-invalid': 'an evaluation dataset is missing files or has a malformed line',
  'baseline-invalid': 'a baseline results.json is missing or unreadable',
  'adapter-invalid': 'a query adapter file is not one, or was written in another format version',
  'github-api': 'the GitHub API refused or failed a request (posting the pull-request comment)',
  'endpoint-invalid': 'an embedding endpoint setting (base URL, host) is invalid',
  'endpoint-mismatch': 'the index was built with an embedding endpoint other than the one configured now',
  'endpoint-unreachable': 'an embedding endpoint cannot be reached (connection refused, DNS, timeout)',
  'endpoint-rejected': 'an embedding endpoint refused the request (authentication, unknown model, bad request)',
  'endpoint-failed': 'an embedding endpoint kept failing or sent an unusable reply',
  'database-unreachable': 'the PostgreSQL server cannot be reached',
  'database-auth': 'PostgreSQL refused the login (password, user, TLS verification)',
  'database-missing': 'the PostgreSQL database does not exist',
  'database-privilege': 'the PostgreSQL role lacks a privilege rag needs',
  'database-unavailable': 'the PostgreSQL server is busy, starting or stopping',
  'pgvector-missing': 'the pgvector extension is not available in the database',
  'cache-unusable': 'the embedding cache cannot be opened, read or written',
  'permission-denied': 'the operating system refused access to a file',
  'disk-full': 'no space left on a device while writing',
  'read-only': 'a file system that needs writing is read-only',
  interrupted: 'the command was interrupted (Ctrl-C); what was committed is kept',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RagErrorOptions {
  /** What to do about it, for a person at the command line. */
  hint?: string;
  /** Values behind the message (a location, the model an index was built with), for callers that word their own advice. */
  details?: ErrorDetails;
  cause?: unknown;
}

/** Plain values only, so `details` survive JSON. */
export type ErrorDetails = Readonly<Record<string, string | number>>;

export class RagError extends Error {
  readonly code: ErrorCode;
  /** What to do about it, when there is something to do. */
  readonly hint: string | undefined;
  /** What happened, without the hint: `message` is `reason; hint` when there is a hint. */
  readonly summary: string;
  /** The values behind the message, when the thrower gave them (see {@link RagErrorOptions.details}). */
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, reason: string, options: RagErrorOptions = {}) {
    const message = options.hint === undefined ? reason : `${reason}; ${options.hint}`;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RagError';
    this.code = code;
    this.hint = options.hint;
    this.summary = reason;
    this.details = options.details ?? {};
  }
}

/** Whether `error` is a RagError with this code. */
export function hasCode(error: unknown, code: ErrorCode): error is RagError {
  return error instanceof RagError && error.code === code;
}
