import { CommanderError, type Command } from 'commander';
import { RagError } from '../errors.js';
import { EXIT, exitCodeForError, exitCodeForStatus, type CommandStatus } from './exit-codes.js';
import { JSON_FORMAT_VERSION, log } from './ui.js';
import { labelled, p } from './i18n/progress-messages.js';
import { o } from './i18n/output-messages.js';
import { warningText } from './notices.js';
import { onUnroutedWarning } from '../warnings.js';
import { detectLocale } from './i18n/locale.js';
import { t } from './i18n/messages.js';
import { finishProgram, programRoot, usageLine, useLocalization, type CommandContext, type Run } from './program.js';

export type { CommandContext } from './program.js';

/**
 * Each command's declaration, loaded only for that command: `rag query` then never loads what
 * `rag eval`'s options need (datasets, metrics, rerankers, the model cards).
 */
const DECLARATIONS: Record<string, () => Promise<(program: Command, run: Run) => void>> = {
  ingest: async () => (await import('./declare/ingest.js')).declareIngest,
  query: async () => (await import('./declare/query.js')).declareQuery,
  check: async () => (await import('./declare/check.js')).declareCheck,
  inspect: async () => (await import('./declare/inspect.js')).declareInspect,
  eval: async () => (await import('./declare/eval.js')).declareEval,
  queries: async () => (await import('./declare/queries.js')).declareQueries,
  label: async () => (await import('./declare/label.js')).declareLabel,
  tune: async () => (await import('./declare/tune.js')).declareTune,
  models: async () => (await import('./declare/models.js')).declareModels,
  'pr-comment': async () => (await import('./declare/pr-comment.js')).declarePrComment,
  cache: async () => (await import('./declare/cache.js')).declareCache,
};

/**
 * The command `argv` runs when it names one of {@link DECLARATIONS} after nothing but `--verbose`;
 * undefined otherwise (`rag`, `rag --help`, `rag help query`, a mistyped name: those need every command).
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  for (const arg of argv.slice(2)) {
    if (arg === '--verbose') continue;
    return !arg.startsWith('-') && Object.hasOwn(DECLARATIONS, arg) ? arg : undefined;
  }
  return undefined;
}

/**
 * The program for `argv`: only the named command declared when there is one (what it prints,
 * accepts and refuses is the same as in the whole program), else every command.
 */
async function programFor(argv: readonly string[], context: CommandContext, record: (status: CommandStatus) => void): Promise<Command> {
  if (detectLocale() !== 'en') useLocalization(await import('./i18n/localize-help.js'));
  const name = commandNamed(argv);
  if (name === undefined) return (await import('./build-program.js')).buildProgram(context, record);
  const { program, run } = programRoot(context, record);
  (await DECLARATIONS[name]!())(program, run);
  return finishProgram(program);
}

/** Runs the CLI; the only place that decides the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const interrupt = new AbortController();
  // The first Ctrl-C asks the running command to stop at its next safe point (its own message
  // says so); a second one quits at once, which is still safe: commits are atomic and the lock
  // is released on exit.
  const onSignal = (): void => {
    if (interrupt.signal.aborted) {
      process.stderr.write(`${o('interrupt.again')}\n`);
      process.exit(EXIT.interrupted);
    }
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  // SIGTERM (a CI timeout, `kill`) ends the process at once, but through process.exit, so that
  // exit hooks run: the index lock is released and eval's temporary indexes are removed.
  const onTerm = (): void => {
    process.stderr.write(`${o('interrupt.terminated')}\n`);
    process.exit(EXIT.terminated);
  };
  process.on('SIGTERM', onTerm);
  // Library warnings with no event to ride on, worded like the rest.
  onUnroutedWarning((warning) => log(labelled(p('progress.note'), warningText(warning))));
  let status: CommandStatus = 'ok';
  const program = await programFor(argv, { signal: interrupt.signal }, (s) => (status = s));
  // Subcommands copy the parent's settings when created, so each needs its own override; without
  // it a usage error in `rag eval` exits 1 by itself, the code of a failed gate.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return exitCodeForStatus(status);
  } catch (error) {
    return reportError(error, argv);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onTerm);
  }
}

/** Prints what went wrong (one line; the stack only with --verbose) and chooses the exit code. */
async function reportError(error: unknown, argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const json = wantsJson(argv);
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help / version text) on stderr.
    if (error.exitCode !== 0 && json) printJsonError('usage', usageLine(error.message, 'rag', false), 'run `rag --help` for usage');
    return error.exitCode === 0 ? EXIT.ok : EXIT.userError;
  }
  // Loaded only here: colours (chalk) are not needed to print help or to run a command.
  const { err, printedJson } = await import('./ui.js');
  const known = error instanceof RagError ? error : await systemError(error);
  if (known !== undefined && !(verbose && !(error instanceof RagError))) {
    const { cliWording, cliLine } = await import('./error-advice.js');
    // People read stderr in their language; programs read the --json error, which stays English.
    const locale = detectLocale();
    process.stderr.write(`${err.red('rag:')} ${cliLine(cliWording(known, locale), locale)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    const english = cliWording(known, 'en');
    if (json && !printedJson()) printJsonError(known.code, english.summary, english.hint);
    return exitCodeForError(known.code);
  }
  if (json) printJsonError('bug', error instanceof Error ? error.message : String(error), 'this is a bug in rag; rerun with --verbose for the stack trace and report it');
  process.stderr.write(`${labelled(`rag: ${t('bug.prefix')}`, error instanceof Error ? error.message : String(error), err.red)}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write(`(${t('bug.hint')})\n`);
  return EXIT.bug;
}

/** `--json` anywhere before a `--` separator: the error then goes to stdout as JSON as well. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Under --json, programs read the error from stdout as one JSON document (the one stderr line
 * stays for people). `code` is an {@link ErrorCode}, `usage` for a bad command line, or `bug`.
 */
function printJsonError(code: string, message: string, hint: string | undefined): void {
  process.stdout.write(`${JSON.stringify({ formatVersion: JSON_FORMAT_VERSION, error: { code, message, hint: hint ?? null } }, null, 2)}\n`);
}

/** Errors the environment causes (permissions, full disk) are the user's to fix, not bugs. */
async function systemError(error: unknown): Promise<RagError | undefined> {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const { code } = error as NodeJS.ErrnoException;
  const where = 'path' in error && typeof error.path === 'string' ? ` ${error.path}` : '';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new RagError('permission-denied', `permission denied:${where}`, { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFull(error as NodeJS.ErrnoException, (await import('../store/mount-point.js')).mountPointOf);
    case 'ENOENT':
      return new RagError('path-not-found', `no such file or directory:${where}`, { cause: error });
    case 'EROFS':
      return new RagError('read-only', `read-only file system:${where}`, { cause: error });
    default:
      return undefined;
  }
}

/** A full disk or quota, naming the file system to free and the file being written. */
function diskFull(error: NodeJS.ErrnoException, mountPointOf: (path: string) => string | undefined): RagError {
  const file = error.path?.replace(/\.tmp-\d+$/, '');
  const mount = file === undefined ? undefined : mountPointOf(file);
  const what = error.code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left';
  const on = mount === undefined ? 'on the device' : `on the file system at ${mount}`;
  return new RagError('disk-full', `${what} ${on}${file === undefined ? '' : ` while writing ${file}`}; nothing was committed and earlier files are unchanged`, {
    hint: 'free space there (or point TMPDIR, --index or --out elsewhere) and run the command again',
    cause: error,
  });
}
