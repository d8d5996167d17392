/**
 * results.json: the machine-readable outcome of `rag eval`, and the baseline the CI gate reads.
 * Written with a fixed key order so two runs over the same inputs diff cleanly, and with anything
 * that looks like a credential removed from the free-form config objects.
 */
import { readFile } from 'node:fs/promises';
import { RagError } from '../../errors.js';
import { RESULTS_FORMAT_VERSION, RETRIEVAL_MODES } from '../types.js';
import type { EvalResults, JsonValue, RetrievalMode, RunComparison, RunResult } from '../types.js';

/** Compact key form: `openai_api-Key` -> `openaiapikey`. */
function squash(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const SECRET_KEYS = new Set([
  'apikey',
  'key',
  'secret',
  'token',
  'accesstoken',
  'authtoken',
  'bearer',
  'password',
  'passwd',
  'authorization',
  'auth',
  'headers',
  'cookie',
  'credential',
  'credentials',
]);
const SECRET_SUFFIXES = ['apikey', 'secret', 'password', 'accesstoken', 'authtoken', 'secretkey', 'privatekey'];

/** Whether a config key may hold a credential (`apiKey`, `OPENAI_API_KEY`, `headers`, ...). */
export function isSecretKey(key: string): boolean {
  const k = squash(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/** Removes `user:password@` from URLs and masks strings shaped like API keys (`sk-...`). */
function scrubString(s: string): string {
  return s
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1')
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}/g, '[redacted]')
    .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g, 'Bearer [redacted]');
}

/**
 * Copy of a config value with object keys sorted, credential-like keys removed and credential-like
 * strings masked. Defense in depth: the runner should not pass secrets in the first place.
 */
export function sanitizeConfig(value: JsonValue): JsonValue {
  if (typeof value === 'string') return scrubString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(sanitizeConfig);
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value).sort()) {
    if (isSecretKey(key)) continue;
    const v = value[key];
    if (v !== undefined) out[key] = sanitizeConfig(v);
  }
  return out;
}

function finite(n: number | null): number | null {
  return n === null || !Number.isFinite(n) ? null : n;
}

function numbers(rec: Record<string, number>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = finite(v);
  return out;
}

const OPTIONAL_COSTS = ['bytesPerVector', 'vectorBytes', 'searchMsP50', 'searchMsP95', 'rerankCalls', 'rerankMsP50', 'rerankMsP95'] as const;

function optionalCosts(c: RunResult['cost']): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const key of OPTIONAL_COSTS) if (c[key] !== undefined) out[key] = finite(c[key]);
  return out;
}

function orderedRun(run: RunResult): Record<string, unknown> {
  const perQuery: Record<string, unknown> = {};
  for (const [qid, r] of Object.entries(run.perQuery)) {
    perQuery[qid] = { metrics: numbers(r.metrics), ranks: { ...r.ranks }, ...(r.top === undefined ? {} : { top: [...r.top] }) };
  }
  const c = run.cost;
  return {
    model: run.model,
    mode: run.mode,
    config: sanitizeConfig(run.config),
    metrics: numbers(run.metrics),
    evaluatedQueries: run.evaluatedQueries,
    skippedQueries: [...run.skippedQueries],
    unrankedQueries: [...run.unrankedQueries],
    cost: {
      embedSeconds: finite(c.embedSeconds),
      chunksPerSecond: finite(c.chunksPerSecond),
      chunks: c.chunks,
      dimension: c.dimension,
      indexBytes: c.indexBytes,
      truncatedChunks: c.truncatedChunks,
      querySeconds: finite(c.querySeconds),
      wallSeconds: finite(c.wallSeconds),
      // The trade-off costs (format 1 files without them still read): only where they apply.
      ...optionalCosts(c),
    },
    perQuery,
    ...(run.segments === undefined
      ? {}
      : { segments: Object.fromEntries(Object.entries(run.segments).map(([k, v]) => [k, { queries: v.queries, metrics: numbers(v.metrics) }])) }),
  };
}

function orderedComparison(c: RunComparison): Record<string, unknown> {
  const r = c.result;
  return {
    baseline: { model: c.baseline.model, mode: c.baseline.mode },
    candidate: { model: c.candidate.model, mode: c.candidate.mode },
    metric: c.metric,
    result: {
      n: r.n,
      meanA: r.meanA,
      meanB: r.meanB,
      meanDiff: r.meanDiff,
      ci: [r.ci[0], r.ci[1]],
      confidence: r.confidence,
      pValue: r.pValue,
      method: { ...r.method },
    },
    wins: c.wins,
    ties: c.ties,
    losses: c.losses,
    pHolm: c.pHolm,
    pBH: c.pBH,
    correction: c.correction,
    pAdjusted: c.pAdjusted,
    alpha: c.alpha,
    significant: c.significant,
    power: {
      alpha: c.power.alpha,
      power: c.power.power,
      sdDiff: c.power.sdDiff,
      mde: c.power.mde,
      effect: c.power.effect,
      queriesNeeded: c.power.queriesNeeded,
      underpowered: c.power.underpowered,
    },
    equivalence:
      c.equivalence === null
        ? null
        : {
            margin: c.equivalence.margin,
            alpha: c.equivalence.alpha,
            pValue: c.equivalence.pValue,
            pLower: c.equivalence.pLower,
            pUpper: c.equivalence.pUpper,
            ci: [c.equivalence.ci[0], c.equivalence.ci[1]],
            verdict: c.equivalence.verdict,
          },
  };
}

function orderedDocuments(docs: NonNullable<EvalResults['documents']>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, d] of Object.entries(docs)) out[id] = { ...(d.title === undefined ? {} : { title: d.title }), snippet: d.snippet };
  return out;
}

/** results.json text: fixed key order, sanitized configs, trailing newline. */
export function serializeResults(results: EvalResults): string {
  const d = results.dataset;
  const w = d.warnings;
  const ordered = {
    formatVersion: results.formatVersion,
    createdAt: results.createdAt,
    toolVersion: results.toolVersion,
    dataset: {
      name: d.name,
      layout: d.layout,
      path: d.path,
      ...(d.split === undefined ? {} : { split: d.split }),
      fingerprint: d.fingerprint,
      documents: d.documents,
      queries: d.queries,
      qrels: d.qrels,
      warnings: {
        unknownDocuments: w.unknownDocuments,
        unknownQueries: w.unknownQueries,
        duplicateLabels: w.duplicateLabels,
        unjudgedQueries: w.unjudgedQueries,
      },
    },
    ks: [...results.ks],
    ...(results.segmentBy === undefined ? {} : { segmentBy: results.segmentBy }),
    runs: results.runs.map(orderedRun),
    comparisons: results.comparisons.map(orderedComparison),
    queries: results.queries.map((q) => ({ id: q.id, text: q.text, relevant: { ...q.relevant }, ...(q.segment === undefined ? {} : { segment: q.segment }) })),
    ...(results.documents === undefined ? {} : { documents: orderedDocuments(results.documents) }),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** The part of a results file the gate needs; older or partial files only need this much. */
export interface BaselineRun {
  model: string;
  mode: RetrievalMode;
  metrics: Record<string, number>;
  /** Query id -> metrics, when the file has them (every results.json rag writes does). */
  perQuery?: Record<string, Record<string, number>>;
}

export interface BaselineResults {
  formatVersion: number;
  datasetFingerprint?: string;
  runs: BaselineRun[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the structure the gate relies on; throws a RagError naming `source` otherwise. */
export function parseBaseline(value: unknown, source: string): BaselineResults {
  if (!isRecord(value)) throw new RagError('baseline-invalid', `${source}: not a rag results file (expected a JSON object)`);
  if (value.formatVersion !== RESULTS_FORMAT_VERSION) {
    throw new RagError('baseline-invalid', 
      `${source}: unsupported results formatVersion ${JSON.stringify(value.formatVersion)} (this rag reads ${RESULTS_FORMAT_VERSION}); re-create the baseline with this version`,
    );
  }
  if (!Array.isArray(value.runs)) throw new RagError('baseline-invalid', `${source}: "runs" must be a list`);
  const runs: BaselineRun[] = value.runs.map((r: unknown, i: number) => {
    if (!isRecord(r)) throw new RagError('baseline-invalid', `${source}: runs[${i}] is not an object`);
    const mode = RETRIEVAL_MODES.find((m) => m === r.mode);
    if (typeof r.model !== 'string' || mode === undefined) {
      throw new RagError('baseline-invalid', `${source}: runs[${i}] needs "model" and "mode" (${RETRIEVAL_MODES.join(', ')})`);
    }
    if (!isRecord(r.metrics)) throw new RagError('baseline-invalid', `${source}: runs[${i}].metrics must be an object`);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.metrics)) if (typeof v === 'number') metrics[k] = v;
    const run: BaselineRun = { model: r.model, mode, metrics };
    if (isRecord(r.perQuery)) {
      const perQuery: Record<string, Record<string, number>> = {};
      for (const [qid, q] of Object.entries(r.perQuery)) {
        if (!isRecord(q) || !isRecord(q.metrics)) continue;
        const m: Record<string, number> = {};
        for (const [k, v] of Object.entries(q.metrics)) if (typeof v === 'number') m[k] = v;
        perQuery[qid] = m;
      }
      if (Object.keys(perQuery).length > 0) run.perQuery = perQuery;
    }
    return run;
  });
  const out: BaselineResults = { formatVersion: RESULTS_FORMAT_VERSION, runs };
  if (isRecord(value.dataset) && typeof value.dataset.fingerprint === 'string') {
    out.datasetFingerprint = value.dataset.fingerprint;
  }
  return out;
}

/** Reads a results.json (e.g. the committed baseline) for the gate. */
export async function readBaseline(file: string): Promise<BaselineResults> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RagError('baseline-invalid', `baseline file not found: ${file} (write one with an evaluation's results.json and commit it)`, { details: { advice: 'baseline-missing', file } });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RagError('baseline-invalid', `${file}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseBaseline(value, file);
}
