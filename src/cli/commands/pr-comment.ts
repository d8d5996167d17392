import { readFile } from 'node:fs/promises';
import { renderPrComment, upsertPrComment } from '../../ci/github-comment.js';
import type { EvalSummary } from '../../ci/github-comment.js';
import { RagError } from '../../errors.js';
import { o } from '../i18n/output-messages.js';
import { log, printJson } from '../ui.js';

export interface PrCommentOptions {
  from: string;
  pr?: number;
  repo?: string;
  apiUrl?: string;
  reportUrl?: string;
  dryRun?: boolean;
  json?: boolean;
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RagError('path-not-found', `${what} not found: ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RagError('usage', `${file}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function isSummary(v: unknown): v is EvalSummary {
  const o = v as Partial<EvalSummary> | null;
  return typeof o === 'object' && o !== null && Array.isArray(o.runs) && Array.isArray(o.comparisons) && typeof o.dataset === 'object';
}

/** The pull request of the triggering event (`$GITHUB_EVENT_PATH`), if it is one. */
async function eventPullRequest(env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const file = env.GITHUB_EVENT_PATH;
  if (file === undefined || file === '') return undefined;
  const event = (await readJson(file, 'GitHub event file')) as { pull_request?: { number?: unknown }; number?: unknown };
  const n = event.pull_request?.number ?? event.number;
  return typeof n === 'number' ? n : undefined;
}

export async function runPrComment(opts: PrCommentOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const summary = await readJson(opts.from, 'eval JSON');
  if (!isSummary(summary)) throw new RagError('usage', `${opts.from}: not the output of \`rag eval --json\``);
  const body = renderPrComment(summary, { ...(opts.reportUrl === undefined ? {} : { reportUrl: opts.reportUrl }) });
  if (opts.dryRun) {
    process.stdout.write(`${body}\n`);
    return;
  }
  const token = env.GITHUB_TOKEN;
  if (token === undefined || token === '') throw new RagError('usage', 'GITHUB_TOKEN is not set', { hint: 'pass `env: GITHUB_TOKEN: ${{ github.token }}` to the step, or use --dry-run' });
  const repository = opts.repo ?? env.GITHUB_REPOSITORY;
  if (repository === undefined || repository === '') throw new RagError('usage', 'no repository: set --repo OWNER/NAME or GITHUB_REPOSITORY');
  const pullRequest = opts.pr ?? (await eventPullRequest(env));
  if (pullRequest === undefined) throw new RagError('usage', 'no pull request: this event is not a pull_request; pass --pr N');
  const result = await upsertPrComment({ apiUrl: opts.apiUrl ?? env.GITHUB_API_URL ?? 'https://api.github.com', token, repository, pullRequest, body });
  if (opts.json) printJson({ ...result, repository, pullRequest });
  else log(o(result.action === 'created' ? 'pr-comment.created' : 'pr-comment.updated', { id: result.id, pullRequest: `${repository}#${pullRequest}` }));
}
