import type { Command } from 'commander';
import { positiveInt } from '../options.js';
import { jsonOption } from '../shared-options.js';
import type { Run } from '../program.js';

/** `rag pr-comment`: its options and arguments; the action loads the command's module when it runs. */
export function declarePrComment(program: Command, run: Run): void {
  const prComment = program
    .command('pr-comment')
    .description('post or update the pull-request comment with the comparison table and verdicts of a `rag eval --json` output (GitHub)')
    .requiredOption('--from <file>', 'the saved output of `rag eval --json`')
    .option('--pr <n>', 'pull request number (default: from $GITHUB_EVENT_PATH)', positiveInt)
    .option('--repo <owner/name>', 'repository (default: $GITHUB_REPOSITORY)')
    .option('--api-url <url>', 'GitHub API (default: $GITHUB_API_URL or https://api.github.com)')
    .option('--report-url <url>', 'link to the uploaded reports, added to the comment')
    .option('--dry-run', 'print the comment instead of posting it');
  jsonOption(prComment).action(run(async (_ctx, opts) => (await import('../commands/pr-comment.js')).runPrComment(opts)));

}
