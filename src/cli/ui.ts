import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';

/**
 * Colours for stderr and stdout. NO_COLOR (any non-empty value, see no-color.org) and a
 * non-terminal stream turn colour off; FORCE_COLOR is left to chalk.
 */
export function colorsFor(stream: NodeJS.WriteStream): ChalkInstance {
  const noColor = (process.env.NO_COLOR ?? '') !== '';
  const level = noColor ? 0 : process.env.FORCE_COLOR ? undefined : stream.isTTY ? undefined : 0;
  return level === undefined ? new Chalk() : new Chalk({ level });
}

export const out = colorsFor(process.stdout);
export const err = colorsFor(process.stderr);

/** A log line on stderr: progress and notices never mix with results on stdout. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Prints a JSON document on stdout, the only thing there in --json mode. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
