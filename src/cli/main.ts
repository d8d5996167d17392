import { Command, CommanderError, Option } from 'commander';
import { RagError } from '../errors.js';
import { addModelOptions } from './model-options.js';
import { byteSize, collect, intList, nonNegativeInt, number, positiveInt } from './options.js';
import { err } from './ui.js';
import { packageVersion } from './version.js';

/**
 * The `rag` command line: declarations only. Each action lazy-imports its command module so
 * `rag --help` never loads the heavy parts (ONNX runtime, PDF parser, HNSW).
 */
export function buildProgram(): Command {
  const program = new Command('rag')
    .description('Build and measure a retrieval-augmented-generation baseline on your own documents.')
    .option('--verbose', 'print stack traces and debug details on errors')
    // One line per usage error, like every other error rag prints (commander's suggestion, e.g.
    // "(Did you mean --index?)", comes on a line of its own otherwise).
    .configureOutput({ outputError: (message, write) => write(`${usageLine(message)}\n`) })
    .version(packageVersion(), '-V, --version');

  addModelOptions(program
    .command('ingest'))
    .description('load, chunk, embed and index documents (only what changed since the last run)')
    .argument('<paths...>', 'files or directories (Markdown, text, PDF, HTML, DOCX, BEIR corpus.jsonl)')
    .option('--index <dir|url>', 'index directory, or postgres://USER@HOST:PORT/DB?table=NAME (pgvector)', '.rag')
    .option('--model <id>', 'embedding model (default: the index\'s model, or `hash` for a new index); see `rag models`')
    .option('--chunk-size <n>', 'chunk size in model tokens (characters for models without a tokenizer)', positiveInt)
    .option('--chunk-overlap <n>', 'overlap between chunks, rounded to whole sentences', nonNegativeInt)
    .addOption(new Option('--chunk-unit <unit>', 'measure chunks in model tokens (default with a tokenizer) or characters').choices(['tokens', 'characters']))
    .option('--include <glob>', 'only files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect)
    .option('--lock-timeout <seconds>', 'wait this long for another ingest to finish', number, 10)
    .option('--max-file-size <size>', 'skip files larger than this, e.g. 200MB (default 50MB)', byteSize)
    .option('--no-cache', 'do not read or write the embedding cache')
    .option('--rebuild', 'build the index again from scratch from <paths> (a damaged index, or to re-embed everything)')
    .option('--commit-every <n>', 'commit after every n new or changed documents (default: about once a minute)', positiveInt)
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (paths: string[], opts) => (await import('./commands/ingest.js')).runIngest(paths, opts));

  addModelOptions(program
    .command('query'))
    .description('search an index; prints the top-k chunks with score, source and location')
    .argument('<text>', 'what to search for')
    .option('--index <dir|url>', 'index directory, or postgres://USER@HOST:PORT/DB?table=NAME (pgvector)', '.rag')
    .option('-k, --k <n>', 'number of results', positiveInt, 5)
    .addOption(new Option('--mode <mode>', 'retrieval mode').choices(['dense', 'bm25', 'hybrid']).default('dense'))
    .option('--model <id>', 'must match the model the index was built with (default: that model)')
    .option('--json', 'print results as JSON on stdout')
    .option('--timings', 'print where the time went (start-up, index load, model load, embedding, search) on stderr, or as `timings` with --json')
    .action(async (text: string, opts) => (await import('./commands/query.js')).runQuery(text, opts));

  addModelOptions(program
    .command('eval'))
    .description('score retrieval against a labeled query set; compare models and modes; gate CI on regressions')
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/) or a docs folder with queries.jsonl')
    .option('--model <id>', 'model to evaluate (repeatable; default hash)', collect)
    .option('--index <dir|url>', 'where the per-model indexes are built and deleted afterwards: a folder (default: the temp dir) or postgres://…?table=NAME (tables NAME_eval<i>)')
    .option('--mode <mode>', 'dense, bm25 or hybrid (repeatable; default dense)', collect)
    .option('--k <list>', 'cutoffs for the metrics', intList, [1, 3, 5, 10, 100])
    .option('--split <name>', 'qrels split of a BEIR dataset', 'test')
    .option('--chunk-size <n>', 'chunk size (tokens, or characters for models without a tokenizer)', positiveInt)
    .option('--chunk-overlap <n>', 'chunk overlap', nonNegativeInt)
    .option('--ignore-identical-ids', 'drop retrieved documents whose id equals the query id (BEIR/MTEB ArguAna-style)')
    .option('--limit <n>', 'evaluate only the first n queries (quick checks)', positiveInt)
    .option('--out <dir>', 'where to write results.json, report.md, report.html, junit.xml, per-query.jsonl')
    .option('--baseline <file>', 'a previous results.json to compare against (CI gate)')
    .option('--max-drop <x>', 'fail when a headline metric drops by more than this vs --baseline', number)
    .option('--min <metric=value>', 'fail when a metric is below a floor, e.g. ndcg_at_10=0.6 (repeatable)', collect)
    .option('--no-cache', 'do not read or write the embedding cache')
    .option('--json', 'print results as JSON on stdout')
    .action(async (opts) => (await import('./commands/eval.js')).runEval(opts));

  program
    .command('models')
    .description('list the model aliases with provider, pooling, prefixes, dimension and maximum tokens')
    .option('--json', 'print as JSON on stdout')
    .action(async (opts) => (await import('./commands/models.js')).runModels(opts));

  const cache = program.command('cache').description('the on-disk embedding cache shared by ingest and eval');
  cache
    .command('info')
    .description('size of the cache per model')
    .option('--json', 'print as JSON on stdout')
    .action(async (opts) => (await import('./commands/cache.js')).runCacheInfo(opts));
  cache
    .command('clear')
    .description('delete cached vectors (all models, or one fingerprint)')
    .option('--fingerprint <hex>', 'only this model fingerprint')
    .option('--json', 'print as JSON on stdout')
    .action(async (opts) => (await import('./commands/cache.js')).runCacheClear(opts));

  return program;
}

/** Runs the CLI; the only place that decides the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Subcommands copy the parent's settings when created, so each needs its own override; without
  // it a usage error in `rag eval` exits 1 by itself, the code of a failed gate.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    const verbose = argv.includes('--verbose');
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help / version text).
      return error.exitCode === 0 ? 0 : 2;
    }
    // Loaded only here: colours (chalk) are not needed to print help or to run a command.
    const { err } = await import('./ui.js');
    if (error instanceof RagError) {
      process.stderr.write(`${err.red('rag:')} ${error.message}\n`);
      if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const system = describeSystemError(error);
    if (system && !verbose) {
      process.stderr.write(`${err.red('rag:')} ${system}\n`);
      return 2;
    }
    process.stderr.write(`${err.red('rag: unexpected error:')} ${error instanceof Error ? error.message : String(error)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('(this is a bug in rag; rerun with --verbose for the stack trace and report it)\n');
    return 70;
  }
}

/** `error: unknown option '--x'\n(Did you mean --y?)\n` -> `rag: unknown option '--x' (Did you mean --y?) (run ...)`. */
function usageLine(message: string): string {
  const text = message.replace(/^error:\s*/, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  return `${err.red('rag:')} ${text} (run \`rag --help\` for usage)`;
}

/** Errors the environment causes (permissions, full disk) are the user's to fix, not bugs. */
function describeSystemError(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const { code } = error as NodeJS.ErrnoException;
  const where = 'path' in error && typeof error.path === 'string' ? ` ${error.path}` : '';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied:${where}`;
    case 'ENOSPC':
      return `no space left on the device while writing${where}; nothing was committed`;
    case 'ENOENT':
      return `no such file or directory:${where}`;
    case 'EROFS':
      return `read-only file system:${where}`;
    default:
      return undefined;
  }
}
