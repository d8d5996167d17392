/**
 * The filter flags of `rag models`, declared once so `rag eval --shortlist "FLAGS"` parses the very
 * same flags with the same messages.
 */
import { Command, CommanderError, Option } from 'commander';
import { InvalidArgumentError } from 'commander';
import { SHORTLIST_SORTS, parseParamCount } from '../embed/shortlist.js';
import type { ShortlistFilters, ShortlistSort } from '../embed/shortlist.js';
import { RagError } from '../errors.js';
import { positiveInt } from './options.js';

function paramCount(value: string): number {
  try {
    return parseParamCount(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

/** Adds `--lang`, `--max-params`, `--max-dim`, `--min-tokens`, `--provider`, `--sort`. */
export function addShortlistOptions(command: Command): Command {
  return command
    .option('--lang <code>', 'models for this language (e.g. zh, en), multilingual ones included')
    .option('--max-params <n>', 'at most this many parameters, e.g. 500M or 1.5B (models with no published count are left out)', paramCount)
    .option('--max-dim <n>', 'output dimension at most n (Matryoshka models count when they can be truncated to n)', positiveInt)
    .option('--min-tokens <n>', 'input limit of at least n tokens', positiveInt)
    .addOption(new Option('--provider <name>', 'only this provider').choices(['builtin', 'transformers']))
    .addOption(new Option('--sort <key>', 'cmteb / mteb: best published retrieval score first; params / dim: smallest first').choices([...SHORTLIST_SORTS]));
}

export interface ShortlistFlags {
  lang?: string;
  maxParams?: number;
  maxDim?: number;
  minTokens?: number;
  provider?: ShortlistFilters['provider'];
  sort?: ShortlistSort;
}

export function shortlistFiltersFrom(flags: ShortlistFlags): ShortlistFilters {
  const out: ShortlistFilters = {};
  if (flags.lang !== undefined) out.lang = flags.lang;
  if (flags.maxParams !== undefined) out.maxParams = flags.maxParams;
  if (flags.maxDim !== undefined) out.maxDim = flags.maxDim;
  if (flags.minTokens !== undefined) out.minTokens = flags.minTokens;
  if (flags.provider !== undefined) out.provider = flags.provider;
  if (flags.sort !== undefined) out.sort = flags.sort;
  return out;
}

/** Parses the text of `--shortlist "--lang zh --max-params 500M"` with the `rag models` flags. */
export function parseShortlistSpec(spec: string): ShortlistFilters {
  const words = spec.trim().split(/\s+/).filter(Boolean);
  const parser = addShortlistOptions(new Command('shortlist'))
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
  try {
    parser.parse(words, { from: 'user' });
  } catch (e) {
    const message = e instanceof CommanderError ? e.message.replace(/^error: /, '') : String(e);
    throw new RagError('usage', `invalid --shortlist "${spec}": ${message}`, { hint: 'it takes the filters of `rag models`, e.g. --shortlist "--lang zh --max-params 500M"' });
  }
  return shortlistFiltersFrom(parser.opts<ShortlistFlags>());
}
