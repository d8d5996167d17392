/**
 * The pull-request comment of the GitHub Action: one comment per pull request with the comparison
 * table and the verdicts (significant after correction, equivalent, underpowered) and the gate,
 * created the first time and updated on every later push, found again by a hidden marker.
 *
 * Talks to the GitHub REST API (`GET/POST /repos/{owner}/{repo}/issues/{n}/comments`,
 * `PATCH /repos/{owner}/{repo}/issues/comments/{id}`) with the job's token, which is sent only as
 * the Authorization header and never printed.
 */
import { RagError } from '../errors.js';
import { describeEquivalence } from '../eval/equivalence.js';
import type { GateResult } from '../eval/gate.js';
import type { DatasetInfo, RunComparison, RunResult } from '../eval/types.js';

/** Marks our comment among the pull request's comments. */
export const COMMENT_MARKER = '<!-- rag-eval-report -->';

/** The parts of `rag eval --json` the comment shows. */
export interface EvalSummary {
  dataset: Pick<DatasetInfo, 'name'> & Partial<DatasetInfo>;
  runs: Array<Pick<RunResult, 'model' | 'mode' | 'metrics' | 'evaluatedQueries'>>;
  comparisons: RunComparison[];
  gate: GateResult | null;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
const p = (x: number): string => (x < 0.001 ? '<0.001' : x.toFixed(3));

function verdicts(c: RunComparison): string {
  const label = c.correction === 'none' ? 'raw p' : c.correction === 'holm' ? 'Holm' : 'BH';
  const parts = [c.significant ? `**significant** (${label})` : `not significant (${label})`];
  if (c.equivalence !== null) parts.push(describeEquivalence(c.equivalence));
  if (c.power.underpowered) parts.push(`⚠ underpowered${c.power.queriesNeeded !== null ? ` (≈${c.power.queriesNeeded} queries needed for Δ ${c.power.effect})` : ''}`);
  return parts.join(' · ');
}

function comparisonTable(title: string, comparisons: readonly RunComparison[], baselineWord: string): string[] {
  if (comparisons.length === 0) return [];
  return [
    `#### ${title}`,
    '',
    `| Run | vs ${baselineWord} | Δ ${cell(comparisons[0]!.metric.replace('_at_', '@'))} | 95% CI | p | p adj | W/T/L | MDE | Verdict |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...comparisons.map(
      (c) =>
        `| ${cell(`${c.candidate.model} (${c.candidate.mode})`)} | ${cell(`${c.baseline.model} (${c.baseline.mode})`)} | ${signed(c.result.meanDiff)} | [${signed(c.result.ci[0])}, ${signed(c.result.ci[1])}] | ${p(c.result.pValue)} | ${p(c.pAdjusted)} | ${c.wins}/${c.ties}/${c.losses} | ${c.power.mde.toFixed(4)} | ${cell(verdicts(c))} |`,
    ),
    '',
  ];
}

/** The comment's Markdown, starting with {@link COMMENT_MARKER}. */
export function renderPrComment(summary: EvalSummary, options: { reportUrl?: string } = {}): string {
  const gate = summary.gate;
  const status = gate === null ? 'no gate' : gate.passed ? '✅ gate passed' : `❌ gate FAILED: ${gate.violations.length} of ${gate.checks.length} checks failed`;
  const out = [COMMENT_MARKER, `### Retrieval evaluation: ${cell(summary.dataset.name)} · ${status}`, ''];
  const metrics = ['ndcg_at_10', 'recall_at_10', 'mrr_at_10'].filter((m) => summary.runs.some((r) => r.metrics[m] !== undefined));
  out.push(`| Run | ${metrics.map((m) => m.replace('_at_', '@')).join(' | ')} | Queries |`, `|---|${metrics.map(() => '---:').join('|')}|---:|`);
  for (const r of summary.runs) out.push(`| ${cell(`${r.model} (${r.mode})`)} | ${metrics.map((m) => (r.metrics[m] ?? Number.NaN).toFixed(4)).join(' | ')} | ${r.evaluatedQueries} |`);
  out.push('');
  out.push(...comparisonTable('Against the first run', summary.comparisons, 'first run'));
  if (gate !== null) {
    out.push(...comparisonTable(`Against the baseline file${gate.baselineFile === null ? '' : ` \`${cell(gate.baselineFile)}\``}`, gate.baselineComparisons, 'baseline'));
    if (gate.violations.length > 0) {
      out.push('#### Failed checks', '', ...gate.violations.map((v) => `- ❌ ${cell(v.message)}`), '');
    }
  }
  if (options.reportUrl !== undefined) out.push(`Full reports: ${options.reportUrl}`, '');
  return out.join('\n');
}

export interface UpsertOptions {
  /** `https://api.github.com`, or `$GITHUB_API_URL` (GitHub Enterprise, a test server). */
  apiUrl: string;
  token: string;
  /** `owner/name`. */
  repository: string;
  pullRequest: number;
  body: string;
  fetch?: typeof fetch;
}

async function call(options: UpsertOptions, method: string, pathname: string, body?: unknown): Promise<unknown> {
  const f = options.fetch ?? fetch;
  const url = `${options.apiUrl.replace(/\/+$/, '')}${pathname}`;
  let res: Response;
  try {
    res = await f(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${options.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'rag-eval',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new RagError('github-api', `cannot reach the GitHub API at ${options.apiUrl} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) {
    const text = (await res.text()).slice(0, 200);
    throw new RagError('github-api', `GitHub API ${method} ${pathname} answered ${res.status}: ${text}`, {
      hint: res.status === 403 || res.status === 401 ? 'give the job `permissions: pull-requests: write` (and pass github.token)' : 'see the GitHub status page or retry',
    });
  }
  return res.status === 204 ? null : res.json();
}

/** Posts the comment, or updates the one carrying {@link COMMENT_MARKER}. Returns what was done. */
export async function upsertPrComment(options: UpsertOptions): Promise<{ action: 'created' | 'updated'; id: number }> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) throw new RagError('usage', `invalid repository "${options.repository}": expected OWNER/NAME`);
  const base = `/repos/${options.repository}/issues`;
  for (let page = 1; page <= 50; page += 1) {
    const list = await call(options, 'GET', `${base}/${options.pullRequest}/comments?per_page=100&page=${page}`);
    if (!Array.isArray(list)) throw new RagError('github-api', 'GitHub API: the comment list is not a list');
    const ours = list.find((c: unknown): c is { id: number; body: string } =>
      typeof c === 'object' && c !== null && typeof (c as { body?: unknown }).body === 'string' && (c as { body: string }).body.includes(COMMENT_MARKER),
    );
    if (ours !== undefined) {
      await call(options, 'PATCH', `${base}/comments/${ours.id}`, { body: options.body });
      return { action: 'updated', id: ours.id };
    }
    if (list.length < 100) break;
  }
  const created = (await call(options, 'POST', `${base}/${options.pullRequest}/comments`, { body: options.body })) as { id?: unknown };
  return { action: 'created', id: typeof created?.id === 'number' ? created.id : -1 };
}
