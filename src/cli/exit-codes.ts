/**
 * The process exit codes (README: "Exit status"). Only main.ts turns outcomes and errors into
 * them: commands return a {@link CommandStatus} or throw.
 */
import type { ErrorCode } from '../errors.js';

export const EXIT = {
  ok: 0,
  /** `rag eval`: the regression gate failed. */
  gateFailed: 1,
  /** Nothing was done: a usage error or a problem the user can fix. */
  userError: 2,
  /** `rag ingest` committed what it could read, but some files failed. */
  partlyFailed: 3,
  /** A bug in rag. */
  bug: 70,
  /** Interrupted (128 + SIGINT), what shells expect. */
  interrupted: 130,
  /** Terminated (128 + SIGTERM); exit hooks still clean up. */
  terminated: 143,
} as const;

/** What a command that finished reports beyond its output. */
export type CommandStatus = 'ok' | 'gate-failed' | 'partly-failed';

export function exitCodeForStatus(status: CommandStatus): number {
  switch (status) {
    case 'ok':
      return EXIT.ok;
    case 'gate-failed':
      return EXIT.gateFailed;
    case 'partly-failed':
      return EXIT.partlyFailed;
  }
}

export function exitCodeForError(code: ErrorCode): number {
  return code === 'interrupted' ? EXIT.interrupted : EXIT.userError;
}
