/**
 * The root of the `rag` command line (its own options, how usage errors print) and what each
 * command's declaration (`declare/<name>.ts`) gets. main.ts declares only the command being run
 * when the arguments name one; build-program.ts declares them all (help, tests, the build's help.txt).
 */
import { Command } from 'commander';
import type { CommandStatus } from './exit-codes.js';
import { err } from './ui.js';
import { detectLocale, type CliLocale } from './i18n/locale.js';
import { t } from './i18n/messages.js';
import { packageVersion } from '../version.js';

/** What every command action gets besides its arguments and options. */
export interface CommandContext {
  /** Aborted by the first Ctrl-C: long commands stop at their next safe point. */
  readonly signal: AbortSignal;
}

/** Wraps a command's action: `run(action)` records what the action returns, for main.ts to turn into the exit code. */
export type Run = <A extends unknown[]>(action: (context: CommandContext, ...args: A) => Promise<CommandStatus | void>) => (...args: A) => Promise<void>;

/** The `rag` program with no commands yet, and the `run` its commands' actions go through. */
export function programRoot(context: CommandContext, record: (status: CommandStatus) => void): { program: Command; run: Run } {
  const run: Run =
    (action) =>
    async (...args) => {
      record((await action(context, ...args)) ?? 'ok');
    };
  const program = new Command('rag')
    .description(t('help.rag'))
    .option('--verbose', 'print stack traces and debug details on errors')
    // One line per usage error, like every other error rag prints (commander's suggestion, e.g.
    // "(Did you mean --index?)", comes on a line of its own otherwise).
    .configureOutput({ outputError: (message, write) => write(`${usageLine(message)}\n`) })
    .version(packageVersion(), '-V, --version');
  return { program, run };
}

/** What words commander's help and messages in another language than English (i18n/localize-help.ts). */
type Localization = typeof import('./i18n/localize-help.js');
let localization: Localization | undefined;

/**
 * Hands over i18n/localize-help.ts (and its catalogue), which only another locale than English
 * needs: main.ts loads it only then, build-program.ts always.
 */
export function useLocalization(module: Localization): void {
  localization = module;
}

/** After the commands are declared: usage errors name each command's help, and help speaks the locale. */
export function finishProgram(program: Command, locale: CliLocale = detectLocale()): Command {
  pointUsageErrorsAtHelp(program);
  if (locale !== 'en') localized().localizeHelp(program, locale);
  return program;
}

function localized(): Localization {
  if (localization === undefined) throw new Error('the CLI words another locale than English without i18n/localize-help.js loaded');
  return localization;
}

/** Each command's usage errors name that command's help (`rag eval --help`), not only `rag --help`. */
function pointUsageErrorsAtHelp(command: Command, names: string[] = []): void {
  const path = ['rag', ...names].join(' ');
  command.configureOutput({ outputError: (message, write) => write(`${usageLine(message, path)}\n`) });
  for (const sub of command.commands) pointUsageErrorsAtHelp(sub, [...names, sub.name()]);
}

/** `error: unknown option '--x'\n(Did you mean --y?)\n` -> `rag: unknown option '--x' (Did you mean --y?) (run ...)`. */
export function usageLine(message: string, command = 'rag', decorated = true): string {
  const text = message.replace(/^error:\s*/, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  if (!decorated) return text;
  const locale = detectLocale();
  return `${err.red('rag:')} ${locale === 'en' ? text : localized().commanderMessage(text, locale)} (${t('usage.see-help', { command })})`;
}
