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

/**
 * Version of the `--json` documents of ingest, query, models, cache and of errors: bumped when a
 * field changes meaning or goes away (adding fields keeps it). `rag eval --json` carries the
 * version of results.json instead.
 */
export const JSON_FORMAT_VERSION = 1;

/** Prints a JSON document on stdout, the only thing there in --json mode; `formatVersion` comes first. */
let jsonPrinted = false;

export function printJson(document: object, formatVersion: number = JSON_FORMAT_VERSION): void {
  process.stdout.write(`${JSON.stringify({ formatVersion, ...document }, null, 2)}\n`);
  jsonPrinted = true;
}

/**
 * Whether this process already printed its JSON document: a command whose result is the verdict
 * (`rag check` reporting damage) then fails without a second document on stdout.
 */
export function printedJson(): boolean {
  return jsonPrinted;
}
