import { axisOptions } from './axis-options.js';
import { Command, CommanderError, Option } from 'commander';
import { mountPointOf } from '../store/mount-point.js';
import { RagError } from '../errors.js';
import { DEFAULT_SPLIT } from '../eval/dataset.js';
import { DEFAULT_KS } from '../eval/metrics.js';
import { DEFAULT_K, DEFAULT_MODE, RETRIEVAL_MODES } from '../retrieve/types.js';
import { EXIT, exitCodeForError, exitCodeForStatus, type CommandStatus } from './exit-codes.js';
import { addModelOptions } from './model-options.js';
import { byteSize, collect, intList, nonNegativeInt, number, positiveInt } from './options.js';
import { fusionOptions } from './fusion-options.js';
import { rerankOptions } from './rerank-options.js';
import { addShortlistOptions } from './shortlist-options.js';
import { chunkingOptions, encodingOption, indexOption, jsonOption, lockTimeoutOption, noCacheOption } from './shared-options.js';
import { err, JSON_FORMAT_VERSION, log } from './ui.js';
import { labelled, p } from './i18n/progress-messages.js';
import { o } from './i18n/output-messages.js';
import { warningText } from './notices.js';
import { onUnroutedWarning } from '../warnings.js';
import { detectLocale } from './i18n/locale.js';
import { t } from './i18n/messages.js';
import { evalLayoutsHelp } from './i18n/help-messages.js';
import { commanderMessage, inScript, localizeHelp } from './i18n/localize-help.js';
import { packageVersion } from '../version.js';
import { DEFAULT_FIT, DEFAULT_NEGATIVE_RANGE, DEFAULT_NEGATIVES, DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, DEFAULT_VALIDATION_FRACTION } from '../tune/defaults.js';

/** What every command action gets besides its arguments and options. */
export interface CommandContext {
  /** Aborted by the first Ctrl-C: long commands stop at their next safe point. */
  readonly signal: AbortSignal;
}

/**
 * The `rag` command line: declarations only. Each action lazy-imports its command module so
 * `rag --help` never loads the heavy parts (ONNX runtime, PDF parser, HNSW).
 * `run(action)` records what the action returns, for {@link main} to turn into the exit code.
 */
export function buildProgram(context: CommandContext = { signal: new AbortController().signal }, record: (status: CommandStatus) => void = () => undefined): Command {
  const run =
    <A extends unknown[]>(action: (context: CommandContext, ...args: A) => Promise<CommandStatus | void>) =>
    async (...args: A): Promise<void> => {
      record((await action(context, ...args)) ?? 'ok');
    };
  const program = new Command('rag')
    .description(t('help.rag'))
    .option('--verbose', 'print stack traces and debug details on errors')
    // One line per usage error, like every other error rag prints (commander's suggestion, e.g.
    // "(Did you mean --index?)", comes on a line of its own otherwise).
    .configureOutput({ outputError: (message, write) => write(`${usageLine(message)}\n`) })
    .version(packageVersion(), '-V, --version');

  const ingest = program
    .command('ingest')
    .description(t('help.ingest'))
    .argument('<paths...>', 'files or directories (Markdown, text, PDF, HTML, DOCX, BEIR corpus.jsonl)');
  indexOption(ingest)
    .option('--model <id>', 'embedding model (default: the index\'s model, or `hash` for a new index); see `rag models`');
  chunkingOptions(ingest)
    .option('--include <glob>', 'only files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect);
  encodingOption(lockTimeoutOption(ingest)).option('--max-file-size <size>', 'skip files larger than this, e.g. 200MB (default 50MB)', byteSize);
  noCacheOption(ingest)
    .option('--rebuild', 'build the index again from scratch from <paths> (a damaged index, or to re-embed everything)')
    .option('--commit-every <n>', 'commit after every n new or changed documents (default: about once a minute)', positiveInt);
  addModelOptions(jsonOption(ingest)).action(run(async (ctx, paths: string[], opts) => (await import('./commands/ingest.js')).runIngest(paths, opts, ctx)));

  const query = program
    .command('query')
    .description(t('help.query'))
    .argument('[text]', 'what to search for; `-` reads it from stdin (for queries longer than one argument may be)');
  indexOption(query)
    .option('-k, --k <n>', 'number of results', positiveInt, DEFAULT_K)
    .addOption(new Option('--mode <mode>', 'retrieval mode').choices(RETRIEVAL_MODES).default(DEFAULT_MODE))
    .option('--model <id>', 'must match the model the index was built with (default: that model)')
    .option('--query-file <path>', 'read the query text from this file (UTF-8) instead of the argument')
    .option('--timings', 'print where the time went (start-up, index load, model load, embedding, search) on stderr, or as `timings` with --json')
    .option('--adapter <file>', 'pass query vectors through a query adapter made by `rag tune adapter` (default: the index\'s own adapter.json, if saved there)')
    .option('--no-adapter', 'search without a query adapter, even one saved in the index');
  rerankOptions(fusionOptions(query));
  addModelOptions(jsonOption(query)).action(run(async (_ctx, text: string | undefined, opts) => (await import('./commands/query.js')).runQuery(text, opts)));

  const check = program
    .command('check')
    .description(t('help.check'));
  jsonOption(indexOption(check, 'index directory')).action(run(async (_ctx, opts) => (await import('./commands/check.js')).runCheck(opts)));

  const inspect = program
    .command('inspect')
    .description(t('help.inspect'))
    .option('--doc <id|path>', 'show the chunks of this document (its id as `rag inspect` lists it, or the path of its file)');
  encodingOption(indexOption(inspect));
  jsonOption(inspect).action(run(async (_ctx, opts) => (await import('./commands/inspect.js')).runInspect(opts)));

  const evaluate = program
    .command('eval')
    .description(t('help.eval'))
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/) or a docs folder with queries.jsonl')
    .option('--model <id>', 'model to evaluate (repeatable; default hash)', collect)
    .option('--mode <mode>', `${RETRIEVAL_MODES.join(', ')} (repeatable; default ${DEFAULT_MODE})`, collect)
    .option('--k <list>', 'cutoffs for the metrics', intList, [...DEFAULT_KS])
    .option('--split <name>', 'qrels split of a BEIR dataset, or a qrels .tsv file (e.g. the held-out split `rag tune export` writes)', DEFAULT_SPLIT)
    .option('--adapter <file>', 'also run the adapter\'s model with its query adapter (`rag tune adapter`): an adapted row against the plain one')
    .option('--index <dir|url>', 'where the per-model indexes are built and deleted afterwards: a folder (default: the temp dir) or postgres://…?table=NAME (tables NAME_eval<i>)');
  encodingOption(axisOptions(evaluate))
    .option('--ignore-identical-ids', 'drop retrieved documents whose id equals the query id (BEIR/MTEB ArguAna-style)')
    .option('--limit <n>', 'evaluate only the first n queries (quick checks)', positiveInt)
    .option('--out <dir>', 'where to write results.json, report.md, report.html, junit.xml, per-query.jsonl')
    .option('--baseline <file>', 'a previous results.json to compare against (CI gate); alone it implies --max-drop 0.01')
    .option('--max-drop <x>', 'fail when a headline metric drops by more than this vs --baseline (default 0.01 with --baseline)', number)
    .option('--min <metric=value>', 'fail when a metric is below a floor, e.g. ndcg_at_10=0.6 (repeatable)', collect)
    .addOption(new Option('--correction <method>', 'multiple-comparison correction the "significant" mark uses: Holm (FWER), Benjamini-Hochberg (FDR) or none').choices(['none', 'holm', 'bh']).default('holm'))
    .option('--margin <x>', 'equivalence margin: TOST says "equivalent within ±x", "not worse by more than x" or "not shown"', number)
    .option('--effect <x>', 'the difference that matters to you: queries needed to detect it, underpowered flag (default: --margin)', number)
    .option('--fail-unless-equivalent', 'gate: fail unless each run is equivalent within --margin to the same run in --baseline (without --baseline: to the first run)')
    .option('--explain <runs...>', 'per-query failure analysis of run B against run A: --explain A B, each MODEL or MODEL:MODE (e.g. hash:dense bge-small-zh:dense)')
    .option('--segment-by <field>', 'also score every run per value of this queries.jsonl field (e.g. language, source), with counts')
    .option('--explain-segment <value>', 'with --explain and --segment-by: only queries of this segment')
    .option('--explain-limit <n>', 'how many losing queries --explain shows', positiveInt, 10)
    .option('--shortlist <filters>', 'evaluate the models `rag models FILTERS` lists, e.g. "--lang zh --max-params 500M" (added to --model)');
  addModelOptions(jsonOption(noCacheOption(evaluate)), { dimensions: false }).action(run(async (ctx, opts) => (await import('./commands/eval.js')).runEval(opts, ctx)));
  const locale = detectLocale();
  evaluate.addHelpText('after', locale === 'en' ? evalLayoutsHelp(DEFAULT_SPLIT, false) : inScript(evalLayoutsHelp(DEFAULT_SPLIT, true), locale));

  const queries = program.command('queries').description(t('help.queries'));
  const generate = queries
    .command('generate')
    .description('a chat model writes queries for sampled passages (in their language), filtered and labelled: a dataset for rag eval')
    .argument('[paths...]', 'files or folders of documents (or use --index)')
    .option('--index <dir|url>', 'sample the chunks of an existing index instead of reading paths')
    .requiredOption('--llm <spec>', 'chat model: openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY) or ollama:MODEL (OLLAMA_HOST)')
    .requiredOption('--count <n>', 'queries to ask for (passages = count / styles)', positiveInt)
    .requiredOption('--out <dir>', 'dataset folder to write (corpus.jsonl, queries.jsonl, qrels/test.tsv, generation.json)')
    .option('--seed <n>', 'seed of the passage sample', nonNegativeInt, 42)
    .option('--styles <list>', 'query styles: question, keywords, paraphrase (default all three)', collect)
    .option('--prompt <file>', 'prompt template with {{passage}} and {{count}} (optional {{styles}}, {{language}})')
    .option('--check', 'ask the model whether each passage answers its query; drop "no"')
    .option('--keep-leaky', 'keep queries that copy a long span of their passage (flagged in metadata)')
    .option('--base-url <url>', 'where the chat model runs: an OpenAI-compatible API root such as http://localhost:8000/v1 (default $OPENAI_BASE_URL), or the Ollama host (default $OLLAMA_HOST)')
    .option('--concurrency <n>', 'requests in flight', positiveInt, 4);
  generate
    .option('--chunk-size <n>', 'chunk size in characters for documents read from paths (default 800)', positiveInt)
    .option('--chunk-overlap <n>', 'overlap in characters (default 100)', nonNegativeInt)
    .option('--include <glob>', 'only files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect)
    .option('--dry-run', 'print the plan (passages, calls, estimated tokens) and stop');
  jsonOption(generate).action(run(async (ctx, paths: string[], opts) => (await import('./commands/queries.js')).runQueriesGenerate(paths, opts, ctx)));

  const label = program
    .command('label')
    .description(t('help.label'))
    .requiredOption('--dataset <dir>', 'a BEIR dataset folder (e.g. made by rag queries generate)')
    .option('--model <id>', 'model whose results are pooled (repeatable; default hash)', collect)
    .option('--mode <mode>', `${RETRIEVAL_MODES.join(', ')} (repeatable; default ${DEFAULT_MODE})`, collect)
    .option('--pool-depth <k>', 'pool the top k documents of every run per query', positiveInt, 10)
    .option('--split <name>', 'qrels split to write', DEFAULT_SPLIT)
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', nonNegativeInt)
    .option('--judge <name>', 'who judges, recorded in judgments.jsonl (default: your user name)')
    .option('--llm <spec>', 'instead of the page: a chat model (openai:MODEL, ollama:MODEL) grades the pools into qrels/<split>.llm.tsv')
    .option('--llm-base-url <url>', 'where the --llm model runs (default $OPENAI_BASE_URL, or $OLLAMA_HOST for ollama:)')
    .option('--concurrency <n>', 'chat requests in flight for --llm', positiveInt, 4)
    .option('--agreement', "print Cohen's kappa and the confusion table between your judgments and the model's");
  addModelOptions(jsonOption(noCacheOption(label))).action(run(async (ctx, opts) => (await import('./commands/label.js')).runLabel(opts, ctx)));

  const tune = program.command('tune').description(t('help.tune'));
  const tuneCommon = (command: Command): Command =>
    addModelOptions(
      jsonOption(
        noCacheOption(
          encodingOption(chunkingOptions(command))
            .requiredOption('--dataset <dir>', 'a labelled dataset (BEIR folder, or a docs folder with queries.jsonl), e.g. from `rag queries generate`')
            .option('--model <id>', 'embedding model whose ranking mines the negatives (default hash)')
            .option('--split <name>', 'qrels split to learn from', DEFAULT_SPLIT)
            .option('--negatives <n>', 'hard negatives per query', positiveInt, DEFAULT_NEGATIVES)
            .option('--range <skip-depth>', 'sample negatives from ranks SKIP+1..DEPTH of the model\'s ranking (skipping likely unlabelled positives)', `${DEFAULT_NEGATIVE_RANGE.skip}-${DEFAULT_NEGATIVE_RANGE.depth}`)
            .option('--exclude-unjudged-top <n>', 'never use an unjudged document ranked in the top n as a negative', nonNegativeInt)
            .option('--test-fraction <f>', 'share of queries (grouped by source document for generated queries) held out', number, DEFAULT_TEST_FRACTION)
            .option('--seed <n>', 'seed of the split and the negative sampling', nonNegativeInt, DEFAULT_SPLIT_SEED)
            .option('--group-by-relevant', 'keep queries that share a relevant document on one side of the split (several questions per document)'),
        ),
      ),
    );
  tuneCommon(
    tune
      .command('export')
      .description('hard-negative training data ({"query","pos","neg"} JSONL for FlagEmbedding / sentence-transformers) and a held-out split for `rag eval --split`')
      .requiredOption('--out <file>', 'training file, e.g. train.jsonl (beside it: .heldout.jsonl, .heldout.tsv, .split.json)'),
  ).action(run(async (_ctx, opts) => (await import('./commands/tune.js')).runTuneExport(opts)));
  tuneCommon(
    tune
      .command('adapter')
      .description('learn a linear query adapter on cached vectors (no re-embedding); stops early on validation nDCG@10, reports the held-out test split')
      .option('--out <file>', 'where to write the adapter', 'adapter.json')
      .option('--index <dir>', 'also save it in this index folder (adapter.json), where `rag query` applies it; the index must be built with the same model')
      .option('--validation-fraction <f>', 'share of the training queries early stopping watches', number, DEFAULT_VALIDATION_FRACTION)
      .option('--epochs <n>', 'at most this many passes over the training queries', positiveInt, DEFAULT_FIT.epochs)
      .option('--learning-rate <x>', 'Adam step size', number, DEFAULT_FIT.learningRate)
      .option('--temperature <x>', 'softmax temperature of the contrastive loss', number, DEFAULT_FIT.temperature)
      .option('--batch-size <n>', 'queries per step (their positives are each other\'s in-batch negatives)', positiveInt, DEFAULT_FIT.batchSize)
      .option('--patience <n>', 'stop after this many epochs without a better validation score', positiveInt, DEFAULT_FIT.patience),
  ).action(run(async (_ctx, opts) => (await import('./commands/tune.js')).runTuneAdapter(opts)));

  const models = program
    .command('models')
    .description(t('help.models'))
    .option('--details', 'show pooling, prefixes and hub ids instead of the shortlist columns');
  jsonOption(addShortlistOptions(models)).action(run(async (_ctx, opts) => (await import('./commands/models.js')).runModels(opts)));

  const prComment = program
    .command('pr-comment')
    .description('post or update the pull-request comment with the comparison table and verdicts of a `rag eval --json` output (GitHub)')
    .requiredOption('--from <file>', 'the saved output of `rag eval --json`')
    .option('--pr <n>', 'pull request number (default: from $GITHUB_EVENT_PATH)', positiveInt)
    .option('--repo <owner/name>', 'repository (default: $GITHUB_REPOSITORY)')
    .option('--api-url <url>', 'GitHub API (default: $GITHUB_API_URL or https://api.github.com)')
    .option('--report-url <url>', 'link to the uploaded reports, added to the comment')
    .option('--dry-run', 'print the comment instead of posting it');
  jsonOption(prComment).action(run(async (_ctx, opts) => (await import('./commands/pr-comment.js')).runPrComment(opts)));

  const cache = program.command('cache').description(t('help.cache'));
  jsonOption(cache.command('info').description('size of the cache per model')).action(
    run(async (_ctx, opts) => (await import('./commands/cache.js')).runCacheInfo(opts)),
  );
  jsonOption(
    cache.command('compact').description('rewrite the cache without duplicate vectors (safe while other runs write it)').option('--fingerprint <hex>', 'only this model fingerprint'),
  ).action(run(async (_ctx, opts) => (await import('./commands/cache.js')).runCacheCompact(opts)));
  jsonOption(cache.command('clear').description('delete cached vectors (all models, or one fingerprint)').option('--fingerprint <hex>', 'only this model fingerprint')).action(
    run(async (_ctx, opts) => (await import('./commands/cache.js')).runCacheClear(opts)),
  );

  pointUsageErrorsAtHelp(program);
  if (locale !== 'en') localizeHelp(program, locale);
  return program;
}

/** Each command's usage errors name that command's help (`rag eval --help`), not only `rag --help`. */
function pointUsageErrorsAtHelp(command: Command, names: string[] = []): void {
  const path = ['rag', ...names].join(' ');
  command.configureOutput({ outputError: (message, write) => write(`${usageLine(message, path)}\n`) });
  for (const sub of command.commands) pointUsageErrorsAtHelp(sub, [...names, sub.name()]);
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
  const program = buildProgram({ signal: interrupt.signal }, (s) => (status = s));
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
  const known = error instanceof RagError ? error : systemError(error);
  if (known !== undefined && !(verbose && !(error instanceof RagError))) {
    const { cliWording, cliLine } = await import('./error-advice.js');
    // People read stderr in their language; programs read the --json error, which stays English.
    process.stderr.write(`${err.red('rag:')} ${cliLine(cliWording(known, detectLocale()))}\n`);
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

/** `error: unknown option '--x'\n(Did you mean --y?)\n` -> `rag: unknown option '--x' (Did you mean --y?) (run ...)`. */
function usageLine(message: string, command = 'rag', decorated = true): string {
  const text = message.replace(/^error:\s*/, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  if (!decorated) return text;
  const locale = detectLocale();
  return `${err.red('rag:')} ${locale === 'en' ? text : commanderMessage(text, locale)} (${t('usage.see-help', { command })})`;
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
function systemError(error: unknown): RagError | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const { code } = error as NodeJS.ErrnoException;
  const where = 'path' in error && typeof error.path === 'string' ? ` ${error.path}` : '';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new RagError('permission-denied', `permission denied:${where}`, { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFull(error as NodeJS.ErrnoException);
    case 'ENOENT':
      return new RagError('path-not-found', `no such file or directory:${where}`, { cause: error });
    case 'EROFS':
      return new RagError('read-only', `read-only file system:${where}`, { cause: error });
    default:
      return undefined;
  }
}

/** A full disk or quota, naming the file system to free and the file being written. */
function diskFull(error: NodeJS.ErrnoException): RagError {
  const file = error.path?.replace(/\.tmp-\d+$/, '');
  const mount = file === undefined ? undefined : mountPointOf(file);
  const what = error.code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left';
  const on = mount === undefined ? 'on the device' : `on the file system at ${mount}`;
  return new RagError('disk-full', `${what} ${on}${file === undefined ? '' : ` while writing ${file}`}; nothing was committed and earlier files are unchanged`, {
    hint: 'free space there (or point TMPDIR, --index or --out elsewhere) and run the command again',
    cause: error,
  });
}
