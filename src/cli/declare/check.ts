import type { Command } from 'commander';
import { indexOption, jsonOption } from '../shared-options.js';
import { t } from '../i18n/messages.js';
import type { Run } from '../program.js';

/** `rag check`: its options and arguments; the action loads the command's module when it runs. */
export function declareCheck(program: Command, run: Run): void {
  const check = program
    .command('check')
    .description(t('help.check'));
  jsonOption(indexOption(check, 'index directory')).action(run(async (_ctx, opts) => (await import('../commands/check.js')).runCheck(opts)));

}
