/**
 * `rag eval`'s trade-off axes, each a list (comma-separated and/or repeated): chunk size and
 * overlap, dimensions, precision and rescoring, fusion, rerankers. Parsed into the library's
 * {@link EvalAxes}; a bad value is a one-line usage error before anything is embedded.
 */
import { Option, type Command } from 'commander';
import { RagError } from '../errors.js';
import type { EvalAxes } from '../eval/plan.js';
import { DEFAULT_ALPHA, FUSION_METHODS, RRF_K } from '../retrieve/hybrid.js';
import { DEFAULT_RERANK_DEPTH } from '../retrieve/rerank.js';
import type { RetrievalMode } from '../retrieve/types.js';
import { PRECISIONS, type Precision } from '../store/quantized.js';
import { DEFAULT_CHUNKING } from '../model/chunking.js';
import { fusionListFrom } from './fusion-options.js';
import { collect, positiveInt } from './options.js';

export interface AxisFlags {
  chunkSize?: string[];
  chunkOverlap?: string[];
  dimensions?: string[];
  precision?: string[];
  rescore?: string[];
  fusion?: string[];
  rrfK?: string[];
  alpha?: string[];
  rerank?: string[];
  rerankDepth?: number;
  rerankBaseUrl?: string;
}

export function axisOptions(command: Command): Command {
  const { tokens, characters } = DEFAULT_CHUNKING;
  return command
    .option('--chunk-size <list>', `chunk sizes, one index each (default ${tokens.chunkSize} tokens, capped by the model's window; else ${characters.chunkSize} characters)`, collect)
    .option('--chunk-overlap <list>', `chunk overlaps, one index each (default ${tokens.chunkOverlap} tokens or ${characters.chunkOverlap} characters)`, collect)
    .addOption(new Option('--chunk-unit <unit>', 'measure chunks in model tokens (default with a tokenizer) or characters').choices(['tokens', 'characters']))
    .option('--dimensions <list>', 'Matryoshka truncations of the stored vectors, e.g. 1024,512,256 (no re-embedding; default the full dimension)', collect)
    .option('--precision <list>', `vector precisions: ${PRECISIONS.join(', ')} (int8 calibrated per dimension on the corpus; binary searched by Hamming distance)`, collect)
    .option('--rescore <list>', 'binary rows: rescore the top N Hamming candidates by float cosine (0 = none; default 0)', collect)
    .option('--fusion <list>', `hybrid mode: ${FUSION_METHODS.join(', ')} (default rrf)`, collect)
    .option('--rrf-k <list>', `RRF constants k (default ${RRF_K})`, collect)
    .option('--alpha <list>', `convex fusion: weights of the dense side in [0, 1] (default ${DEFAULT_ALPHA})`, collect)
    .option('--rerank <spec>', 'rerank the first stage: api:MODEL (a /v1/rerank endpoint; key in RERANK_API_KEY) or none (repeatable: one row each)', collect)
    .option('--rerank-depth <n>', `first-stage results the reranker scores (default ${DEFAULT_RERANK_DEPTH})`, positiveInt)
    .option('--rerank-base-url <url>', 'the rerank API root, e.g. https://api.jina.ai/v1 (default $RERANK_BASE_URL)')
    .option('--dry-run', 'print the plan (rows, indexes to build, embedding calls after the cache) and stop: nothing is embedded');
}

function ints(flag: string, values: string[] | undefined, min: number): number[] | undefined {
  return values?.map((v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new RagError('usage', `${flag} ${v}: expected ${min === 0 ? 'integers >= 0' : 'positive integers'}`);
    return n;
  });
}

export function axesFrom(opts: AxisFlags, modes: readonly RetrievalMode[]): EvalAxes {
  const precisions = opts.precision?.map((p): Precision => {
    const lower = p.toLowerCase();
    if (!(PRECISIONS as readonly string[]).includes(lower)) throw new RagError('usage', `unknown --precision "${p}"; use ${PRECISIONS.join(', ')}`);
    return lower as Precision;
  });
  const rescore = ints('--rescore', opts.rescore, 0);
  if (rescore !== undefined && !precisions?.includes('binary')) throw new RagError('usage', '--rescore applies to binary rows', { hint: 'add --precision binary or drop --rescore' });
  const dense = modes.some((m) => m !== 'bm25');
  const dimensions = ints('--dimensions', opts.dimensions, 1);
  if (!dense && (dimensions !== undefined || precisions !== undefined)) throw new RagError('usage', '--dimensions and --precision apply to dense and hybrid rows, not bm25');
  const fusions = fusionListFrom({ ...(opts.fusion ? { fusion: opts.fusion } : {}), ...(opts.rrfK ? { rrfK: opts.rrfK } : {}), ...(opts.alpha ? { alpha: opts.alpha } : {}) }, modes);
  const reranks = opts.rerank;
  if (reranks === undefined || reranks.every((r) => r === 'none')) {
    const stray = [opts.rerankBaseUrl !== undefined && '--rerank-base-url', opts.rerankDepth !== undefined && '--rerank-depth'].filter(Boolean).join(' and ');
    if (stray !== '') throw new RagError('usage', `${stray} without --rerank does nothing`, { hint: 'add --rerank api:MODEL or drop them' });
  }
  const chunkSizes = ints('--chunk-size', opts.chunkSize, 1);
  const chunkOverlaps = ints('--chunk-overlap', opts.chunkOverlap, 0);
  for (const size of chunkSizes ?? []) for (const overlap of chunkOverlaps ?? []) {
    if (overlap >= size) throw new RagError('usage', `--chunk-overlap ${overlap} must be smaller than --chunk-size ${size}`);
  }
  return {
    ...(chunkSizes === undefined ? {} : { chunkSizes }),
    ...(chunkOverlaps === undefined ? {} : { chunkOverlaps }),
    ...(dimensions === undefined ? {} : { dimensions }),
    ...(precisions === undefined ? {} : { precisions }),
    ...(rescore === undefined ? {} : { rescore }),
    ...(fusions === undefined ? {} : { fusions }),
    ...(reranks === undefined ? {} : { reranks }),
    ...(opts.rerankDepth === undefined ? {} : { rerankDepth: opts.rerankDepth }),
  };
}
