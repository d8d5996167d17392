import { Option, type Command } from 'commander';
import { axisOptions } from '../axis-options.js';
import { DEFAULT_SPLIT } from '../../eval/beir-layout.js';
import { DEFAULT_KS } from '../../eval/metrics.js';
import { DEFAULT_MODE, RETRIEVAL_MODES } from '../../retrieve/types.js';
import { addModelOptions } from '../model-options.js';
import { collect, intList, number, positiveInt } from '../options.js';
import { encodingOption, jsonOption, noCacheOption } from '../shared-options.js';
import { detectLocale } from '../i18n/locale.js';
import { t } from '../i18n/messages.js';
import { evalLayoutsHelp } from '../i18n/help-messages.js';
import { inScript } from '../i18n/localize-help.js';
import type { Run } from '../program.js';

/** `rag eval`: its options and arguments; the action loads the command's module when it runs. */
export function declareEval(program: Command, run: Run): void {
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
  addModelOptions(jsonOption(noCacheOption(evaluate)), { dimensions: false }).action(run(async (ctx, opts) => (await import('../commands/eval.js')).runEval(opts, ctx)));
  const locale = detectLocale();
  evaluate.addHelpText('after', locale === 'en' ? evalLayoutsHelp(DEFAULT_SPLIT, false) : inScript(evalLayoutsHelp(DEFAULT_SPLIT, true), locale));

}
