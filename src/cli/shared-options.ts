/**
 * Options several commands share, declared once, with the library's own defaults, so `--help`
 * and behaviour can never disagree about them.
 */
import { Command, Option } from 'commander';
import { DEFAULT_CHUNKING } from '../model/chunking.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../store/lock.js';
import { DEFAULT_INDEX_DIR } from '../store/index-path.js';
import { nonNegativeInt, number, positiveInt } from './options.js';
import { parseEncoding } from '../ingest/encoding.js';

const INDEX_HELP = 'index directory, or postgres://USER@HOST:PORT/DB?table=NAME (pgvector)';

/** `--index`, defaulting to the library's index folder. */
export function indexOption(command: Command, help = INDEX_HELP): Command {
  return command.option('--index <dir|url>', help, DEFAULT_INDEX_DIR);
}

/** `--json`: the command's result as one versioned JSON document on stdout. */
export function jsonOption(command: Command): Command {
  return command.option('--json', 'print the result as JSON on stdout (with formatVersion)');
}

export function noCacheOption(command: Command): Command {
  return command.option('--no-cache', 'do not read or write the embedding cache');
}

export function lockTimeoutOption(command: Command): Command {
  return command.option('--lock-timeout <seconds>', 'wait this long for another ingest to finish', number, DEFAULT_LOCK_TIMEOUT_MS / 1000);
}

/** `--chunk-size`, `--chunk-overlap`, `--chunk-unit` (ingest and eval chunk the same way). */
export function chunkingOptions(command: Command): Command {
  const { tokens, characters } = DEFAULT_CHUNKING;
  return command
    .option('--chunk-size <n>', `chunk size (default ${tokens.chunkSize} tokens for models with a tokenizer, capped by the model's window; else ${characters.chunkSize} characters)`, positiveInt)
    .option('--chunk-overlap <n>', `overlap between chunks, rounded to whole sentences (default ${tokens.chunkOverlap} tokens or ${characters.chunkOverlap} characters)`, nonNegativeInt)
    .addOption(new Option('--chunk-unit <unit>', 'measure chunks in model tokens (default with a tokenizer) or characters').choices(['tokens', 'characters']));
}

/** `--encoding`: decode text inputs as this instead of detecting (documents, corpus, queries, qrels). */
export function encodingOption(command: Command): Command {
  return command.option(
    '--encoding <name>',
    'read text files in this encoding instead of detecting it: utf-8, gb18030 (gbk), big5 (big5-hkscs), windows-1252 (latin1), utf-16le, utf-16be',
    parseEncoding,
  );
}
