/**
 * Per-segment scores: a run's metrics per value of one queries.jsonl field (language, source,
 * style of generated queries ...), with the number of queries in each, so an average cannot hide
 * that a model fails on one kind of query.
 *
 * Reads the field straight from queries.jsonl (top level, or inside a `metadata` object), with the
 * same query ids as the dataset loader: `_id` (BEIR), else `id`, else `q<line>` (simple layout).
 */
import path from 'node:path';
import { RagError } from '../errors.js';
import { readLines } from './dataset-lines.js';
import type { RunResult } from './types.js';

/** Segment of queries that lack the field. */
export const NO_SEGMENT = '(none)';

function fieldValue(obj: Record<string, unknown>, field: string): string | undefined {
  const meta = obj.metadata;
  const raw = field in obj ? obj[field] : typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as Record<string, unknown>)[field] : undefined;
  if (typeof raw === 'string' && raw !== '') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

/** Query id -> value of `field` ({@link NO_SEGMENT} when absent), for every line of queries.jsonl. */
export async function readQuerySegments(datasetRoot: string, field: string): Promise<Map<string, string>> {
  if (field.trim() === '' || field === 'relevant') throw new RagError('usage', `invalid segment field "${field}": name a field of queries.jsonl such as language or source`, { details: { advice: 'segment-field-invalid', field } });
  const file = path.join(datasetRoot, 'queries.jsonl');
  const out = new Map<string, string>();
  let seen = false;
  for await (const [lineNo, line] of readLines(file)) {
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      continue; // the dataset loader has already reported malformed lines
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) continue;
    const rec = obj as Record<string, unknown>;
    const idRaw = rec._id ?? rec.id;
    const id = typeof idRaw === 'string' && idRaw !== '' ? idRaw : typeof idRaw === 'number' ? String(idRaw) : `q${lineNo}`;
    const value = fieldValue(rec, field);
    if (value !== undefined) seen = true;
    out.set(id, value ?? NO_SEGMENT);
  }
  if (!seen) throw new RagError('usage', `segment field ${field}: no query in ${file} has a "${field}" field (top level or in "metadata")`, { details: { advice: 'segment-field-absent', field, file } });
  return out;
}

/** One segment of one run. */
export interface SegmentScores {
  /** Evaluated queries in the segment. */
  queries: number;
  /** Mean of each metric over them. */
  metrics: Record<string, number>;
}

/** A run's mean metrics per segment, segments in natural order. */
export function scoreSegments(run: RunResult, segmentOf: ReadonlyMap<string, string>): Record<string, SegmentScores> {
  const sums = new Map<string, { n: number; totals: Record<string, number> }>();
  for (const [qid, r] of Object.entries(run.perQuery)) {
    const seg = segmentOf.get(qid) ?? NO_SEGMENT;
    let s = sums.get(seg);
    if (s === undefined) {
      s = { n: 0, totals: {} };
      sums.set(seg, s);
    }
    s.n += 1;
    for (const [k, v] of Object.entries(r.metrics)) s.totals[k] = (s.totals[k] ?? 0) + v;
  }
  const out: Record<string, SegmentScores> = {};
  for (const seg of [...sums.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const s = sums.get(seg)!;
    out[seg] = { queries: s.n, metrics: Object.fromEntries(Object.entries(s.totals).map(([k, v]) => [k, v / s.n])) };
  }
  return out;
}
