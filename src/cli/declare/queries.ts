import type { Command } from 'commander';
import { collect, nonNegativeInt, positiveInt } from '../options.js';
import { jsonOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag queries`: its options and arguments; the action loads the command's module when it runs. */
export function declareQueries(program: Command, run: Run): void {
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
  jsonOption(generate).action(run(async (ctx, paths: string[], opts) => (await import('../commands/queries.js')).runQueriesGenerate(paths, opts, ctx)));

}
