/**
 * Writes every report of one evaluation into a folder.
 */
import { mkdir } from 'node:fs/promises';
import { writeFilesAtomic } from '../../store/atomic.js';
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
 * (created if needed), all or nothing: every report is rendered and written to a temp file
 * before any is renamed over the previous run's, so a full disk or a failed render leaves the
 * previous reports whole (a gate's baseline is often exactly that results.json).
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
  await writeFilesAtomic([
    { path: paths.results, data: serializeResults(results) },
    { path: paths.markdown, data: renderMarkdown(results, gate) },
    { path: paths.html, data: renderHtml(results, gate) },
    { path: paths.junit, data: renderJunit(results, gate) },
    { path: paths.perQuery, data: renderPerQueryJsonl(results) },
  ]);
  return paths;
}
