/**
 * Writes every report of one evaluation into a folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GateResult } from '../gate.js';
import type { EvalResults } from '../types.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderPerQueryJsonl } from './per-query.js';
import { serializeResults } from './results-json.js';

export { appendStepSummary, renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
export { perQueryLines, renderPerQueryJsonl } from './per-query.js';
export type { PerQueryLine } from './per-query.js';
export { parseBaseline, readBaseline, sanitizeConfig, serializeResults } from './results-json.js';
export type { BaselineResults, BaselineRun } from './results-json.js';

/** Paths of the files {@link writeReports} wrote. */
export interface WrittenReports {
  results: string;
  markdown: string;
  html: string;
  junit: string;
  perQuery: string;
}

/**
 * Writes results.json, report.md, report.html, junit.xml and per-query.jsonl into `dir`
 * (created if needed), results.json first so machine output exists even if a report fails.
 */
export async function writeReports(dir: string, results: EvalResults, gate?: GateResult): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const paths: WrittenReports = {
    results: path.join(dir, 'results.json'),
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
    junit: path.join(dir, 'junit.xml'),
    perQuery: path.join(dir, 'per-query.jsonl'),
  };
  await writeFile(paths.results, serializeResults(results));
  await writeFile(paths.markdown, renderMarkdown(results, gate));
  await writeFile(paths.html, renderHtml(results, gate));
  await writeFile(paths.junit, renderJunit(results, gate));
  await writeFile(paths.perQuery, renderPerQueryJsonl(results));
  return paths;
}
