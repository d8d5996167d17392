/**
 * The whole `rag` command line: every command declared, as `rag --help` lists them. main.ts uses
 * it when the arguments name no single command (help, a mistyped command); the build renders
 * help.txt from it.
 */
import type { Command } from 'commander';
import type { CommandStatus } from './exit-codes.js';
import { finishProgram, programRoot, useLocalization, type CommandContext } from './program.js';
import * as localization from './i18n/localize-help.js';
import { declareIngest } from './declare/ingest.js';
import { declareQuery } from './declare/query.js';
import { declareCheck } from './declare/check.js';
import { declareInspect } from './declare/inspect.js';
import { declareEval } from './declare/eval.js';
import { declareQueries } from './declare/queries.js';
import { declareLabel } from './declare/label.js';
import { declareTune } from './declare/tune.js';
import { declareModels } from './declare/models.js';
import { declarePrComment } from './declare/pr-comment.js';
import { declareCache } from './declare/cache.js';

/** In the order `rag --help` lists them. */
const DECLARATIONS = [declareIngest, declareQuery, declareCheck, declareInspect, declareEval, declareQueries, declareLabel, declareTune, declareModels, declarePrComment, declareCache];

useLocalization(localization);

/**
 * The `rag` command line: declarations only. Each action lazy-imports its command module so
 * `rag --help` never loads the heavy parts (ONNX runtime, PDF parser, HNSW).
 * `run(action)` records what the action returns, for main.ts to turn into the exit code.
 */
export function buildProgram(context: CommandContext = { signal: new AbortController().signal }, record: (status: CommandStatus) => void = () => undefined): Command {
  const { program, run } = programRoot(context, record);
  for (const declare of DECLARATIONS) declare(program, run);
  return finishProgram(program);
}
