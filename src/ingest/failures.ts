import path from 'node:path';

/**
 * Why a file was not ingested (or was ingested with a caveat), as a stable code that programs can
 * count, and which codes make an ingest "partly failed" (exit status 3 in the CLI).
 */

/**
 * - `unsupported`: a file type rag does not read (`.png`, `.csv`, a BEIR queries file ...).
 * - `binary`: a text format (`.txt`, `.md`, ...) whose bytes are not text.
 * - `empty`: zero bytes, or only whitespace.
 * - `duplicate-id`: its document id is taken by another file of this run.
 * - `symlink-loop`: a symbolic link that leads back to a folder being walked, or a link cycle.
 * - `broken-link`: a symbolic link whose target does not exist.
 * - `not-a-file`: a FIFO, socket or device (reading one could block forever).
 * - `vanished`: deleted or moved after it was listed, before it was read.
 * - `too-large`: bigger than the `maxFileSize` limit.
 * - `unreadable`: the operating system refused to open or read it (permissions, I/O error).
 * - `path-too-long`: its path exceeds what the operating system can open (PATH_MAX).
 * - `encrypted`: a password-protected PDF.
 * - `no-text`: a PDF without a text layer (scanned pages).
 * - `corrupt`: could not be parsed (truncated or damaged PDF/DOCX, malformed corpus line ...).
 * - `invalid-encoding`: ingested, but some bytes were not valid text and were replaced by U+FFFD
 *   (or stray NUL bytes were dropped).
 * - `unknown-encoding`: text in no encoding rag detects (or not in the one given with `--encoding`).
 * - `legacy-encoding`: ingested from GB18030/GBK, Big5 or Windows-1252 (Latin-1); the notice names the encoding used.
 */
export type NoticeCode =
  | 'unsupported'
  | 'binary'
  | 'empty'
  | 'duplicate-id'
  | 'symlink-loop'
  | 'broken-link'
  | 'not-a-file'
  | 'vanished'
  | 'too-large'
  | 'unreadable'
  | 'path-too-long'
  | 'encrypted'
  | 'no-text'
  | 'corrupt'
  | 'invalid-encoding'
  | 'unknown-encoding'
  | 'legacy-encoding';

/**
 * `skipped`: not a document, nothing to do. `failed`: a document whose content could not be
 * indexed; its previously stored version, if any, is kept. `warning`: ingested, with a caveat.
 * `note`: ingested as it should be, with something worth knowing (the encoding it was read in).
 */
export type NoticeKind = 'skipped' | 'failed' | 'warning' | 'note';

const KIND: Readonly<Record<NoticeCode, NoticeKind>> = {
  unsupported: 'skipped',
  binary: 'skipped',
  empty: 'skipped',
  'duplicate-id': 'skipped',
  'symlink-loop': 'skipped',
  'broken-link': 'skipped',
  'not-a-file': 'skipped',
  vanished: 'skipped',
  'too-large': 'failed',
  unreadable: 'failed',
  'path-too-long': 'failed',
  encrypted: 'failed',
  'no-text': 'failed',
  corrupt: 'failed',
  'invalid-encoding': 'warning',
  'unknown-encoding': 'failed',
  'legacy-encoding': 'note',
};

/** Whether a notice of this code means the file was skipped, failed, or ingested with a warning. */
export function noticeKind(code: NoticeCode): NoticeKind {
  return KIND[code];
}

/** The code for an operating-system error met while opening, listing or reading a path. */
export function codeForSystemError(error: unknown): NoticeCode {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return 'vanished';
    case 'ENAMETOOLONG':
      return 'path-too-long';
    case 'ELOOP':
      return 'symlink-loop';
    default:
      return 'unreadable';
  }
}

/** One line describing an operating-system error, e.g. `permission denied (EACCES)`. */
export function describeSystemError(error: unknown): string {
  const code = errnoCode(error);
  switch (code) {
    case 'ENOENT':
      return 'deleted or moved while rag was running (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}); check the file's permissions`;
    case 'ENAMETOOLONG':
      return 'path too long for the operating system (ENAMETOOLONG); move it to a shallower folder';
    case 'ELOOP':
      return 'symbolic link loop (ELOOP)';
    case 'EIO':
      return 'input/output error (EIO): the disk or network share failed';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return (message.split('\n')[0] ?? '').trim();
    }
  }
}

/** The params of a notice about an operating-system error: its errno code and its English text. */
export function systemErrorParams(error: unknown): { errno?: string; error: string } {
  const code = errnoCode(error);
  return code === undefined ? { error: describeSystemError(error) } : { errno: code, error: describeSystemError(error) };
}

/** Counts of notices per code, in a fixed (code) order, leaving out codes that did not occur. */
export function countByCode(notices: ReadonlyArray<{ code: NoticeCode }>): Partial<Record<NoticeCode, number>> {
  const counts: Partial<Record<NoticeCode, number>> = {};
  for (const code of Object.keys(KIND) as NoticeCode[]) {
    const n = notices.filter((notice) => notice.code === code).length;
    if (n > 0) counts[code] = n;
  }
  return counts;
}

/**
 * Whether the file a stored document came from failed in this run, itself or through a folder
 * above it that could not be listed: then its previously stored version is kept, not removed.
 *
 * @param origin the ingest argument the document was stored from (a folder, or the file itself).
 * @param relPath the file relative to `origin`.
 */
export function failedThisRun(
  notices: ReadonlyArray<{ path: string; kind: NoticeKind }>,
  origin: string,
  relPath: string,
): boolean {
  const candidates = [path.join(origin, ...relPath.split('/')), origin];
  return notices.some(
    (n) => n.kind === 'failed' && candidates.some((file) => file === n.path || file.startsWith(`${n.path}${path.sep}`)),
  );
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}
